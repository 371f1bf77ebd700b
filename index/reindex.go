package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/store"
)

// Info is what a data directory's manifest says about the index in it.
type Info struct {
	// Embedder is the name of the embedder that built the index, the
	// identity [Open] checks.
	Embedder string
	// Spec is the embed/spec spec that built it; empty for indexes made
	// before specs were recorded.
	Spec string
	// Dim is the length of the stored vectors.
	Dim int
	// Documents and Passages count what the index holds.
	Documents, Passages int
	// Generation counts commits; 0 means no index has been built in the
	// directory yet.
	Generation uint64
}

// ReadInfo reads the manifest of the index in dir without loading the
// index or creating anything, so that a caller can build the embedder the
// index was made with before opening it. A missing directory gives a zero
// Info. It returns an error if the manifest cannot be read or is damaged.
func ReadInfo(dir string) (Info, error) {
	m, err := store.ManifestOf(dir)
	if err != nil {
		return Info{}, fmt.Errorf("read index information in %s: %w", dir, err)
	}
	return Info{
		Embedder: m.Embedder, Spec: m.EmbedderSpec, Dim: m.Dim,
		Documents: m.Documents, Passages: m.Passages, Generation: m.Generation,
	}, nil
}

// ReindexOptions configures [Reindex].
type ReindexOptions struct {
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Embedder is the embedder to re-embed every passage with. Required.
	// If it implements [embed.Fitter] it is fitted on the corpus first.
	Embedder embed.Embedder
	// EmbedderSpec is recorded with the new vectors; see
	// [Options.EmbedderSpec].
	EmbedderSpec string
	// Progress, if set, follows the embedding.
	Progress Progress

	// storeHook is passed to the store's commit steps by tests that
	// simulate crashes.
	storeHook func(step string) error
}

// ReindexReport says what a [Reindex] did.
type ReindexReport struct {
	// From and To are the names of the old and the new embedder.
	From, To            string
	Documents, Passages int
	// Fitted is true when the new embedder learned from the corpus.
	Fitted   bool
	Duration time.Duration
}

// Reindex re-embeds every passage of the index in dir with
// opts.Embedder, holding the data directory's writer lock. Documents,
// passages and their IDs stay as they are, and so does the lexical index,
// which depends only on the text. The new vectors and the new embedder's
// state are committed together as one merged segment, so that until that
// commit every reader (another process serving the index) keeps the old
// index, and a crash or a cancelled ctx leaves it as it was; running
// Reindex again then does the whole job again. A reader opened with the
// old embedder keeps the view it loaded: its next [Index.Reload] returns
// an error wrapping [ErrEmbedderMismatch], and it must be opened again
// with the new embedder ([ReadInfo] says which) to see the new vectors.
//
// It returns an error wrapping [ErrLocked] if another process is writing,
// ctx.Err() when cancelled, and other errors if there is no index in dir,
// the embedder fails, or the data cannot be read or written.
func Reindex(ctx context.Context, dir string, opts ReindexOptions) (rep ReindexReport, err error) {
	started := time.Now()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	emb := opts.Embedder
	if emb == nil {
		return rep, errors.New("reindex: no embedder given")
	}
	if emb.Dim() <= 0 {
		return rep, fmt.Errorf("reindex: embedder %s has dimension %d", emb.Name(), emb.Dim())
	}
	st, err := store.Open(dir, store.Options{Logger: log, Hook: opts.storeHook})
	if err != nil {
		return rep, fmt.Errorf("reindex: %w", err)
	}
	w, err := st.Lock(ctx)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return rep, fmt.Errorf("reindex: %w: %s", ErrLocked, le)
		}
		return rep, fmt.Errorf("reindex: %w", err)
	}
	defer func() {
		if uerr := w.Unlock(); uerr != nil {
			log.Warn("could not release the writer lock", "err", uerr)
		}
	}()
	// Loaded under the lock, so that no commit can slip in between.
	snap, err := st.Load(ctx)
	if err != nil {
		return rep, fmt.Errorf("reindex: %w", err)
	}
	if snap.Manifest.Generation == 0 {
		return rep, fmt.Errorf("reindex: no index in %s: build one with plenary index first", dir)
	}
	rep.From, rep.To = snap.Manifest.Embedder, emb.Name()

	// Copies, so that the loaded records are never half re-embedded; the
	// passages themselves are copied by embedDocs.
	live := make(map[string]*store.Doc, len(snap.Docs))
	docs := make([]*store.Doc, 0, len(snap.Docs))
	for id, d := range snap.Docs {
		cp := *d
		live[id] = &cp
		docs = append(docs, &cp)
		rep.Passages += len(d.Passages)
	}
	rep.Documents = len(docs)

	// embedDocs and refit need only an embedder, a logger and default
	// tuning: the passages keep the text they were cut with.
	tmp := &Index{log: log, emb: emb}
	tmp.fit, _ = emb.(embed.Fitter)
	var state []byte
	if tmp.fit != nil && rep.Passages > 0 {
		log.Info("fitting the embedder on the corpus", "embedder", emb.Name(), "passages", rep.Passages)
		if state, err = tmp.refit(ctx, live); err != nil {
			return rep, fmt.Errorf("reindex: %w", err)
		}
		rep.Fitted = true
	}
	log.Info("re-embedding every passage", "from", rep.From, "to", rep.To, "documents", rep.Documents, "passages", rep.Passages)
	if err := tmp.embedDocs(ctx, docs, opts.Progress); err != nil {
		return rep, fmt.Errorf("reindex: %w", err)
	}
	fitted := 0
	if state != nil {
		fitted = rep.Passages
	}
	man, err := w.Commit(ctx, snap.Manifest, store.Change{
		Embedder: emb.Name(), Dim: emb.Dim(), EmbedderSpec: opts.EmbedderSpec,
		State: state, FitPassages: fitted,
		Put: docs, Live: live, Rewrite: true,
	})
	if err != nil {
		return rep, fmt.Errorf("reindex: %w", err)
	}
	rep.Duration = time.Since(started)
	log.Info("index re-embedded", "from", rep.From, "to", rep.To, "passages", rep.Passages,
		"generation", man.Generation, "took", rep.Duration.Round(time.Millisecond))
	return rep, nil
}
