package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	chromem "github.com/philippgille/chromem-go"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/wordvec"
	"github.com/plenary-search/plenary/index/chunk"
	"github.com/plenary-search/plenary/index/lexical"
	"github.com/plenary-search/plenary/index/store"
)

// Options configures [Open].
type Options struct {
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Embedder turns passages and questions into vectors; nil means the
	// built-in word-vector model. If it implements [embed.Fitter], its
	// state is fitted on the corpus, saved with the index and loaded again.
	Embedder embed.Embedder
	// EmbedderSpec is how Embedder was asked for (an embed/spec spec), and
	// is recorded by every commit so that [ReadInfo] can tell the next
	// process which embedder to build. Empty with a nil Embedder means
	// "builtin"; empty otherwise keeps what the index recorded. It must
	// hold no secret: the manifest is a plain file.
	EmbedderSpec string

	// storeHook is passed to the store's commit steps by tests that
	// simulate crashes.
	storeHook func(step string) error
	// lexicalHook runs between an update's commit and its lexical apply;
	// an error skips the apply, as a crash there would.
	lexicalHook func() error
	// tuning lets experiments vary how passages are cut and embedded.
	tuning tuning
}

// tuning holds retrieval parameters under evaluation. The zero value is
// what Plenary ships.
type tuning struct {
	chunk   chunk.Options
	noTitle bool // embed passages without their report's title
}

// Index is a searchable collection of reports stored in a data directory.
// Its methods are safe for concurrent use; searches keep being answered
// while an Update runs.
type Index struct {
	log  *slog.Logger
	emb  embed.Embedder
	fit  embed.Fitter // emb as a Fitter, or nil
	st   *store.Store
	tune tuning

	// writeMu serializes Update and Reload, the only paths that replace
	// or change the view.
	writeMu sync.Mutex

	// lexMu serialises changes to the lexical index (apply, sync, an
	// in-memory build); searches do not take it.
	lexMu   sync.Mutex
	lexHook func() error
	// fuse is shippedFusion(); quality tests vary it between searches.
	fuse fusion

	// gen is held for reading by a search from start to end and for
	// writing by Reload across the view swap and the lexical sync, so a
	// search sees one generation of both.
	gen sync.RWMutex

	mu sync.RWMutex
	v  *view
	// lex is the lexical index, or nil while another process holds the
	// one on disk and no in-memory copy has been needed yet.
	lex *lexical.Index
}

// view is the searchable state at one generation. Its maps and
// collections change only under Index.mu's write lock.
type view struct {
	man       store.Manifest
	stateHash string
	docs      map[string]*store.Doc
	pass      map[string]passRef // by passage ID
	nPass     int
	db        *chromem.DB
	pcol      *chromem.Collection // passages, by passage ID
	dcol      *chromem.Collection // reports, by document ID, mean vectors
}

type passRef struct {
	doc *store.Doc
	ord int
}

// Open opens the index in dir, creating the directory if missing, and loads
// it into memory. It returns an error wrapping [ErrEmbedderMismatch] if the
// index was built with an embedder of another name or dimension, and other
// errors if the data cannot be read or is damaged.
func Open(ctx context.Context, dir string, opts Options) (*Index, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	emb := opts.Embedder
	if emb == nil {
		m, err := wordvec.New(wordvec.Options{})
		if err != nil {
			return nil, fmt.Errorf("open index: load built-in embedder: %w", err)
		}
		emb = m
	}
	if emb.Dim() <= 0 {
		return nil, fmt.Errorf("open index: embedder %s has dimension %d", emb.Name(), emb.Dim())
	}
	spec := opts.EmbedderSpec
	if opts.Embedder == nil && spec == "" {
		spec = "builtin"
	}
	st, err := store.Open(dir, store.Options{Logger: log, Hook: opts.storeHook, EmbedderSpec: spec})
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	ix := &Index{log: log, emb: emb, st: st, tune: opts.tuning, lexHook: opts.lexicalHook, fuse: shippedFusion()}
	ix.fit, _ = emb.(embed.Fitter)
	snap, err := st.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	v, err := ix.newView(ctx, snap)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix.v = v
	if err := ix.openLexical(); err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix.syncLexicalNow(ctx)
	log.Info("index opened", "dir", dir, "documents", len(v.docs), "passages", v.nPass,
		"generation", v.man.Generation, "embedder", emb.Name())
	return ix, nil
}

// Close releases the index, closing its lexical index so that another
// process can open it. The Index must not be used afterwards. It returns an
// error if the lexical index cannot be flushed.
func (ix *Index) Close() error {
	ix.lexMu.Lock()
	defer ix.lexMu.Unlock()
	ix.mu.Lock()
	x := ix.lex
	ix.v, ix.lex = nil, nil
	ix.mu.Unlock()
	if x != nil {
		if err := x.Close(); err != nil {
			return fmt.Errorf("close index: %w", err)
		}
	}
	return nil
}

// errClosed is returned by every method called after Close.
var errClosed = errors.New("index is closed")

// read runs fn with the current view under the read lock.
func (ix *Index) read(fn func(v *view) error) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.v == nil {
		return errClosed
	}
	return fn(ix.v)
}

// checkEmbedder returns an error wrapping ErrEmbedderMismatch if the
// manifest names another embedder than ours.
func (ix *Index) checkEmbedder(m store.Manifest) error {
	if m.Embedder == "" {
		return nil
	}
	if m.Embedder != ix.emb.Name() || m.Dim != ix.emb.Dim() {
		return fmt.Errorf("%w: built with %s (dimension %d), opened with %s (dimension %d)",
			ErrEmbedderMismatch, m.Embedder, m.Dim, ix.emb.Name(), ix.emb.Dim())
	}
	return nil
}

// newView checks the snapshot against our embedder, loads the embedder
// state it carries and builds the in-memory collections.
func (ix *Index) newView(ctx context.Context, snap *store.Snapshot) (*view, error) {
	if err := ix.checkEmbedder(snap.Manifest); err != nil {
		return nil, err
	}
	hash := ""
	if snap.State != nil {
		hash = snap.Manifest.State.SHA256
		if ix.fit != nil {
			if err := ix.fit.LoadState(snap.State); err != nil {
				return nil, fmt.Errorf("load embedder state: %w", err)
			}
		}
	} else if ix.fit != nil && len(snap.Docs) > 0 {
		ix.log.Warn("index has no embedder state; questions are embedded unfitted", "embedder", ix.emb.Name())
	}
	v, err := ix.buildView(ctx, snap.Manifest, snap.Docs)
	if err != nil {
		return nil, err
	}
	v.stateHash = hash
	return v, nil
}

// buildView loads docs into fresh chromem-go collections.
func (ix *Index) buildView(ctx context.Context, man store.Manifest, docs map[string]*store.Doc) (*view, error) {
	db := chromem.NewDB()
	ef := ix.embeddingFunc()
	pcol, err := db.CreateCollection("passages", nil, ef)
	if err != nil {
		return nil, fmt.Errorf("create passage collection: %w", err)
	}
	dcol, err := db.CreateCollection("docs", nil, ef)
	if err != nil {
		return nil, fmt.Errorf("create report collection: %w", err)
	}
	v := &view{man: man, docs: docs, pass: make(map[string]passRef, man.Passages), db: db, pcol: pcol, dcol: dcol}
	for _, d := range docs {
		if err := v.add(ctx, d); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// embeddingFunc is what chromem-go calls if it ever has to embed text
// itself. We always hand it vectors, but a nil function would make it fall
// back to OpenAI, so it gets one that uses our embedder.
func (ix *Index) embeddingFunc() chromem.EmbeddingFunc {
	return func(ctx context.Context, text string) ([]float32, error) {
		vs, err := ix.emb.Embed(ctx, embed.Query, []string{text})
		if err != nil {
			return nil, fmt.Errorf("embed query text: %w", err)
		}
		if len(vs) != 1 || isZero(vs[0]) {
			return nil, errors.New("embed query text: no vector")
		}
		return vs[0], nil
	}
}

// add puts d's passages and mean vector into the view, replacing nothing:
// callers remove an older version first.
func (v *view) add(ctx context.Context, d *store.Doc) error {
	v.docs[d.ID] = d
	v.nPass += len(d.Passages)
	var mean []float32
	cdocs := make([]chromem.Document, 0, len(d.Passages))
	for i, p := range d.Passages {
		id := passageID(d.ID, p.Anchor)
		v.pass[id] = passRef{doc: d, ord: i}
		if isZero(p.Vector) {
			continue // nothing known to embed; chromem would divide by zero
		}
		if mean == nil {
			mean = make([]float32, len(p.Vector))
		}
		for k, x := range p.Vector {
			mean[k] += x
		}
		cdocs = append(cdocs, chromem.Document{ID: id, Embedding: p.Vector})
	}
	if len(cdocs) > 0 {
		if err := v.pcol.AddDocuments(ctx, cdocs, 1); err != nil {
			return fmt.Errorf("add passages of %s: %w", d.ID, err)
		}
	}
	if mean != nil && !isZero(mean) {
		embed.Normalize(mean)
		if err := v.dcol.AddDocument(ctx, chromem.Document{ID: d.ID, Embedding: mean}); err != nil {
			return fmt.Errorf("add report %s: %w", d.ID, err)
		}
	}
	return nil
}

// remove takes the document id out of the view, if present.
func (v *view) remove(ctx context.Context, id string) error {
	d, ok := v.docs[id]
	if !ok {
		return nil
	}
	ids := make([]string, 0, len(d.Passages))
	for _, p := range d.Passages {
		pid := passageID(d.ID, p.Anchor)
		delete(v.pass, pid)
		ids = append(ids, pid)
	}
	v.nPass -= len(d.Passages)
	delete(v.docs, id)
	if len(ids) > 0 {
		if err := v.pcol.Delete(ctx, nil, nil, ids...); err != nil {
			return fmt.Errorf("remove passages of %s: %w", id, err)
		}
	}
	if err := v.dcol.Delete(ctx, nil, nil, id); err != nil {
		return fmt.Errorf("remove report %s: %w", id, err)
	}
	return nil
}

func passageID(docID, anchor string) string { return docID + "#" + anchor }

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Reload brings the index up to date with the data directory when another
// process has committed since it was loaded, and reports whether it did.
// The check reads only the small manifest, so a server can call it often.
// While an Update runs in this process it returns false at once. It returns
// an error wrapping [ErrEmbedderMismatch] if the directory is now built with
// another embedder, and other errors if the new data cannot be read; the
// index keeps serving what it had.
func (ix *Index) Reload(ctx context.Context) (bool, error) {
	if !ix.writeMu.TryLock() {
		return false, nil
	}
	defer ix.writeMu.Unlock()
	m, err := ix.st.ReadManifest()
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	var cur uint64
	if err := ix.read(func(v *view) error { cur = v.man.Generation; return nil }); err != nil {
		return false, err
	}
	if m.Generation == cur {
		return false, nil
	}
	snap, err := ix.st.Load(ctx)
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	state := snap.State
	snap.State = nil // loaded below, with the swap, not while the old view serves
	v, err := ix.newView(ctx, snap)
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	ix.gen.Lock()
	if state != nil && ix.fit != nil {
		if err := ix.fit.LoadState(state); err != nil {
			ix.gen.Unlock()
			return false, fmt.Errorf("reload index: load embedder state: %w", err)
		}
		v.stateHash = snap.Manifest.State.SHA256
	}
	ix.mu.Lock()
	closed := ix.v == nil
	if !closed {
		ix.v = v
	}
	ix.mu.Unlock()
	if closed {
		ix.gen.Unlock()
		return false, errClosed
	}
	ix.syncLexicalNow(ctx)
	ix.gen.Unlock()
	ix.log.Info("index reloaded", "generation", v.man.Generation, "documents", len(v.docs), "passages", v.nPass)
	return true, nil
}
