package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine writing logs
// while the test reads them.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cli runs the CLI in-process with an environment that has only env.
func cli(t *testing.T, ctx context.Context, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb syncBuffer
	err = run(ctx, args, strings.NewReader(""), &out, &errb, envMap(env))
	return out.String(), errb.String(), err
}

// copyFixtures copies testdata/reports into a fresh folder, so that a test
// can change files without touching the repository.
func copyFixtures(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "reports")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "reports"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "reports", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

var summaryRE = regexp.MustCompile(`indexed: added=(\d+) changed=(\d+) unchanged=(\d+) removed=(\d+) skipped=(\d+) passages=(\d+) embedded=(\d+) duration=\S+ passages/s=[\d.]+`)

// parseSummary returns the counts of the summary line in out.
func parseSummary(t *testing.T, out string) map[string]string {
	t.Helper()
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line in output:\n%s", out)
	}
	return map[string]string{"added": m[1], "changed": m[2], "unchanged": m[3], "removed": m[4], "skipped": m[5], "passages": m[6], "embedded": m[7]}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    error
		wantCode   int
		wantStderr string
		wantStdout string
	}{
		{name: "no command", args: nil, wantErr: errUsage, wantCode: 2, wantStderr: "Commands:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: errUsage, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "top-level help", args: []string{"-h"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "Commands:"},
		{name: "help command", args: []string{"help"}, wantCode: 0, wantStdout: "Commands:"},
		{name: "help for index", args: []string{"help", "index"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "-max-file-size"},
		{name: "index help", args: []string{"index", "-h"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "Usage: plenary index"},
		{name: "serve help", args: []string{"serve", "--help"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "--docs"},
		{name: "search help", args: []string{"search", "-h"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "-json"},
		{name: "healthcheck help", args: []string{"healthcheck", "-h"}, wantErr: flag.ErrHelp, wantCode: 0, wantStderr: "/healthz"},
		{name: "bad top-level flag", args: []string{"--nope", "version"}, wantErr: errUsage, wantCode: 2},
		{name: "bad log format", args: []string{"--log-format", "xml", "version"}, wantErr: errUsage, wantCode: 2, wantStderr: "log-format"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantStdout: "plenary "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := cli(t, context.Background(), nil, tt.args...)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if code := exitCode(err, io.Discard); code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, stdout)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	var stderr bytes.Buffer
	if got := exitCode(errors.New("open index: boom"), &stderr); got != 1 {
		t.Errorf("exit code = %d, want 1", got)
	}
	if !strings.Contains(stderr.String(), "plenary: open index: boom") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestRunIndexAndSearch(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	docs := copyFixtures(t)
	env := map[string]string{envData: data}

	stdout, stderr, err := cli(t, ctx, env, "index", docs)
	if err != nil {
		t.Fatalf("index: %v\nstderr:\n%s", err, stderr)
	}
	s := parseSummary(t, stdout)
	if s["added"] != "3" || s["skipped"] != "0" || s["passages"] == "0" || s["embedded"] != s["passages"] {
		t.Errorf("first index summary = %v, want 3 added, 0 skipped, every passage embedded", s)
	}
	// Not a terminal: progress is logged as plain lines, not drawn.
	if strings.Contains(stderr, "\r") {
		t.Errorf("progress bar drawn on a non-terminal:\n%q", stderr)
	}

	stdout, stderr, err = cli(t, ctx, env, "index", docs)
	if err != nil {
		t.Fatalf("re-index: %v\nstderr:\n%s", err, stderr)
	}
	if s := parseSummary(t, stdout); s["unchanged"] != "3" || s["added"] != "0" || s["changed"] != "0" || s["embedded"] != "0" {
		t.Errorf("re-index summary = %v, want 3 unchanged and nothing embedded", s)
	}

	t.Run("text", func(t *testing.T) {
		stdout, stderr, err := cli(t, ctx, env, "search", "giant", "panda", "breeding", "-k", "2")
		if err != nil {
			t.Fatalf("search: %v\nstderr:\n%s", err, stderr)
		}
		first, _, _ := strings.Cut(stdout, "\n\n")
		if !strings.Contains(first, "1. Chengdu Hosts Panda Conservation Exchange") {
			t.Errorf("top hit is not the panda report:\n%s", stdout)
		}
		if !strings.Contains(first, "/doc/chengdu-panda-exchange#") {
			t.Errorf("top hit has no permalink:\n%s", stdout)
		}
		if n := strings.Count(stdout, "\n\n") + 1; n > 2 {
			t.Errorf("printed %d hits, want at most 2:\n%s", n, stdout)
		}
	})

	t.Run("json", func(t *testing.T) {
		stdout, stderr, err := cli(t, ctx, env, "search", "--json", "container", "shipping", "customs", "clearance")
		if err != nil {
			t.Fatalf("search: %v\nstderr:\n%s", err, stderr)
		}
		var resp struct {
			Query   string           `json:"query"`
			TookMS  *float64         `json:"took_ms"`
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, stdout)
		}
		if resp.Query != "container shipping customs clearance" || resp.TookMS == nil || len(resp.Results) == 0 {
			t.Fatalf("unexpected response: %s", stdout)
		}
		top := resp.Results[0]
		for _, k := range []string{"doc_id", "passage_id", "title", "date", "place", "text", "snippet", "score", "url"} {
			if _, ok := top[k]; !ok {
				t.Errorf("result has no %q: %v", k, top)
			}
		}
		if top["doc_id"] != "qingdao-port-logistics" {
			t.Errorf("top doc = %v, want qingdao-port-logistics", top["doc_id"])
		}
		if u, _ := top["url"].(string); !strings.HasPrefix(u, "/doc/qingdao-port-logistics#") {
			t.Errorf("url = %q", u)
		}
	})

	t.Run("stdin", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(ctx, []string{"search", "-"}, strings.NewReader("ice sculptors and a youth choir\n"), &out, &errb, envMap(env))
		if err != nil {
			t.Fatalf("search: %v\n%s", err, errb.String())
		}
		if !strings.Contains(out.String(), "1. Municipal Friendship Association Meets Partners") {
			t.Errorf("top hit is not the Harbin report:\n%s", out.String())
		}
	})

	t.Run("index changes", func(t *testing.T) {
		path := filepath.Join(docs, "harbin-ice-festival.txt")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, []byte("\nThe festival will open on January 5 with fireworks over the river.\n")...)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(docs, "chengdu-panda-exchange.txt")); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, err := cli(t, ctx, env, "index", docs)
		if err != nil {
			t.Fatalf("index: %v\nstderr:\n%s", err, stderr)
		}
		s := parseSummary(t, stdout)
		want := map[string]string{"added": "0", "changed": "1", "unchanged": "1", "removed": "1"}
		for k, v := range want {
			if s[k] != v {
				t.Errorf("%s = %s, want %s (summary %v)", k, s[k], v, s)
			}
		}
	})
}

func TestRunSearchWithoutIndex(t *testing.T) {
	tests := []struct {
		name string
		data func(t *testing.T) string
		want string
	}{
		{"missing data directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "typo") }, "no index in"},
		{"empty index", func(t *testing.T) string { return t.TempDir() }, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			_, _, err := cli(t, context.Background(), map[string]string{envData: data}, "search", "anything")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if strings.HasSuffix(data, "typo") {
				if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("search created the data directory %s", data)
				}
			}
		})
	}
}

func TestRunIndexSkipsAndFails(t *testing.T) {
	ctx := context.Background()
	docs := copyFixtures(t)
	big := filepath.Join(docs, "big.txt")
	if err := os.WriteFile(big, bytes.Repeat([]byte("The delegates met again. "), 200), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("too large is skipped, not an error", func(t *testing.T) {
		env := map[string]string{envData: t.TempDir(), envMaxFileSize: "2KiB"}
		stdout, stderr, err := cli(t, ctx, env, "index", docs)
		if err != nil {
			t.Fatalf("index: %v\nstderr:\n%s", err, stderr)
		}
		if s := parseSummary(t, stdout); s["added"] != "3" || s["skipped"] != "1" {
			t.Errorf("summary = %v, want 3 added and 1 skipped", s)
		}
		if !regexp.MustCompile(`(?m)^skipped: .*big\.txt`).MatchString(stderr) {
			t.Errorf("skipped file not reported on its own line:\n%s", stderr)
		}
	})

	t.Run("missing path", func(t *testing.T) {
		env := map[string]string{envData: t.TempDir()}
		_, stderr, err := cli(t, ctx, env, "index", filepath.Join(docs, "does-not-exist"))
		if err == nil {
			t.Fatalf("indexing a missing path succeeded; stderr:\n%s", stderr)
		}
		if exitCode(err, io.Discard) != 1 {
			t.Errorf("exit code = %d, want 1", exitCode(err, io.Discard))
		}
	})
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:\[\]]+)`)

func TestRunServe(t *testing.T) {
	data := t.TempDir()
	docs := copyFixtures(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var stdout, stderr syncBuffer
	env := map[string]string{envData: data}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--docs", docs, "--reload-interval", "100ms"},
			strings.NewReader(""), &stdout, &stderr, envMap(env))
	}()

	var base string
	deadline := time.Now().Add(60 * time.Second)
	for base == "" {
		if m := listenRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstderr:\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start; stderr:\n%s", stderr.String())
		}
	}
	if s := parseSummary(t, stdout.String()); s["added"] != "3" {
		t.Errorf("serve --docs summary = %v, want 3 added", s)
	}

	t.Run("healthcheck", func(t *testing.T) {
		out, errOut, err := cli(t, context.Background(), map[string]string{envAddr: base}, "healthcheck")
		if err != nil {
			t.Fatalf("healthcheck: %v\n%s", err, errOut)
		}
		if !strings.Contains(out, "ok ") {
			t.Errorf("stdout = %q", out)
		}
	})

	t.Run("api search", func(t *testing.T) {
		resp, err := http.Get(base + "/api/search?q=panda+breeding+base")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %s", resp.Status)
		}
		var body struct {
			Results []struct {
				DocID string `json:"doc_id"`
			} `json:"results"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if len(body.Results) == 0 || body.Results[0].DocID != "chengdu-panda-exchange" {
			t.Errorf("results = %+v", body.Results)
		}
	})

	t.Run("reload picks up another writer", func(t *testing.T) {
		extra := filepath.Join(t.TempDir(), "more")
		if err := os.MkdirAll(extra, 0o755); err != nil {
			t.Fatal(err)
		}
		text := "Kashgar Delegation Discusses Apricot Orchards\n\nOn June 3, a delegation discussed irrigation of apricot orchards and dried fruit exports.\n"
		if err := os.WriteFile(filepath.Join(extra, "kashgar.txt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		// A second process would do the same: open the data directory and update it.
		if _, errOut, err := cli(t, context.Background(), env, "index", extra); err != nil {
			t.Fatalf("index while serving: %v\n%s", err, errOut)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get(base + "/api/search?q=apricot+orchards+irrigation")
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Results []struct {
					DocID string `json:"doc_id"`
				} `json:"results"`
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err == nil && len(body.Results) > 0 && body.Results[0].DocID == "kashgar" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not pick up the new report; last results %+v", body.Results)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean stop logged:\n%s", stderr.String())
	}
}

func TestRunHealthcheck(t *testing.T) {
	handler := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}
	}
	healthy := httptest.NewServer(handler(http.StatusOK))
	defer healthy.Close()
	sick := httptest.NewServer(handler(http.StatusServiceUnavailable))
	defer sick.Close()
	gone := httptest.NewServer(handler(http.StatusOK))
	gone.Close()

	tests := []struct {
		name string
		addr string
		code int
	}{
		{"healthy", healthy.URL, 0},
		{"healthy host:port", strings.TrimPrefix(healthy.URL, "http://"), 0},
		{"unavailable", sick.URL, 1},
		{"nothing listening", gone.URL, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := cli(t, context.Background(), map[string]string{envAddr: tt.addr}, "healthcheck")
			if got := exitCode(err, io.Discard); got != tt.code {
				t.Errorf("exit code = %d (err %v), want %d", got, err, tt.code)
			}
		})
	}
}

// blockingProgress holds an update inside the writer lock until released.
type blockingProgress struct {
	started chan struct{}
	release chan struct{}
}

func (p *blockingProgress) Start(int) {
	close(p.started)
	<-p.release
}
func (p *blockingProgress) Add(int) {}
func (p *blockingProgress) Finish() {}

func TestRunIndexWhileLocked(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	docs := copyFixtures(t)

	other, err := index.Open(ctx, data, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	prog := &blockingProgress{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := other.Update(ctx, []string{docs}, index.UpdateOptions{Progress: prog})
		done <- err
	}()
	select {
	case <-prog.started:
	case err := <-done:
		t.Fatalf("the other writer finished before embedding: %v", err)
	}

	_, _, err = cli(t, ctx, map[string]string{envData: data}, "index", docs)
	close(prog.release)
	if err == nil || !errors.Is(err, index.ErrLocked) || !strings.Contains(err.Error(), "another plenary process") {
		t.Errorf("index while another writer holds the lock: err = %v, want a clear ErrLocked", err)
	}
	if err := <-done; err != nil {
		t.Errorf("the other writer failed: %v", err)
	}
}
