package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	fixture := filepath.Join("..", "..", "index", "corpusgen", "testdata", "sentences.txt")
	tests := []struct {
		name      string
		args      []string
		wantLines int
		wantErr   bool
	}{
		{"ten reports", []string{"--from", fixture, "--passages", "100"}, 10, false},
		{"fewer passages than a report", []string{"--from", fixture, "--passages", "3"}, 1, false},
		{"per report", []string{"--from", fixture, "--passages", "100", "--per-report", "5"}, 20, false},
		{"no sources", []string{"--passages", "100"}, 0, true},
		{"missing file", []string{"--from", "no-such-file.jsonl"}, 0, true},
		{"stray argument", []string{"--from", fixture, "extra"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if (err != nil) != tt.wantErr {
				t.Fatalf("run: %v (stderr %s)", err, errOut.String())
			}
			if got := strings.Count(out.String(), "\n"); got != tt.wantLines {
				t.Errorf("%d lines, want %d", got, tt.wantLines)
			}
		})
	}
}
