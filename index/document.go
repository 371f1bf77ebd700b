package index

import (
	"context"
	"fmt"

	"github.com/plenary-search/plenary/index/store"
)

// maxIDBytes bounds the IDs we look up, so that a huge path parameter is
// refused before it is hashed or logged.
const maxIDBytes = 4096

// Document returns the report id with its passages in order. It returns an
// error wrapping [ErrNotFound] for an unknown ID.
func (ix *Index) Document(ctx context.Context, id string) (Document, []Passage, error) {
	if err := ctx.Err(); err != nil {
		return Document{}, nil, err
	}
	var (
		doc  Document
		pass []Passage
	)
	err := ix.read(func(v *view) error {
		d, ok := lookup(v, id)
		if !ok {
			return notFound("report", id)
		}
		doc = toDocument(d)
		pass = make([]Passage, len(d.Passages))
		for i := range d.Passages {
			pass[i] = toPassage(d, i)
		}
		return nil
	})
	return doc, pass, err
}

// Stats describes the index: how many reports and passages it holds and
// which embedder built it. It returns an error only after Close.
func (ix *Index) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := ix.read(func(v *view) error {
		s = Stats{Documents: len(v.docs), Passages: v.nPass, Embedder: ix.emb.Name(), Dim: ix.emb.Dim()}
		return nil
	})
	return s, err
}

func lookup(v *view, id string) (*store.Doc, bool) {
	if len(id) > maxIDBytes {
		return nil, false
	}
	d, ok := v.docs[id]
	return d, ok
}

func notFound(what, id string) error {
	if len(id) > 80 {
		id = id[:80] + "…"
	}
	return fmt.Errorf("%w: %s %q", ErrNotFound, what, id)
}

func toDocument(d *store.Doc) Document {
	return Document{
		ID: d.ID, Title: d.Title, Date: d.Date, Place: d.Place, Source: d.Source,
		URL: d.URL, Path: d.Path, Text: d.Text, Hash: d.Hash,
	}
}

func toPassage(d *store.Doc, ord int) Passage {
	p := d.Passages[ord]
	return Passage{
		ID: passageID(d.ID, p.Anchor), DocID: d.ID, Anchor: p.Anchor, Ord: p.Ord,
		Start: p.Start, End: p.End, Text: d.Text[p.Start:p.End],
	}
}
