package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of unsorted", ms(5, 1, 4, 2, 3), 50, 3 * time.Millisecond},
		{"p95 of 1..100", ms(seq(100)...), 95, 95 * time.Millisecond},
		{"p99 of 1..100", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"max", ms(3, 9, 1), 100, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.in, tt.p); got != tt.want {
				t.Errorf("percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = n - i // descending, so percentile must sort
	}
	return out
}

func TestQuestions(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		got, err := questionsFromFile(filepath.Join("testdata", "questions.txt"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"who presided over the port logistics symposium", "which delegations visited the panda breeding base"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("jsonl", func(t *testing.T) {
		got, err := questionsFromCorpus(filepath.Join("testdata", "corpus.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"The delegates agreed to send twelve ice sculptors and a youth choir to the festival in January.",
			"The participants discussed container shipping routes to Southeast Asia and customs clearance at the port",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("folder skips titles and cuts long sentences", func(t *testing.T) {
		dir := t.TempDir()
		body := "A Title With Many Many Words In It Here\n\n" + strings.Repeat("word ", 30) + "end."
		if err := os.WriteFile(filepath.Join(dir, "r.txt"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "ignored.md"), []byte("x\nnot a report at all but long enough."), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := questionsFromCorpus(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(strings.Fields(got[0])) != 20 || strings.Contains(got[0], "Title") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("bad jsonl", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "bad.jsonl")
		if err := os.WriteFile(p, []byte("{\"text\": \"ok\"}\nnot json\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := questionsFromCorpus(p); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("err = %v, want one naming line 2", err)
		}
	})
}

func TestRun(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/api/search" || r.URL.Query().Get("q") == "" || r.URL.Query().Get("k") != "3" {
			http.Error(w, `{"error":"bad"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"query":"x","took_ms":1,"results":[]}`))
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--url", srv.URL + "/", "--questions", filepath.Join("testdata", "questions.txt"),
		"-n", "20", "-c", "3", "-k", "3", "--warmup", "2", "--pid", strconv.Itoa(os.Getpid())}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if got := calls.Load(); got != 22 {
		t.Errorf("server saw %d requests, want 22 (2 warm-up + 20)", got)
	}
	out := stdout.String()
	for _, re := range []string{
		`questions=2 requests=20 concurrency=3 errors=0 duration=\S+ req/s=[\d.]+`,
		`latency p50=[\d.]+ms p95=[\d.]+ms p99=[\d.]+ms max=[\d.]+ms`,
		`server pid=\d+ VmRSS=\d+ kB VmHWM=\d+ kB`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}

	t.Run("errors are counted and fail the run", func(t *testing.T) {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"--url", srv.URL, "--questions", filepath.Join("testdata", "questions.txt"),
			"-n", "4", "-k", "5", "--warmup", "0"}, &stdout, &bytes.Buffer{})
		if err == nil || !strings.Contains(stdout.String(), "errors=4") {
			t.Errorf("err = %v, output:\n%s", err, stdout.String())
		}
	})
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr error
	}{
		{"ok", []string{"--questions", "q.txt"}, nil},
		{"help", []string{"-h"}, flag.ErrHelp},
		{"neither source", nil, errUsage},
		{"both sources", []string{"--questions", "a", "--corpus", "b"}, errUsage},
		{"zero clients", []string{"--questions", "a", "-c", "0"}, errUsage},
		{"stray argument", []string{"--questions", "a", "extra"}, errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, &bytes.Buffer{})
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzFirstSentence(f *testing.F) {
	f.Add("One two three. Four five six seven eight nine ten.\nMore")
	f.Add("...!!?? .")
	f.Fuzz(func(t *testing.T, s string) {
		q := firstSentence(s, 2, 5)
		if n := len(strings.Fields(q)); q != "" && (n < 2 || n > 5) {
			t.Errorf("firstSentence(%q) = %q with %d words", s, q, n)
		}
	})
}

func TestParseMix(t *testing.T) {
	tests := []struct {
		spec    string
		want    []string // one round of the sequence
		wantErr bool
	}{
		{"search=1", []string{"search"}, false},
		{"search=2,doc=1", []string{"search", "doc", "search"}, false},
		{"search=4,page=2,doc=2,similar=2", []string{"search", "page", "doc", "similar", "search", "page", "doc", "similar", "search", "search"}, false},
		{"doc", []string{"doc"}, false},
		{"similar=3,search=0", []string{"similar", "similar", "similar"}, false},
		{"search=0", nil, true},
		{"upload=1", nil, true},
		{"search=-1", nil, true},
		{"search=x", nil, true},
		{"search=1000", nil, true},
		{"", []string{"search"}, false}, // searches only, as without --mix
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			m, err := parseMix(tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseMix(%q) error %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := m.sequence(); !slices.Equal(got, tt.want) {
				t.Errorf("sequence %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRunMixed runs a mixed load for a duration against a fake server
// that answers each route as Plenary does, and checks that every kind is
// sent, report IDs come from search answers, and wrong answers count as
// errors.
func TestRunMixed(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	broken := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/api/search":
			seen["search"]++
			w.Write([]byte(`{"results":[{"doc_id":"a/b c"},{"doc_id":"d"}]}`))
		case r.URL.Path == "/search":
			seen["page"]++
			w.Write([]byte(`<!doctype html><html><body>results</body></html>`))
		case r.URL.EscapedPath() == "/doc/a/b%20c" || r.URL.Path == "/doc/d":
			seen["doc"]++
			if broken.Load() {
				w.Write([]byte(`<html><body>cut off`))
				return
			}
			w.Write([]byte(`<html><body>report</body></html>`))
		case r.URL.EscapedPath() == "/api/docs/a/b%20c/similar" || r.URL.Path == "/api/docs/d/similar":
			seen["similar"]++
			w.Write([]byte(`{"results":[]}`))
		default:
			seen["unknown "+r.URL.String()]++
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	args := []string{"--url", srv.URL, "--questions", filepath.Join("testdata", "questions.txt"), "-c", "4",
		"--duration", "200ms", "--warmup", "0", "--mix", "search=2,page=1,doc=1,similar=1"}
	var stdout bytes.Buffer
	if err := run(context.Background(), args, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	for _, k := range []string{"search", "page", "doc", "similar"} {
		if seen[k] == 0 {
			t.Errorf("no %s request sent: %v", k, seen)
		}
		if !regexp.MustCompile(`(?m)^kind=` + k + ` requests=[1-9]\d* errors=0 p50=`).MatchString(stdout.String()) {
			t.Errorf("no line for %s:\n%s", k, stdout.String())
		}
	}
	for k := range seen {
		if strings.HasPrefix(k, "unknown") {
			t.Errorf("unexpected request %s", k)
		}
	}

	broken.Store(true)
	stdout.Reset()
	err := run(context.Background(), args, &stdout, &bytes.Buffer{})
	if err == nil || !regexp.MustCompile(`kind=doc requests=\d+ errors=[1-9]`).MatchString(stdout.String()) {
		t.Errorf("truncated report pages: err %v, output:\n%s", err, stdout.String())
	}
}
