package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-data", "testdata", "-sets", "mini"}, &out, &errb)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	// Each query names its one relevant document plainly: every measure is 1.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	f := strings.Fields(lines[1])
	if f[0] != "mini" || f[1] != "4" || f[2] != "2" || f[3] != "1.000" || f[6] != "1.000" {
		t.Errorf("row %q", lines[1])
	}
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-data", "testdata", "-sets", "absent"},
		{"-no-such-flag"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := run(context.Background(), args, &out, &errb); err == nil {
				t.Errorf("want error, got output %q", out.String())
			}
		})
	}
}
