package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when told, so that the test decides when the
// interval has passed.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestLogProgress(t *testing.T) {
	tests := []struct {
		name  string
		total int
		steps []int           // passages added at each step
		wait  []time.Duration // clock advance before each step
		lines int             // "embedding passages" lines after Start
	}{
		{name: "every tenth", total: 100, steps: repeat(10, 10), wait: repeatDur(10, time.Millisecond), lines: 10},
		{name: "small steps log once per tenth", total: 1000, steps: repeat(1000, 1), wait: repeatDur(1000, time.Microsecond), lines: 10},
		{name: "slow steps log on the interval", total: 1000, steps: repeat(5, 1), wait: repeatDur(5, 6*time.Second), lines: 5},
		{name: "nothing to embed is silent", total: 0, lines: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			clock := &fakeClock{t: time.Unix(0, 0)}
			p := newLogProgress(slog.New(slog.NewTextHandler(&buf, nil)), 5*time.Second, clock.now)
			p.Start(tt.total)
			start := strings.Count(buf.String(), "\n")
			for i, n := range tt.steps {
				clock.t = clock.t.Add(tt.wait[i])
				p.Add(n)
			}
			p.Finish()
			got := strings.Count(buf.String(), `msg="embedding passages" done=`)
			if got != tt.lines {
				t.Errorf("%d progress lines, want %d:\n%s", got, tt.lines, buf.String())
			}
			if tt.total == 0 && buf.Len() != 0 {
				t.Errorf("logged for an empty update:\n%s", buf.String())
			}
			if tt.total > 0 && (start != 1 || !strings.Contains(buf.String(), "embedded passages")) {
				t.Errorf("no start or finish line:\n%s", buf.String())
			}
		})
	}
}

func TestLogProgressETA(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := newLogProgress(slog.New(slog.NewTextHandler(&buf, nil)), time.Hour, clock.now)
	p.Start(100)
	clock.t = clock.t.Add(10 * time.Second)
	p.Add(50)
	if !strings.Contains(buf.String(), "per_second=5 eta=10s") {
		t.Errorf("want 5 per second and 10s left:\n%s", buf.String())
	}
}

func TestBarProgressWritesNothingForEmptyUpdate(t *testing.T) {
	var buf bytes.Buffer
	p := newBarProgress(&buf)
	p.Start(0)
	p.Add(0)
	p.Finish()
	if buf.Len() != 0 {
		t.Errorf("bar drawn for nothing: %q", buf.String())
	}
	p.Start(3)
	p.Add(3)
	p.Finish()
	if !strings.Contains(buf.String(), "3/3") {
		t.Errorf("bar does not show 3/3: %q", buf.String())
	}
}

func repeat(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func repeatDur(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}
