package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/spec"
	"github.com/plenary-search/plenary/embed/wordvec"
	"github.com/plenary-search/plenary/index"
)

// openIndex opens the index in cfg.DataDir with the embedder cfg.Embedder
// names or, when none was given, the one the index records having been
// built with (the built-in model for a new index). The returned close
// function closes both. It returns an error when the embedder cannot be
// built (unknown spec, model not found, server unreachable), when the
// index was built with another embedder than the one given (wrapping
// index.ErrEmbedderMismatch, and saying how to reindex), or when the index
// cannot be opened.
func openIndex(ctx context.Context, cfg config, getenv func(string) string, log *slog.Logger) (*index.Index, func() error, error) {
	info, err := index.ReadInfo(cfg.DataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("open index in %s: %w", cfg.DataDir, err)
	}
	want, given := cfg.Embedder, cfg.Embedder != ""
	if !given && info.Generation > 0 && info.Spec != "" {
		want = info.Spec
		log.Debug("using the embedder the index was built with", "spec", want, "embedder", info.Embedder)
	}
	canon, err := spec.Canonical(want)
	if err != nil {
		return nil, nil, fmt.Errorf("choose embedder: %w", err)
	}
	var emb embed.Embedder
	// The index builds the built-in model itself; only other specs need
	// the spec package's downloads and probes.
	if canon != "builtin" {
		e, err := buildEmbedder(ctx, canon, getenv, log)
		if err != nil {
			if !given {
				return nil, nil, fmt.Errorf("build the embedder the index in %s was built with: %w", cfg.DataDir, err)
			}
			return nil, nil, err
		}
		emb = e
	}
	ix, err := index.Open(ctx, cfg.DataDir, index.Options{Logger: log, Embedder: emb, EmbedderSpec: canon})
	if err != nil {
		_ = closeEmbedder(emb)
		return nil, nil, openError(cfg.DataDir, info, canon, err)
	}
	return ix, func() error {
		err := ix.Close()
		if cerr := closeEmbedder(emb); cerr != nil && err == nil {
			err = fmt.Errorf("close embedder: %w", cerr)
		}
		return err
	}, nil
}

// buildEmbedder builds the embedder a canonical spec names, the built-in
// model included. It returns an error naming the spec when it cannot.
func buildEmbedder(ctx context.Context, canon string, getenv func(string) string, log *slog.Logger) (embed.Embedder, error) {
	e, err := spec.Parse(ctx, canon, spec.Options{
		Logger: log, Getenv: getenv,
		Builtin: func() (embed.Embedder, error) { return wordvec.New(wordvec.Options{}) },
	})
	if err != nil {
		return nil, fmt.Errorf("build embedder %q: %w", canon, err)
	}
	return e, nil
}

// closeEmbedder releases what an embedder holds (an ONNX session).
func closeEmbedder(emb embed.Embedder) error {
	if c, ok := emb.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// openError explains the errors of index.Open that a user can act on.
func openError(dir string, info index.Info, canon string, err error) error {
	if errors.Is(err, index.ErrEmbedderMismatch) {
		reindex := fmt.Sprintf("run \"plenary reindex --data %s --embedder %s\" to re-embed it with the new one", dir, canon)
		if info.Spec == "" {
			// Built before specs were recorded: only the user knows it.
			return fmt.Errorf("open index in %s: it was built with %s, not %s; pass the --embedder that built it, or %s: %w",
				dir, info.Embedder, canon, reindex, err)
		}
		return fmt.Errorf("open index in %s: it was built with %s (%s), not %s; leave out --embedder and %s to use the model that built it, or %s: %w",
			dir, info.Spec, info.Embedder, canon, envEmbedder, reindex, err)
	}
	return fmt.Errorf("open index in %s: %w", dir, err)
}
