package lexical

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	for i, o := range ops {
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
		} else {
			title, text := separate(o.doc.Title), separate(o.doc.Text)
			tl, xl := x.tokenCount(title), x.tokenCount(text)
			st.titleLen += tl
			st.textLen += xl
			fields := map[string]any{
				fieldTitle: title,
				fieldText:  text,
				fieldDoc:   o.doc.DocID,
				fieldLen:   strconv.FormatUint(tl, 10) + " " + strconv.FormatUint(xl, 10),
			}
			if err := batch.Index(o.id, fields); err != nil {
				return fmt.Errorf("couldn't index passage %s: %w", o.id, err)
			}
		}
		if batch.Size() >= x.cfg.batchSize && i < len(ops)-1 {
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

// tokenCount is the field length bleve records for s: the number of
// tokens the analyzer keeps.
func (x *Index) tokenCount(s string) uint64 {
	if s == "" {
		return 0
	}
	return uint64(len(x.analyzer.Analyze([]byte(s))))
}
