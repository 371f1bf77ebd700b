package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/spec"
	"github.com/plenary-search/plenary/index"
)

// openIndex builds the embedder that cfg.Embedder names and opens the index
// in cfg.DataDir with it. The returned close function closes both. It
// returns an error when the embedder cannot be built (unknown spec, model
// not found, server unreachable) or the index cannot be opened.
func openIndex(ctx context.Context, cfg config, getenv func(string) string, log *slog.Logger) (*index.Index, func() error, error) {
	var emb embed.Embedder
	// The index builds the built-in model itself; only other specs need
	// the spec package's downloads and probes.
	if cfg.Embedder != "" && cfg.Embedder != "builtin" {
		e, err := spec.Parse(ctx, cfg.Embedder, spec.Options{Logger: log, Getenv: getenv})
		if err != nil {
			return nil, nil, fmt.Errorf("build embedder %q: %w", cfg.Embedder, err)
		}
		emb = e
	}
	closeEmb := func() error {
		if c, ok := emb.(io.Closer); ok {
			return c.Close()
		}
		return nil
	}
	ix, err := index.Open(ctx, cfg.DataDir, index.Options{Logger: log, Embedder: emb})
	if err != nil {
		_ = closeEmb()
		return nil, nil, openError(cfg.DataDir, err)
	}
	return ix, func() error {
		err := ix.Close()
		if cerr := closeEmb(); cerr != nil && err == nil {
			err = fmt.Errorf("close embedder: %w", cerr)
		}
		return err
	}, nil
}

// openError explains the errors of index.Open that a user can act on.
func openError(dir string, err error) error {
	if errors.Is(err, index.ErrEmbedderMismatch) {
		return fmt.Errorf("open index in %s: it was built with another embedder; pass the --embedder that built it, or index into a new --data directory: %w", dir, err)
	}
	return fmt.Errorf("open index in %s: %w", dir, err)
}
