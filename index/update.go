package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/chunk"
	"github.com/plenary-search/plenary/index/clean"
	"github.com/plenary-search/plenary/index/ingest"
	"github.com/plenary-search/plenary/index/store"
)

// processingVersion is part of every document's content hash. Bump it when
// cleaning, metadata extraction, chunking or the text given to the embedder
// change, so that the next Update redoes every document.
const processingVersion = "plenary-processing-3"

// embedBatch is how many passages go to the embedder per call; progress is
// reported per batch.
const embedBatch = 256

// Progress is told how many passages an Update embeds and how many are
// done. The CLI passes a progress bar or a log-line reporter.
type Progress interface {
	Start(total int)
	Add(n int)
	Finish()
}

// UpdateOptions configures one Update.
type UpdateOptions struct {
	// MaxFileSize skips larger files; zero means ingest's default.
	MaxFileSize int64
	// Progress, if set, follows the embedding.
	Progress Progress
	// OnProblem, if set, is told about each file or record that could not
	// be read; it is skipped and the update goes on.
	OnProblem func(ingest.Problem)
}

// UpdateReport says what an Update did. Added, Changed, Unchanged and
// Removed count reports; Skipped counts files and JSONL lines that could not
// be read; Passages is how many passages the index holds afterwards.
type UpdateReport struct {
	Added, Changed, Unchanged, Removed, Skipped, Passages int
	// Refitted is true when the embedder was fitted again and every
	// passage re-embedded.
	Refitted bool
	Duration time.Duration
}

// Update brings the index up to date with the given files and folders,
// holding the data directory's writer lock. New reports are added; changed
// ones (by a content hash over their text, metadata and processingVersion)
// are re-processed and re-embedded; unchanged ones are left alone; reports
// that came from one of paths before but are no longer there are removed.
// Reports from other paths stay. Searches keep being answered meanwhile and
// see the change at once when it is committed.
//
// It returns an error wrapping [ErrLocked] if another process is writing,
// [ErrEmbedderMismatch] if the index was built with another embedder, and
// other errors if the files cannot be walked or the index cannot be
// written; then nothing is changed.
func (ix *Index) Update(ctx context.Context, paths []string, opts UpdateOptions) (rep UpdateReport, err error) {
	started := time.Now()
	if len(paths) == 0 {
		return rep, errors.New("update index: no files or folders given")
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()

	w, err := ix.st.Lock(ctx)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return rep, fmt.Errorf("update index: %w: %s", ErrLocked, le)
		}
		return rep, fmt.Errorf("update index: %w", err)
	}
	defer func() {
		if uerr := w.Unlock(); uerr != nil {
			ix.log.Warn("could not release the writer lock", "err", uerr)
		}
	}()

	v, err := ix.catchUp(ctx)
	if err != nil {
		return rep, fmt.Errorf("update index: %w", err)
	}
	if err := ix.checkEmbedder(v.man); err != nil {
		return rep, fmt.Errorf("update index: %w", err)
	}

	plan, err := ix.plan(ctx, v, paths, opts)
	if err != nil {
		return rep, fmt.Errorf("update index: %w", err)
	}
	rep = plan.report
	live := maps.Clone(v.docs)
	for _, id := range plan.del {
		delete(live, id)
	}
	for _, d := range plan.put {
		live[d.ID] = d
	}
	for _, d := range live {
		rep.Passages += len(d.Passages)
	}

	// The embedder learns the corpus again on the first build, and when
	// the passages it learned from are under half of what the index now
	// holds.
	var state []byte
	fitted := 0
	if ix.fit != nil && rep.Passages > 0 {
		fitOn := 0
		if v.man.State != nil {
			fitOn = v.man.State.FitPassages
		}
		if v.man.State == nil || 2*fitOn < rep.Passages {
			old, serr := ix.fit.State()
			if serr != nil {
				return rep, fmt.Errorf("update index: save embedder state: %w", serr)
			}
			// A failed update must leave questions embedded as the
			// stored vectors were.
			defer func() {
				if err != nil {
					if lerr := ix.fit.LoadState(old); lerr != nil {
						ix.log.Error("could not restore the embedder state", "err", lerr)
					}
				}
			}()
			if state, err = ix.refit(ctx, live); err != nil {
				return rep, fmt.Errorf("update index: %w", err)
			}
			fitted = rep.Passages
			rep.Refitted = true
			ix.log.Info("embedder fitted on the corpus; every passage is embedded again",
				"passages", fitted, "previously_fitted_on", fitOn)
			// Every document gets new vectors; copy the records, since
			// searches are still reading the current ones.
			plan.put, plan.embed = plan.put[:0], plan.embed[:0]
			for id, d := range live {
				cp := *d
				live[id] = &cp
				plan.put = append(plan.put, &cp)
				plan.embed = append(plan.embed, &cp)
			}
		}
	}

	if err = ix.embedDocs(ctx, plan.embed, opts.Progress); err != nil {
		return rep, fmt.Errorf("update index: %w", err)
	}
	if len(plan.put) == 0 && len(plan.del) == 0 && state == nil {
		rep.Duration = time.Since(started)
		return rep, nil
	}

	ch := store.Change{
		Embedder: ix.emb.Name(), Dim: ix.emb.Dim(),
		State: state, FitPassages: fitted,
		Put: plan.put, Delete: plan.del, Live: live, Rewrite: state != nil,
	}
	lc := planLexical(v, plan)
	man, err := w.Commit(ctx, v.man, ch)
	if err != nil {
		return rep, fmt.Errorf("update index: %w", err)
	}
	lc.to = man.Generation
	if aerr := ix.apply(ctx, v, man, plan, live, state != nil); aerr != nil {
		// The data directory is right; only this process's view is
		// not. Rebuild it whole rather than fail a committed update.
		ix.log.Warn("could not apply the update in place; rebuilding the in-memory index", "err", aerr)
		nv, berr := ix.buildView(ctx, man, live)
		if berr != nil {
			return rep, fmt.Errorf("update index: committed, but the in-memory index could not be rebuilt: %w", berr)
		}
		if man.State != nil {
			nv.stateHash = man.State.SHA256
		}
		ix.mu.Lock()
		ix.v = nv
		ix.mu.Unlock()
	}
	ix.applyLexical(ctx, lc)
	ix.warmVectors()
	rep.Duration = time.Since(started)
	ix.log.Info("index updated", "added", rep.Added, "changed", rep.Changed, "unchanged", rep.Unchanged,
		"removed", rep.Removed, "skipped", rep.Skipped, "passages", rep.Passages, "generation", man.Generation,
		"took", rep.Duration.Round(time.Millisecond))
	return rep, nil
}

// catchUp returns the current view, reloaded first if another process has
// committed since it was built. The caller holds writeMu.
func (ix *Index) catchUp(ctx context.Context) (*view, error) {
	var v *view
	if err := ix.read(func(cur *view) error { v = cur; return nil }); err != nil {
		return nil, err
	}
	m, err := ix.st.ReadManifest()
	if err != nil {
		return nil, err
	}
	if m.Generation == v.man.Generation {
		return v, nil
	}
	snap, err := ix.st.Load(ctx)
	if err != nil {
		return nil, err
	}
	nv, err := ix.newView(ctx, snap)
	if err != nil {
		return nil, err
	}
	ix.mu.Lock()
	ix.v = nv
	ix.mu.Unlock()
	ix.syncLexicalNow(ctx)
	return nv, nil
}

// updatePlan is what an Update will change.
type updatePlan struct {
	put    []*store.Doc // records to write: new, changed or moved
	embed  []*store.Doc // the part of put that needs vectors
	del    []string     // removed document IDs
	report UpdateReport
}

// plan walks paths and sorts every report into added, changed, unchanged
// and removed, cleaning and splitting the ones to embed.
func (ix *Index) plan(ctx context.Context, v *view, paths []string, opts UpdateOptions) (*updatePlan, error) {
	p := &updatePlan{}
	roots := map[string]bool{}
	for _, path := range paths {
		roots[rootKey(path)] = true
	}
	seen := map[string]*store.Doc{}
	problemPaths := map[string]bool{}
	onProblem := func(pr ingest.Problem) {
		p.report.Skipped++
		problemPaths[pr.Path] = true
		ix.log.Warn("skipped", "path", pr.Path, "line", pr.Line, "err", pr.Err)
		if opts.OnProblem != nil {
			opts.OnProblem(pr)
		}
	}
	err := ingest.Walk(ctx, paths, ingest.Options{MaxFileSize: opts.MaxFileSize}, func(in ingest.Doc) error {
		if in.ID == "" {
			onProblem(ingest.Problem{Path: in.Path, Err: errors.New("report without an ID")})
			return nil
		}
		if _, dup := seen[in.ID]; dup {
			// The same report reached through two of the given paths.
			return nil
		}
		hash := contentHash(in, ix.tune)
		root := rootKey(in.Root)
		old, ok := v.docs[in.ID]
		switch {
		case ok && old.Hash == hash:
			p.report.Unchanged++
			seen[in.ID] = old
			if old.Root != root || old.Path != in.Path {
				// Moved, not edited: rewrite the record, keep the vectors.
				moved := *old
				moved.Root, moved.Path = root, in.Path
				seen[in.ID] = &moved
				p.put = append(p.put, &moved)
			}
			return nil
		case ok:
			p.report.Changed++
		default:
			p.report.Added++
		}
		d := process(in, hash, root, ix.tune.chunk)
		seen[in.ID] = d
		p.put = append(p.put, d)
		p.embed = append(p.embed, d)
		return nil
	}, onProblem)
	if err != nil {
		return nil, fmt.Errorf("read reports: %w", err)
	}
	for id, d := range v.docs {
		if _, ok := seen[id]; ok || !roots[d.Root] || problemPaths[d.Path] || problemPaths[d.Root] {
			continue
		}
		p.del = append(p.del, id)
		p.report.Removed++
	}
	return p, nil
}

// rootKey makes a path given on the command line comparable across runs
// from different working directories.
func rootKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// contentHash identifies what a report's passages and vectors are computed
// from. The path and root are left out: a moved file is not re-embedded.
func contentHash(in ingest.Doc, tune tuning) string {
	h := sha256.New()
	version := processingVersion
	if tune != (tuning{}) {
		version += fmt.Sprintf("+%+v", tune)
	}
	for _, s := range []string{version, in.Format, in.Title, in.Date, in.URL, in.Source, in.Text} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// process cleans a report, extracts its metadata and splits it into
// passages, without vectors yet.
func process(in ingest.Doc, hash, root string, copts chunk.Options) *store.Doc {
	blocks := clean.Blocks(in.Text)
	meta := clean.ExtractBlocks(in.Text, blocks, clean.Hint{
		Title: in.Title, Date: in.Date, Source: in.Source, URL: in.URL, Path: in.Path,
	})
	d := &store.Doc{
		ID: in.ID, Root: root, Path: in.Path, Title: meta.Title, Date: meta.Date, Place: meta.Place,
		Source: meta.Source, URL: in.URL, Hash: hash, Text: in.Text,
	}
	cps := chunk.Split(in.Text, blocks, meta.Title, copts)
	if len(cps) == 0 {
		// A report whose only text is its title (a title-only record, a
		// one-line abstract taken for a title) would have no passage and
		// could never be found: its title becomes its passage.
		body := slices.Clone(blocks)
		for i := range body {
			if body[i].Kind == clean.Title {
				body[i].Kind = clean.Body
			}
		}
		cps = chunk.Split(in.Text, body, "", copts)
	}
	seen := map[string]bool{}
	for _, cp := range cps {
		// Split promises unique anchors and offsets inside the text; a
		// record that broke either would corrupt links, so drop it.
		if seen[cp.Anchor] || cp.Start < 0 || cp.End > len(in.Text) || cp.Start > cp.End {
			continue
		}
		seen[cp.Anchor] = true
		d.Passages = append(d.Passages, store.Passage{
			Anchor: cp.Anchor, Ord: len(d.Passages), Start: cp.Start, End: cp.End, Clean: cp.Clean,
		})
	}
	return d
}

// embedText is what the embedder sees for a passage: the report's title
// gives short passages their context ("Provincial Foreign Affairs Work
// Conference") without which "the meeting" means nothing.
func embedText(title, clean string) string {
	if title == "" {
		return clean
	}
	return title + ". " + clean
}

// refit fits the embedder on the clean text of every live passage and
// returns its new state.
func (ix *Index) refit(ctx context.Context, live map[string]*store.Doc) ([]byte, error) {
	var texts []string
	for _, d := range live {
		for _, p := range d.Passages {
			texts = append(texts, p.Clean)
		}
	}
	if err := ix.fit.Fit(ctx, texts); err != nil {
		return nil, fmt.Errorf("fit embedder: %w", err)
	}
	state, err := ix.fit.State()
	if err != nil {
		return nil, fmt.Errorf("save embedder state: %w", err)
	}
	return state, nil
}

// embedDocs computes the vectors of every passage of docs, in batches, and
// stores them in fresh passage slices (the docs may share passages with the
// live view, which searches are reading).
func (ix *Index) embedDocs(ctx context.Context, docs []*store.Doc, prog Progress) error {
	type slot struct {
		doc *store.Doc
		i   int
	}
	var slots []slot
	var texts []string
	for _, d := range docs {
		d.Passages = append([]store.Passage(nil), d.Passages...)
		for i, p := range d.Passages {
			slots = append(slots, slot{d, i})
			title := d.Title
			if ix.tune.noTitle {
				title = ""
			}
			texts = append(texts, embedText(title, p.Clean))
		}
	}
	if prog != nil {
		prog.Start(len(texts))
		defer prog.Finish()
	}
	dim := ix.emb.Dim()
	for lo := 0; lo < len(texts); lo += embedBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+embedBatch, len(texts))
		vs, err := ix.emb.Embed(ctx, embed.Passage, texts[lo:hi])
		if err != nil {
			return fmt.Errorf("embed passages: %w", err)
		}
		if len(vs) != hi-lo {
			return fmt.Errorf("embed passages: embedder %s returned %d vectors for %d texts", ix.emb.Name(), len(vs), hi-lo)
		}
		for j, vec := range vs {
			if len(vec) != dim {
				return fmt.Errorf("embed passages: embedder %s returned a vector of length %d, want %d", ix.emb.Name(), len(vec), dim)
			}
			s := slots[lo+j]
			s.doc.Passages[s.i].Vector = embed.Normalize(finite(vec))
		}
		if prog != nil {
			prog.Add(hi - lo)
		}
	}
	return nil
}

// finite zeroes a vector holding NaN or infinity, which would poison every
// similarity computed against it; a zero vector is never retrieved.
func finite(v []float32) []float32 {
	for _, x := range v {
		if x != x || x > 3.4e38 || x < -3.4e38 {
			return make([]float32, len(v))
		}
	}
	return v
}

// apply makes a committed change visible to searches.
func (ix *Index) apply(ctx context.Context, v *view, man store.Manifest, p *updatePlan, live map[string]*store.Doc, rebuild bool) error {
	if rebuild {
		nv, err := ix.buildView(ctx, man, live)
		if err != nil {
			return err
		}
		if man.State != nil {
			nv.stateHash = man.State.SHA256
		}
		ix.mu.Lock()
		ix.v = nv
		ix.mu.Unlock()
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	v.man = man
	for _, id := range p.del {
		if err := v.remove(ctx, id); err != nil {
			return err
		}
	}
	for _, d := range p.put {
		if err := v.remove(ctx, d.ID); err != nil {
			return err
		}
		if err := v.add(ctx, d); err != nil {
			return err
		}
	}
	return nil
}
