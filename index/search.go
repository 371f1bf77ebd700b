package index

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/clean"
)

const (
	// DefaultK is the number of hits when Query.K is zero.
	DefaultK = 10
	// MaxK is the most hits one query returns.
	MaxK = 100
	// DefaultPerDoc is the per-report cap when Query.PerDoc is zero.
	DefaultPerDoc = 2
	// MaxQueryRunes is the longest question accepted.
	MaxQueryRunes = 1000
	// minCandidates is the fewest passages fetched from the vector store
	// before the per-report cap is applied.
	minCandidates = 50
)

// Search answers q with the passages closest in meaning to its text, at
// most q.PerDoc of them per report, each with a snippet marking the words
// that answer it.
//
// Only the vector retriever exists in this package so far: [ModeVector]
// and [ModeHybrid] (the default) are both answered by it, and
// [ModeLexical] is refused.
//
// It returns an error wrapping [ErrBadQuery] for an empty or too long
// question or an unknown or unavailable mode, and other errors if the
// question cannot be embedded. An empty index gives empty results.
func (ix *Index) Search(ctx context.Context, q Query) (Results, error) {
	mode, err := ParseMode(string(q.Mode))
	if err != nil {
		return Results{}, err
	}
	if mode == ModeLexical {
		return Results{}, fmt.Errorf("%w: lexical search is not available in this index", ErrBadQuery)
	}
	text := strings.TrimSpace(strings.ToValidUTF8(q.Text, "\uFFFD"))
	if text == "" {
		return Results{}, fmt.Errorf("%w: the question is empty", ErrBadQuery)
	}
	if n := utf8.RuneCountInString(text); n > MaxQueryRunes {
		return Results{}, fmt.Errorf("%w: the question has %d characters, at most %d are allowed", ErrBadQuery, n, MaxQueryRunes)
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	perDoc := q.PerDoc
	if perDoc == 0 {
		perDoc = DefaultPerDoc
	}
	res := Results{Query: text, Hits: []Hit{}}

	qv, err := ix.embedOne(ctx, embed.Query, text)
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	if qv == nil {
		return res, nil // nothing in the question the model knows
	}
	terms := queryTerms(text)
	err = ix.read(func(v *view) error {
		count := v.pcol.Count()
		if count == 0 {
			return nil
		}
		n := min(count, max(k*4, minCandidates))
		for {
			found, err := v.pcol.QueryEmbedding(ctx, qv, n, nil, nil)
			if err == nil {
				// chromem-go stops early on cancellation without saying so.
				err = ctx.Err()
			}
			if err != nil {
				return fmt.Errorf("search passages: %w", err)
			}
			res.Hits = res.Hits[:0]
			perReport := map[string]int{}
			for i, r := range found {
				ref, ok := v.pass[r.ID]
				if !ok {
					continue
				}
				if perDoc > 0 && perReport[ref.doc.ID] >= perDoc {
					continue
				}
				perReport[ref.doc.ID]++
				res.Hits = append(res.Hits, Hit{
					Passage: toPassage(ref.doc, ref.ord),
					Title:   ref.doc.Title, Date: ref.doc.Date, Place: ref.doc.Place,
					Score: float64(r.Similarity),
					Why:   Why{VectorRank: i + 1, VectorScore: float64(r.Similarity)},
				})
				if len(res.Hits) == k {
					break
				}
			}
			// The cap may have thrown away too many candidates: fetch more.
			if len(res.Hits) == k || n == count {
				return nil
			}
			n = min(count, n*4)
		}
	})
	if err != nil {
		return Results{}, err
	}
	for i := range res.Hits {
		h := &res.Hits[i]
		frags, ok := lexicalSnippet(h.Text, terms)
		if !ok {
			frags, err = ix.semanticSnippet(ctx, qv, h.Text)
			if err != nil {
				return Results{}, fmt.Errorf("search: %w", err)
			}
		}
		h.Snippet = frags
	}
	return res, nil
}

// semanticSnippet marks the sentence of text closest in meaning to the
// question, for hits that share no word with it. Each sentence is embedded
// on the fly, which is cheap with word vectors and bounded by the passage
// length.
func (ix *Index) semanticSnippet(ctx context.Context, qv []float32, text string) ([]Fragment, error) {
	spans := clean.Sentences(text)
	if len(spans) == 0 {
		ws := words(text)
		return render(text, ws, 0, wholePassageWords, nil), nil
	}
	best := spans[0]
	if len(spans) > 1 {
		sents := make([]string, len(spans))
		for i, s := range spans {
			sents[i] = text[s[0]:s[1]]
		}
		vs, err := ix.emb.Embed(ctx, embed.Passage, sents)
		if err != nil {
			return nil, fmt.Errorf("embed sentences for a snippet: %w", err)
		}
		bestScore := float32(-2)
		for i, vec := range vs {
			if s := dot(qv, vec); s > bestScore {
				best, bestScore = spans[i], s
			}
		}
	}
	return sentenceSnippet(text, best[0], best[1]), nil
}

// embedOne embeds one text and returns nil if it has no direction.
func (ix *Index) embedOne(ctx context.Context, kind embed.Kind, text string) ([]float32, error) {
	vs, err := ix.emb.Embed(ctx, kind, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed %s: %w", kind, err)
	}
	if len(vs) != 1 || len(vs[0]) != ix.emb.Dim() {
		return nil, fmt.Errorf("embed %s: embedder %s returned %d vectors", kind, ix.emb.Name(), len(vs))
	}
	if isZero(vs[0]) {
		return nil, nil
	}
	return embed.Normalize(vs[0]), nil
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range min(len(a), len(b)) {
		s += a[i] * b[i]
	}
	return s
}
