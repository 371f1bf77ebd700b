package index

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/clean"
	"github.com/plenary-search/plenary/index/lexical"
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
)

// Search answers q with the passages that best answer its text, at most
// q.PerDoc of them per report, each with a snippet marking the words that
// answer it and a [Why] saying which retrievers found it.
//
// [ModeLexical] ranks by BM25 over the passages' words, [ModeVector] by
// the cosine similarity of their vectors to the question's, and
// [ModeHybrid] (the default) blends both, BM25 leading (the weights and
// why are in fuse.go). Near-duplicate
// passages (reprinted headlines and boilerplate) are folded into the
// highest-ranked one and counted in Why.Collapsed, before the per-report
// cap and the cut to q.K.
//
// It returns an error wrapping [ErrBadQuery] for an empty or too long
// question or an unknown mode, and other errors if the question cannot be
// embedded or an index cannot be read. An empty index gives empty results.
func (ix *Index) Search(ctx context.Context, q Query) (Results, error) {
	mode, err := ParseMode(string(q.Mode))
	if err != nil {
		return Results{}, err
	}
	text, err := checkQuestion(q.Text, MaxQueryRunes)
	if err != nil {
		return Results{}, err
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
	found, err := ix.search(ctx, text, mode, k, perDoc, true)
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	if len(found.hits) == 0 {
		return res, nil
	}
	terms := queryTerms(text)
	for _, h := range found.hits {
		if found.lex != nil {
			spans, matched := found.lex.Match(text, h.Text)
			h.Why.Terms = matched
			if len(spans) > 0 {
				h.Snippet = spanSnippet(h.Text, spans)
			}
		}
		if h.Snippet == nil {
			// The analyzer's stems miss some derivations the snippet's
			// own matcher finds ("friend" in "friendship").
			h.Snippet, _ = lexicalSnippet(h.Text, terms)
		}
		if h.Snippet == nil {
			qv := found.qv
			if qv == nil {
				if qv, err = ix.embedOne(ctx, embed.Query, text); err != nil {
					return Results{}, fmt.Errorf("search: %w", err)
				}
				found.qv = qv
			}
			if qv == nil {
				ws := words(h.Text)
				h.Snippet = render(h.Text, ws, 0, min(len(ws), windowWords), nil)
			} else if h.Snippet, err = ix.semanticSnippet(ctx, qv, h.Text); err != nil {
				return Results{}, fmt.Errorf("search: %w", err)
			}
		}
		res.Hits = append(res.Hits, *h)
	}
	return res, nil
}

// RankDocuments returns the IDs of up to k reports (0 means [DefaultK],
// more than [MaxK] is clamped) that best answer text in the given mode
// ("" means hybrid), best first, each report ranked by its best passage.
// Near-duplicate passages are not folded here: every report is a separate
// answer to judge. It is what evaluation on test collections runs, whose
// queries can be paragraphs: text may have up to 16384 characters. It
// returns an error wrapping [ErrBadQuery] for an empty or too long text or
// an unknown mode, and other errors as [Index.Search] does.
func (ix *Index) RankDocuments(ctx context.Context, text string, mode Mode, k int) ([]string, error) {
	mode, err := ParseMode(string(mode))
	if err != nil {
		return nil, err
	}
	text, err = checkQuestion(text, maxRankRunes)
	if err != nil {
		return nil, err
	}
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	found, err := ix.search(ctx, text, mode, k, 1, false)
	if err != nil {
		return nil, fmt.Errorf("rank reports: %w", err)
	}
	ids := make([]string, len(found.hits))
	for i, h := range found.hits {
		ids[i] = h.DocID
	}
	return ids, nil
}

// maxRankRunes is the longest text RankDocuments accepts: test
// collections have queries of whole paragraphs.
const maxRankRunes = 16 << 10

// checkQuestion cleans a question and returns an error wrapping
// ErrBadQuery if it is empty or longer than limit runes.
func checkQuestion(q string, limit int) (string, error) {
	text := strings.TrimSpace(strings.ToValidUTF8(q, "\uFFFD"))
	if text == "" {
		return "", fmt.Errorf("%w: the question is empty", ErrBadQuery)
	}
	if n := utf8.RuneCountInString(text); n > limit {
		return "", fmt.Errorf("%w: the question has %d characters, at most %d are allowed", ErrBadQuery, n, limit)
	}
	return text, nil
}

// spanSnippet marks the words of text that overlap spans (sorted, not
// overlapping), cut to the densest window if text is long.
func spanSnippet(text string, spans []lexical.Span) []Fragment {
	ws := words(text)
	hit := make([]bool, len(ws))
	j := 0
	for i, w := range ws {
		for j < len(spans) && spans[j].End <= w.start {
			j++
		}
		if j < len(spans) && spans[j].Start < w.end {
			hit[i] = true
		}
	}
	lo, hi := 0, len(ws)
	if len(ws) > wholePassageWords {
		lo = densestWindow(hit, windowWords)
		hi = lo + windowWords
	}
	return fragments(text, ws, lo, hi, func(i int) bool { return hit[i] })
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
