package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/index/ingest"
)

// runIndex indexes cfg.Paths into the data directory and prints a summary.
// It returns an error when the index cannot be opened or written; files that
// are skipped are reported on stderr and are not an error.
func runIndex(ctx context.Context, cfg config, stdout, stderr io.Writer, getenv func(string) string, log *slog.Logger) error {
	ix, closeIndex, err := openIndex(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	_, err = indexPaths(ctx, ix, cfg.Paths, cfg.MaxFileSize, stdout, stderr, log)
	if cerr := closeIndex(); cerr != nil && err == nil {
		err = fmt.Errorf("close index: %w", cerr)
	}
	return err
}

// indexPaths runs one incremental update, reporting skipped files on stderr
// as they are found, progress on stderr, and the summary on stdout.
func indexPaths(ctx context.Context, ix *index.Index, paths []string, maxFileSize int64, stdout, stderr io.Writer, log *slog.Logger) (index.UpdateReport, error) {
	var mu sync.Mutex // problems may be reported from several goroutines
	opts := index.UpdateOptions{
		MaxFileSize: maxFileSize,
		OnProblem: func(p ingest.Problem) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "skipped: %v\n", p)
		},
	}
	var shown index.Progress
	if isTerminal(stderr) {
		shown = newBarProgress(stderr)
	} else {
		shown = newLogProgress(log, 5*time.Second, time.Now)
	}
	prog := &countingProgress{Progress: shown}
	opts.Progress = prog
	rep, err := ix.Update(ctx, paths, opts)
	if err != nil {
		if errors.Is(err, index.ErrLocked) {
			return rep, fmt.Errorf("index %v: another plenary process is writing to this data directory; try again when it has finished: %w", paths, err)
		}
		return rep, fmt.Errorf("index %v: %w", paths, err)
	}
	_, err = fmt.Fprintln(stdout, summary(rep, prog.embedded()))
	return rep, err
}

// countingProgress passes progress on and remembers how many passages the
// update embedded, which UpdateReport does not say: its Passages counts
// every passage in the index.
type countingProgress struct {
	index.Progress
	mu    sync.Mutex
	total int
}

func (c *countingProgress) Start(total int) {
	c.mu.Lock()
	c.total += total
	c.mu.Unlock()
	c.Progress.Start(total)
}

func (c *countingProgress) embedded() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// summary is the one line that says what an update did. Its key=value form
// is meant to be read by people and grepped by scripts alike. passages is
// the size of the index after the update, embedded how many passages this
// update embedded, and passages/s the embedded passages per second of the
// whole update.
func summary(r index.UpdateReport, embedded int) string {
	rate := 0.0
	if s := r.Duration.Seconds(); s > 0 {
		rate = float64(embedded) / s
	}
	s := fmt.Sprintf("indexed: added=%d changed=%d unchanged=%d removed=%d skipped=%d passages=%d embedded=%d duration=%s passages/s=%.1f",
		r.Added, r.Changed, r.Unchanged, r.Removed, r.Skipped, r.Passages, embedded, r.Duration.Round(time.Millisecond), rate)
	if r.Refitted {
		// Worth saying: it explains why an update of one file took as
		// long as the first build.
		s += " refitted=true"
	}
	return s
}
