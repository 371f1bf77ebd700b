package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/plenary-search/plenary/embed/spec"
	"github.com/plenary-search/plenary/index"
)

// runReindex re-embeds the index in cfg.DataDir with the embedder
// cfg.Embedder names and prints a summary. It returns an error when there
// is no index, the embedder cannot be built, another process is writing,
// or the index cannot be re-embedded; the index is then as it was.
func runReindex(ctx context.Context, cfg config, stdout, stderr io.Writer, getenv func(string) string, log *slog.Logger) error {
	info, err := index.ReadInfo(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if info.Generation == 0 {
		return fmt.Errorf("reindex: no index in %s: build one with plenary index first", cfg.DataDir)
	}
	canon, err := spec.Canonical(cfg.Embedder)
	if err != nil {
		return fmt.Errorf("reindex: choose embedder: %w", err)
	}
	emb, err := buildEmbedder(ctx, canon, getenv, log)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	defer func() {
		if cerr := closeEmbedder(emb); cerr != nil {
			log.Warn("could not close the embedder", "err", cerr)
		}
	}()
	var prog index.Progress
	if isTerminal(stderr) {
		prog = newBarProgress(stderr)
	} else {
		prog = newLogProgress(log, 5*time.Second, time.Now)
	}
	rep, err := index.Reindex(ctx, cfg.DataDir, index.ReindexOptions{
		Logger: log, Embedder: emb, EmbedderSpec: canon, Progress: prog,
	})
	if err != nil {
		if errors.Is(err, index.ErrLocked) {
			return fmt.Errorf("reindex %s: another plenary process is writing to this data directory; try again when it has finished: %w", cfg.DataDir, err)
		}
		return fmt.Errorf("reindex %s: the index is unchanged: %w", cfg.DataDir, err)
	}
	_, err = fmt.Fprintln(stdout, reindexSummary(rep, canon))
	return err
}

// reindexSummary is the one line that says what a reindex did, in the
// key=value form of the index summary.
func reindexSummary(r index.ReindexReport, canon string) string {
	rate := 0.0
	if s := r.Duration.Seconds(); s > 0 {
		rate = float64(r.Passages) / s
	}
	return fmt.Sprintf("reindexed: from=%s to=%s spec=%s documents=%d passages=%d fitted=%t duration=%s passages/s=%.1f",
		r.From, r.To, canon, r.Documents, r.Passages, r.Fitted, r.Duration.Round(time.Millisecond), rate)
}
