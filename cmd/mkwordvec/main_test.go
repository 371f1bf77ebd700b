package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "v.json")
	js := `{"dimensions":2,"size":3,"words":["the",",","of"],"vectors":{"the":[1,2,2.2360680,0],",":[1,1,1.4142136,1],"of":[0.5,-1,1.1180340,2]}}`
	if err := os.WriteFile(src, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.bin")
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		want    string
	}{
		{"no flags", nil, true, ""},
		{"missing out", []string{"-in", src}, true, ""},
		{"stray argument", []string{"-in", src, "-out", out, "extra"}, true, ""},
		{"bad input", []string{"-in", filepath.Join(dir, "missing"), "-out", out}, true, ""},
		{"converts", []string{"-in", src, "-out", out, "-words", "5"}, false, "source words 3, usable 2, kept 2, dim 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Fatalf("run(%q) = %v, want error %v", tc.args, err, tc.wantErr)
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tc.want)
			}
		})
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no output file: %v", err)
	}
}
