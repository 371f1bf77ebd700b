package lexical

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Apply deletes the passages with the given IDs, then indexes the
// upserts (replacing passages with the same ID), and records generation.
// When everything fits in one batch the change is atomic: after a crash
// the index holds either the old state and generation or the new ones.
// Larger changes are split into batches that each leave the index
// consistent, and the generation is written with the last one, so a crash
// in between leaves the old generation and applying the same change again
// completes it. It returns an error for an upsert without an ID, when ctx
// is cancelled between batches, or when the index cannot be written.
func (x *Index) Apply(ctx context.Context, upserts []Doc, deletes []string, generation uint64) error {
	for i, d := range upserts {
		if d.ID == "" {
			return fmt.Errorf("couldn't apply: upsert %d has no ID", i)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()

	raw, err := x.bleve.GetInternal(keyStats)
	if err != nil {
		return fmt.Errorf("couldn't read field statistics: %w", err)
	}
	st, ok := decodeStats(raw)
	if !ok {
		return fmt.Errorf("couldn't read field statistics: %w", ErrCorrupt)
	}

	// The last upsert of an ID wins, as if they were applied in order.
	last := make(map[string]int, len(upserts))
	for i, d := range upserts {
		last[d.ID] = i
	}
	type op struct {
		del bool
		id  string
		doc *Doc
	}
	ops := make([]op, 0, len(deletes)+len(last))
	// Each ID is touched once, since its old lengths are read from the
	// committed state and must be subtracted once.
	deleted := make(map[string]bool, len(deletes))
	for _, id := range deletes {
		if _, up := last[id]; !up && !deleted[id] {
			deleted[id] = true
			ops = append(ops, op{del: true, id: id})
		}
	}
	for i := range upserts {
		if last[upserts[i].ID] == i {
			ops = append(ops, op{id: upserts[i].ID, doc: &upserts[i]})
		}
	}

	batch := x.bleve.NewBatch()
	// Passages are analysed a batch at a time, so that a large rebuild
	// does not hold every analysed passage in memory at once.
	size := max(x.cfg.batchSize, 1)
	for lo := 0; lo < len(ops); lo += size {
		hi := min(lo+size, len(ops))
		docs, err := x.analyseBatch(hi-lo, func(i int) *Doc { return ops[lo+i].doc })
		if err != nil {
			return err
		}
		for i, o := range ops[lo:hi] {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("couldn't apply: %w", err)
			}
			oldTitle, oldText, found, err := x.storedLengths(o.id)
			if err != nil {
				return err
			}
			if found {
				st.titleLen -= min(oldTitle, st.titleLen)
				st.textLen -= min(oldText, st.textLen)
			}
			if o.del {
				if found {
					batch.Delete(o.id)
				}
				continue
			}
			a := docs[i]
			st.titleLen += a.titleLen
			st.textLen += a.textLen
			if err := batch.IndexAdvanced(a.doc); err != nil {
				return fmt.Errorf("couldn't index passage %s: %w", o.id, err)
			}
		}
		if hi < len(ops) {
			batch.SetInternal(keyStats, encodeStats(st))
			if err := x.bleve.Batch(batch); err != nil {
				return fmt.Errorf("couldn't write batch: %w", err)
			}
			batch.Reset()
		}
	}
	batch.SetInternal(keyStats, encodeStats(st))
	batch.SetInternal(keyGeneration, encodeUint(generation))
	if err := x.bleve.Batch(batch); err != nil {
		return fmt.Errorf("couldn't write batch: %w", err)
	}
	return nil
}

// storedLengths returns the field lengths recorded for passage id, so
// that replacing or deleting it keeps the totals exact.
func (x *Index) storedLengths(id string) (title, text uint64, found bool, err error) {
	d, err := x.bleve.Document(id)
	if err != nil {
		return 0, 0, false, fmt.Errorf("couldn't read passage %s: %w", id, err)
	}
	if d == nil {
		return 0, 0, false, nil
	}
	var raw string
	d.VisitFields(func(f bindex.Field) {
		if f.Name() == fieldLen {
			raw = string(f.Value())
		}
	})
	a, b, ok := strings.Cut(raw, " ")
	if !ok {
		return 0, 0, true, nil
	}
	title, err1 := strconv.ParseUint(a, 10, 64)
	text, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, true, nil
	}
	return title, text, true, nil
}

// analysed is an upsert mapped to a bleve document whose text fields
// are already analysed, and their lengths.
type analysed struct {
	doc               *document.Document
	titleLen, textLen uint64
}

// preAnalysed is a text field analysed before it reaches bleve. bleve
// analyses every indexed field of a batch again, on its own workers; a
// no-op Analyze lets the work done here count, so each passage is
// analysed once and the length recorded for the statistics is, by
// construction, the one bleve stores.
type preAnalysed struct{ *document.TextField }

// Analyze does nothing: the field was analysed when it was made.
func (preAnalysed) Analyze() {}

// lenOptions are the indexing options of fieldLen: stored, not indexed,
// as its mapping in newMapping says.
const lenOptions = bindex.StoreField

// analyseBatch maps each of the n upserts get returns (nil for a delete) to a
// bleve document and analyses its title and text, on all cores. Field
// lengths must be known before a passage is added to a batch (they go
// into its stored fieldLen and into the totals), and analysing here
// rather than in bleve keeps both cores busy and does it once. It
// returns an error if a passage cannot be mapped.
func (x *Index) analyseBatch(n int, get func(i int) *Doc) ([]analysed, error) {
	out := make([]analysed, n)
	errs := make([]error, n)
	m := x.bleve.Mapping()
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	per := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				d := get(i)
				if d == nil {
					continue
				}
				out[i], errs[i] = x.analyseOne(m, d)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (x *Index) analyseOne(m mapping.IndexMapping, d *Doc) (analysed, error) {
	doc := document.NewDocument(d.ID)
	err := m.MapDocument(doc, map[string]any{
		fieldTitle: separate(d.Title),
		fieldText:  separate(d.Text),
		fieldDoc:   d.DocID,
	})
	if err != nil {
		return analysed{}, fmt.Errorf("couldn't index passage %s: %w", d.ID, err)
	}
	a := analysed{doc: doc}
	for i, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok || (tf.Name() != fieldTitle && tf.Name() != fieldText) {
			continue
		}
		tf.Analyze()
		doc.Fields[i] = preAnalysed{tf}
		if tf.Name() == fieldTitle {
			a.titleLen = uint64(tf.AnalyzedLength())
		} else {
			a.textLen = uint64(tf.AnalyzedLength())
		}
	}
	lens := strconv.FormatUint(a.titleLen, 10) + " " + strconv.FormatUint(a.textLen, 10)
	doc.AddField(document.NewTextFieldCustom(fieldLen, nil, []byte(lens), lenOptions, nil))
	return a, nil
}
