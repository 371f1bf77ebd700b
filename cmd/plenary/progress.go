package main

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// barProgress draws a progress bar with rate and ETA on a terminal. It
// implements index.Progress.
type barProgress struct {
	w   io.Writer
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newBarProgress(w io.Writer) *barProgress { return &barProgress{w: w} }

func (p *barProgress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		return // nothing to embed: no bar rather than a spinner
	}
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("embedding"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("passages"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(p.w, "\n") }),
	)
}

func (p *barProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

func (p *barProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// logProgress logs a line every tenth of the work or every interval,
// whichever comes first, for logs that are not a terminal (CI, Docker,
// systemd). It implements index.Progress.
type logProgress struct {
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	total      int
	done       int
	start      time.Time
	lastLog    time.Time
	lastTenths int
}

func newLogProgress(log *slog.Logger, interval time.Duration, now func() time.Time) *logProgress {
	return &logProgress{log: log, interval: interval, now: now}
}

func (p *logProgress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.lastTenths = total, 0, 0
	p.start = p.now()
	p.lastLog = p.start
	if total > 0 {
		p.log.Info("embedding passages", "total", total)
	}
}

func (p *logProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := p.now()
	tenths := 0
	if p.total > 0 {
		tenths = p.done * 10 / p.total
	}
	if tenths <= p.lastTenths && now.Sub(p.lastLog) < p.interval {
		return
	}
	p.lastTenths, p.lastLog = tenths, now
	args := []any{"done", p.done, "total", p.total}
	if el := now.Sub(p.start); el > 0 && p.done > 0 {
		rate := float64(p.done) / el.Seconds()
		args = append(args, "per_second", round1(rate))
		if p.total > p.done {
			eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			args = append(args, "eta", eta.Round(time.Second).String())
		}
	}
	p.log.Info("embedding passages", args...)
}

func (p *logProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total > 0 {
		p.log.Info("embedded passages", "done", p.done, "elapsed", p.now().Sub(p.start).Round(time.Millisecond).String())
	}
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
