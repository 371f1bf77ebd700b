package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index"
)

// fakeReloader answers Reload from a script and counts calls.
type fakeReloader struct {
	mu      sync.Mutex
	answers []error // nil: changed; errNoChange: unchanged; other: failure
	calls   int
}

var errNoChange = errors.New("no change")

func (f *fakeReloader) Reload(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if len(f.answers) == 0 {
		return false, nil
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	switch {
	case a == nil:
		return true, nil
	case errors.Is(a, errNoChange):
		return false, nil
	}
	return false, a
}

func (f *fakeReloader) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func TestReloadLoop(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		answers  []error
		wantLogs []string
		minCalls int
	}{
		{name: "disabled", interval: 0, minCalls: 0},
		{name: "logs a reload", interval: time.Millisecond, answers: []error{errNoChange, nil}, wantLogs: []string{"index reloaded"}, minCalls: 2},
		{name: "keeps going after a failure", interval: time.Millisecond, answers: []error{errors.New("disk gone"), nil}, wantLogs: []string{"level=WARN", "disk gone", "index reloaded"}, minCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf syncBuffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			r := &fakeReloader{answers: tt.answers}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				reloadLoop(ctx, r, tt.interval, log)
				close(done)
			}()
			if tt.interval == 0 {
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("a disabled reload loop did not return")
				}
			} else {
				deadline := time.Now().Add(5 * time.Second)
				for r.count() < tt.minCalls+1 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			cancel()
			<-done
			if r.count() < tt.minCalls {
				t.Errorf("Reload called %d times, want at least %d", r.count(), tt.minCalls)
			}
			for _, w := range tt.wantLogs {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, buf.String())
				}
			}
			if tt.interval == 0 && buf.String() != "" {
				t.Errorf("disabled loop logged:\n%s", buf.String())
			}
		})
	}
}

// After "plenary reindex" the server cannot reload the index it serves: it
// says so once, with what to do, rather than at every tick.
func TestReloadLoopReportsMismatchOnce(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	mismatch := fmt.Errorf("reload index: %w: built with onnx:x, opened with builtin", index.ErrEmbedderMismatch)
	r := &fakeReloader{answers: []error{mismatch, mismatch, mismatch, errNoChange}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		reloadLoop(ctx, r, time.Millisecond, log)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for r.count() < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n := strings.Count(buf.String(), "restart the server"); n != 1 {
		t.Errorf("mismatch logged %d times, want once:\n%s", n, buf.String())
	}
}
