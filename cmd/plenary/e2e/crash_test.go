package e2e_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

// crashQuestions are asked after every kill; their answers tell the old
// index from the new one.
var crashQuestions = []string{
	"Kunming meeting on trade and investment",
	"Revision 1 of report 7",
	"Harbin delegation winter universiade",
}

// answers runs "plenary search --json" for each crash question and returns
// the passage IDs answered, or ok=false when the data directory has no
// index yet (the state before a first build).
func answers(t *testing.T, data string) (ids [][]string, ok bool) {
	t.Helper()
	for _, q := range crashQuestions {
		r := runBinary(t, time.Minute, "--log-level", "warn", "search", "--data", data, "--json", "-k", "10", q)
		noPanic(t, "search", r.stderr)
		if r.err != nil {
			if strings.Contains(r.stderr, "no index in") || strings.Contains(r.stderr, "is empty: index reports first") {
				return nil, false
			}
			t.Fatalf("plenary search after a kill: %v\n%s", r.err, r.stderr)
		}
		var res searchResponse
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("plenary search --json: %v\n%s", err, r.stdout)
		}
		var got []string
		for _, h := range res.Results {
			got = append(got, h.PassageID)
		}
		ids = append(ids, got)
	}
	return ids, true
}

// fullState serves the data directory and reads its counts and every
// report's passage IDs.
func fullState(t *testing.T, data string, docIDs []string) state {
	t.Helper()
	srv := startServer(t, data, "--reload-interval", "0")
	st := indexState(t, srv)
	st.IDs = passageIDs(t, srv, docIDs)
	srv.stop(t)
	return st
}

// killAfter starts "plenary index" and sends SIGKILL after delay. It
// reports whether the kill landed while the process was still running.
func killAfter(t *testing.T, delay time.Duration, args ...string) (killed bool) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = binarytest.CleanEnv()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("plenary index failed before the kill: %v", err)
		}
		return false
	case <-time.After(delay):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("plenary index: %v", err)
	}
	return false
}

// copyDir copies a data directory, so that each kill starts from the same
// committed state.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCrashDuringIndex kills "plenary index" with SIGKILL at staggered
// points of a first build and of a re-index of changed files. After each
// kill the data directory must answer exactly as the last committed index
// did (the old state or the new one, never a mix, never an error), and a
// re-run must complete and leave the same index as an uninterrupted run.
func TestCrashDuringIndex(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("kills the indexer about 24 times")
	}
	const n = 300
	corpus := filepath.Join(t.TempDir(), "reports")
	writeSynthCorpus(t, corpus, n, 0)
	var docIDs []string
	for i := range n + 20 {
		docIDs = append(docIDs, fmt.Sprintf("report-%03d", i))
	}

	// The uninterrupted first build, timed, gives the kill points.
	base := t.TempDir()
	start := time.Now()
	indexInto(t, base, corpus)
	full := time.Since(start)
	oldAnswers, ok := answers(t, base)
	if !ok {
		t.Fatal("no index after a complete build")
	}
	oldState := fullState(t, base, docIDs)
	t.Logf("first build of %d reports: %s, %d passages", n, full.Round(time.Millisecond), oldState.Passages)

	// The edit: 60 reports rewritten, 20 added, 20 removed.
	for i := 0; i < n; i += 5 {
		_, text := synthReport(i, 1)
		writeFile(t, filepath.Join(corpus, fmt.Sprintf("report-%03d.txt", i)), []byte(text))
	}
	for i := n; i < n+20; i++ {
		_, text := synthReport(i, 0)
		writeFile(t, filepath.Join(corpus, fmt.Sprintf("report-%03d.txt", i)), []byte(text))
	}
	for i := 1; i < n; i += 15 {
		if err := os.Remove(filepath.Join(corpus, fmt.Sprintf("report-%03d.txt", i))); err != nil {
			t.Fatal(err)
		}
	}
	updated := t.TempDir()
	copyDir(t, base, updated)
	start = time.Now()
	if s := indexInto(t, updated, corpus); s.changed == 0 || s.added != 20 || s.removed != 20 {
		t.Fatalf("re-index of the edited folder: %+v", s)
	}
	fullUpdate := time.Since(start)
	newAnswers, _ := answers(t, updated)
	newState := fullState(t, updated, docIDs)
	t.Logf("re-index after the edit: %s, %d passages", fullUpdate.Round(time.Millisecond), newState.Passages)
	if reflect.DeepEqual(oldAnswers, newAnswers) {
		t.Fatal("the edit does not change the answers: the test could not tell old from new")
	}
	// A clean build of the edited folder is the same index, by its IDs.
	clean := t.TempDir()
	indexInto(t, clean, corpus)
	if cs := fullState(t, clean, docIDs); !reflect.DeepEqual(cs, newState) {
		t.Fatalf("an incremental re-index differs from a clean build: %d/%d vs %d/%d documents/passages",
			newState.Documents, newState.Passages, cs.Documents, cs.Passages)
	}

	const points = 12
	phases := []struct {
		name     string
		from     string // committed state to start from; "" for none
		total    time.Duration
		old, new [][]string
		oldOK    bool
		want     state
	}{
		{"first build", "", full, nil, oldAnswers, false, oldState},
		{"re-index", base, fullUpdate, oldAnswers, newAnswers, true, newState},
	}
	// For the first build the corpus must be the original one: rebuild it
	// in a folder of its own.
	original := filepath.Join(t.TempDir(), "reports")
	writeSynthCorpus(t, original, n, 0)

	for _, ph := range phases {
		t.Run(ph.name, func(t *testing.T) {
			src := corpus
			if ph.from == "" {
				src = original
			}
			landed := 0
			for i := range points {
				// From 20 ms to 80% of the uninterrupted duration, which was
				// measured on a first, colder run.
				delay := 20*time.Millisecond + time.Duration(i)*(ph.total*8/10)/(points-1)
				data := filepath.Join(t.TempDir(), "data")
				if ph.from != "" {
					copyDir(t, ph.from, data)
				}
				if killAfter(t, delay, "--log-level", "warn", "index", "--data", data, src) {
					landed++
				}
				got, ok := answers(t, data)
				switch {
				case !ok && !ph.oldOK && ph.from == "":
					// Nothing committed yet: the state before the build.
				case ok && ph.oldOK && reflect.DeepEqual(got, ph.old):
				case ok && reflect.DeepEqual(got, ph.new):
				default:
					t.Errorf("kill after %s: answers are neither the old nor the new index's\n got: %v\n old: %v\n new: %v", delay, got, ph.old, ph.new)
				}
				// A re-run completes and gives the uninterrupted result.
				r := runBinary(t, 2*time.Minute, "--log-level", "warn", "index", "--data", data, src)
				noPanic(t, "re-run", r.stderr)
				if r.err != nil {
					t.Fatalf("kill after %s: re-run of plenary index failed: %v\n%s", delay, r.err, r.stderr)
				}
				if st := fullState(t, data, docIDs); !reflect.DeepEqual(st, ph.want) {
					t.Errorf("kill after %s: after the re-run the index has %d documents, %d passages; an uninterrupted run has %d, %d (or passage IDs differ)",
						delay, st.Documents, st.Passages, ph.want.Documents, ph.want.Passages)
				}
			}
			t.Logf("%s: %d of %d kills landed while indexing", ph.name, landed, points)
			if landed < points/2 {
				t.Errorf("only %d of %d kills interrupted the indexer; the test did not exercise crashes", landed, points)
			}
		})
	}
}
