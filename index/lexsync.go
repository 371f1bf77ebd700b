package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/plenary-search/plenary/index/lexical"
	"github.com/plenary-search/plenary/index/store"
)

// lexicalDir is where, under the data directory, the lexical index lives.
// It is a cache derived from the store: it records the manifest generation
// it reflects, and whoever finds it behind brings it up to date.
const lexicalDir = "lexical"

// lexicalChunk is how many passages one Apply call indexes while a lexical
// index is rebuilt, so that progress can be logged between calls.
const lexicalChunk = 5000

// openLexical opens the lexical index under the data directory, replacing
// a corrupt one with a new empty one. When another process holds it, or
// it cannot be opened at all, it leaves ix.lex nil: a writer then skips
// the lexical part of its updates and a searcher builds an in-memory copy
// on first use (ensureLexical). The caller brings the index up to date
// with syncLexical. It returns an error only if a corrupt index cannot be
// removed.
func (ix *Index) openLexical() error {
	dir := filepath.Join(ix.st.Dir(), lexicalDir)
	x, err := lexical.Open(dir)
	if errors.Is(err, lexical.ErrCorrupt) {
		ix.log.Warn("lexical index is damaged; rebuilding it", "dir", dir, "err", err)
		if rerr := os.RemoveAll(dir); rerr != nil {
			return fmt.Errorf("remove damaged lexical index: %w", rerr)
		}
		x, err = lexical.Open(dir)
	}
	if errors.Is(err, lexical.ErrLocked) {
		ix.log.Info("lexical index is held by another process; this one will not write it", "dir", dir)
		return nil
	}
	if err != nil {
		// A read-only data directory, say: searches still work from an
		// in-memory copy, built when first needed.
		ix.log.Warn("could not open the lexical index; searches will use a copy in memory", "dir", dir, "err", err)
		return nil
	}
	ix.mu.Lock()
	ix.lex = x
	ix.mu.Unlock()
	return nil
}

// ensureLexical makes sure a lexical index is available to search. When
// the one on disk is held by another process it builds one in memory from
// the current view. It returns an error only if that cannot be built.
func (ix *Index) ensureLexical(ctx context.Context) (*lexical.Index, error) {
	var x *lexical.Index
	_ = ix.read(func(*view) error { x = ix.lex; return nil })
	if x != nil {
		return x, nil
	}
	ix.lexMu.Lock()
	defer ix.lexMu.Unlock()
	_ = ix.read(func(*view) error { x = ix.lex; return nil })
	if x != nil {
		return x, nil
	}
	x, err := lexical.OpenMemory()
	if err != nil {
		return nil, err
	}
	ix.log.Info("lexical index is held by another process; building a copy in memory")
	if err := ix.syncLexical(ctx, x); err != nil {
		_ = x.Close()
		return nil, err
	}
	ix.mu.Lock()
	if ix.v == nil {
		ix.mu.Unlock()
		_ = x.Close()
		return nil, errClosed
	}
	ix.lex = x
	ix.mu.Unlock()
	return x, nil
}

// lexicalPassage is what the lexical index needs of one passage.
type lexicalPassage struct {
	id  string
	doc *store.Doc
	ord int
}

func (p lexicalPassage) toLexical() lexical.Doc {
	return lexical.Doc{ID: p.id, DocID: p.doc.ID, Title: p.doc.Title, Text: p.doc.Passages[p.ord].Clean}
}

// syncLexical brings x up to date with the current view when the
// generation it records differs: it deletes the passages the view no
// longer has and indexes the ones it lacks. The caller holds lexMu.
func (ix *Index) syncLexical(ctx context.Context, x *lexical.Index) error {
	have, err := x.Generation()
	if err != nil {
		return fmt.Errorf("sync lexical index: %w", err)
	}
	var (
		gen  uint64
		want map[string]lexicalPassage
	)
	err = ix.read(func(v *view) error {
		gen = v.man.Generation
		if gen == have {
			return nil
		}
		want = make(map[string]lexicalPassage, len(v.pass))
		for id, ref := range v.pass {
			want[id] = lexicalPassage{id: id, doc: ref.doc, ord: ref.ord}
		}
		return nil
	})
	if err != nil || gen == have {
		return err
	}
	started := time.Now()
	ids, err := x.IDs(ctx)
	if err != nil {
		return fmt.Errorf("sync lexical index: %w", err)
	}
	var dels []string
	for _, id := range ids {
		if _, ok := want[id]; ok {
			delete(want, id)
		} else {
			dels = append(dels, id)
		}
	}
	ups := make([]lexical.Doc, 0, len(want))
	for _, p := range want {
		ups = append(ups, p.toLexical())
	}
	rebuild := len(ids) == 0 && len(ups) > lexicalChunk
	if rebuild {
		ix.log.Info("building the lexical index", "passages", len(ups))
	}
	// Earlier chunks record the old generation, so that a crash part-way
	// leaves the index marked as behind and the next sync finishes it.
	for lo := 0; ; lo += lexicalChunk {
		hi := min(lo+lexicalChunk, len(ups))
		g, d := have, []string(nil)
		if hi == len(ups) {
			g, d = gen, dels
		}
		if err := x.Apply(ctx, ups[lo:hi], d, g); err != nil {
			return fmt.Errorf("sync lexical index: %w", err)
		}
		if hi == len(ups) {
			break
		}
		if rebuild {
			ix.log.Info("building the lexical index", "done", hi, "of", len(ups))
		}
	}
	ix.log.Info("lexical index brought up to date", "from_generation", have, "generation", gen,
		"indexed", len(ups), "deleted", len(dels), "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// syncLexicalNow brings the lexical index, if this process has one, up to
// date with the view; failures are logged, since searches drop lexical
// hits the view does not hold and the next Reload tries again.
func (ix *Index) syncLexicalNow(ctx context.Context) {
	ix.lexMu.Lock()
	defer ix.lexMu.Unlock()
	var x *lexical.Index
	_ = ix.read(func(*view) error { x = ix.lex; return nil })
	if x == nil {
		return
	}
	if err := ix.syncLexical(ctx, x); err != nil {
		ix.log.Warn("could not bring the lexical index up to date", "err", err)
	}
}

// lexicalChange is what one committed update changes in the lexical
// index, computed from the view before the update.
type lexicalChange struct {
	from, to uint64 // generations
	ups      []lexical.Doc
	dels     []string
}

// planLexical computes the lexical change of an update: passages of
// deleted reports go, passages of new or changed reports are indexed, and
// reports whose content and title are unchanged (moved files, or every
// report after a refit) are left alone.
func planLexical(v *view, p *updatePlan) lexicalChange {
	var c lexicalChange
	c.from = v.man.Generation
	drop := func(d *store.Doc, keep map[string]bool) {
		for _, ps := range d.Passages {
			if id := passageID(d.ID, ps.Anchor); !keep[id] {
				c.dels = append(c.dels, id)
			}
		}
	}
	for _, id := range p.del {
		if d, ok := v.docs[id]; ok {
			drop(d, nil)
		}
	}
	for _, d := range p.put {
		old, ok := v.docs[d.ID]
		if ok && old.Hash == d.Hash && old.Title == d.Title && len(old.Passages) == len(d.Passages) {
			continue
		}
		keep := make(map[string]bool, len(d.Passages))
		for i, ps := range d.Passages {
			id := passageID(d.ID, ps.Anchor)
			keep[id] = true
			c.ups = append(c.ups, lexicalPassage{id: id, doc: d, ord: i}.toLexical())
		}
		if ok {
			drop(old, keep)
		}
	}
	return c
}

// applyLexical records a committed update in the lexical index. If this
// process does not hold the index, the holder catches up on its next
// Reload; if the index was behind the store before the update, it is
// synced with the whole view instead.
func (ix *Index) applyLexical(ctx context.Context, c lexicalChange) {
	ix.lexMu.Lock()
	defer ix.lexMu.Unlock()
	var x *lexical.Index
	_ = ix.read(func(*view) error { x = ix.lex; return nil })
	if x == nil {
		ix.log.Info("lexical index is held by another process; it will catch up on its next reload", "generation", c.to)
		return
	}
	if ix.lexHook != nil {
		if err := ix.lexHook(); err != nil {
			ix.log.Warn("lexical update interrupted", "err", err)
			return
		}
	}
	have, err := x.Generation()
	if err == nil && have == c.from {
		if err = x.Apply(ctx, c.ups, c.dels, c.to); err == nil {
			return
		}
		ix.log.Warn("could not update the lexical index; re-syncing it", "err", err)
	}
	if err := ix.syncLexical(ctx, x); err != nil {
		ix.log.Warn("could not bring the lexical index up to date", "err", err)
	}
}
