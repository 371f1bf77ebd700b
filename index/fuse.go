package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/lexical"
)

// fusionMethod is how the hybrid mode combines the two rankings.
type fusionMethod int

const (
	// fuseBlend adds the BM25 score divided by the best BM25 score of the
	// candidates, weighted, to the cosine similarity, weighted.
	fuseBlend fusionMethod = iota
	// fuseRRF is reciprocal rank fusion: the weighted sum of 1/(k+rank)
	// over the two candidate lists.
	fuseRRF
)

// What hybrid search ships with, chosen on nine test collections (TIME,
// MEDLINE, CISI, Cranfield, CACM, SciFact, ADI, NPL, LISA) with
// TestCollectionsQuality, document level. The built-in word vectors are
// far weaker than BM25 on every one (mean nDCG@10 .285 against .538), so
// reciprocal rank fusion, which gives the weak side's ranks a say of
// their own, pulls good lexical rankings down (mean .446 with equal
// weights, .518 with 0.8 on the lexical side). A lexical-led blend, in
// which the cosine mostly re-orders passages whose BM25 scores are close,
// gains a little: 0.8·BM25/max + 0.2·cosine rescaled to 0..1 over the
// candidates scored the best mean, .546 (raw cosine .544; weights 0.75 to
// 0.9 .543-.544; re-scoring only the lexical candidates .545). It gains
// most on ADI, LISA, CISI and TIME and loses up to .01 on CACM, SciFact,
// Cranfield, MEDLINE and NPL. Tried and dropped: lowering the vector
// weight per query when the two top-10 lists share few passages
// (.541-.545); adding to each passage a share (0.1-0.3) of its report's
// other candidate passages' scores (.512-.537, worse everywhere, TIME
// included); query expansion from the top lexical hits (RM3: 5-10
// feedback passages, 10-20 terms, λ 0.5-0.7), which helped MEDLINE, CISI
// and Cranfield but lost as much on CACM, SciFact, LISA and ADI
// (.521-.544).
const (
	shippedMethod    = fuseBlend
	shippedLexWeight = 0.8
	shippedMinMax    = true
	shippedRRFK      = 60
	// candidateDepth is how many passages each retriever proposes before
	// fusion; it grows when the per-report cap leaves too few.
	candidateDepth = 200
)

// fusion holds the hybrid parameters; Index.fuse is shippedFusion except
// in experiments.
type fusion struct {
	method fusionMethod
	// lexWeight is the weight of the lexical side (the vector side gets
	// 1-lexWeight), for both methods.
	lexWeight float64
	rrfK      float64
	// minMax rescales cosines to 0..1 over the candidates before blending.
	minMax bool
	// rerank keeps the vector side from proposing candidates: it only
	// re-scores the lexical ones (unless the question has no lexical term).
	rerank bool
	depth  int
	// vectors holds the contiguous copy of the passage vectors that the
	// vector side scans (vecsearch.go); nil falls back to chromem-go's
	// own query. It would sit better on the view, which it mirrors; kept
	// here, it is keyed by view and generation instead.
	vectors *vectorCache
}

func shippedFusion() fusion {
	return fusion{method: shippedMethod, lexWeight: shippedLexWeight, minMax: shippedMinMax, rrfK: shippedRRFK, depth: candidateDepth,
		vectors: &vectorCache{}}
}

// candidate is a passage proposed by either retriever.
type candidate struct {
	id       string
	ref      passRef
	lexRank  int
	lexScore float64
	vecRank  int
	vecScore float64
	cos      float64 // cosine to the question, whether or not vecRank > 0
	score    float64
}

// searched is what search found: hits without snippets, the question's
// vector (nil when not computed or nothing in it is known to the model)
// and the lexical index used, for highlighting.
type searched struct {
	hits []*Hit
	qv   []float32
	lex  *lexical.Index
}

// search ranks passages for text in mode and returns at most k of them,
// at most perDoc per report (negative: no cap), folding near-duplicates
// into their best-ranked copy when collapse is set.
func (ix *Index) search(ctx context.Context, text string, mode Mode, k, perDoc int, collapse bool) (searched, error) {
	ix.gen.RLock()
	defer ix.gen.RUnlock()
	var out searched
	useVec, useLex := mode != ModeLexical, mode != ModeVector
	if useVec && !ix.knows(text) {
		useVec = false // gibberish: its placeholder vector's neighbours are noise
	}
	if useVec {
		qv, err := ix.embedOne(ctx, embed.Query, text)
		if err != nil {
			return out, err
		}
		out.qv = qv
		useVec = qv != nil
	}
	// The lexical index also marks the words of vector hits.
	lex, err := ix.ensureLexical(ctx)
	if err != nil {
		return out, err
	}
	out.lex = lex
	if useLex && len(lex.Terms(text)) == 0 {
		useLex = false // only stop words or punctuation
	}
	if !useVec && !useLex {
		return out, nil
	}
	f := ix.fuse
	depth := max(f.depth, 4*k, 1)
	err = ix.read(func(v *view) error {
		for {
			// The two retrievers run side by side: hybrid latency is
			// the slower one's, not their sum.
			var (
				lhits []lexical.Hit
				lerr  error
				wg    sync.WaitGroup
			)
			if useLex {
				wg.Go(func() { lhits, lerr = lex.Search(ctx, text, depth) })
			}
			var vhits []chromemResult
			var err error
			vcount := v.pcol.Count()
			if useVec && vcount > 0 && (mode == ModeVector || !f.rerank || !useLex) {
				if f.vectors != nil {
					vhits, err = f.vectors.matrix(v, len(out.qv)).search(ctx, out.qv, min(depth, vcount))
				} else {
					vhits, err = queryVectors(ctx, v, out.qv, min(depth, vcount))
				}
			}
			wg.Wait()
			if err != nil {
				return err
			}
			if lerr != nil {
				return lerr
			}
			cands := fuseCandidates(v, f, mode, out.qv, lhits, vhits)
			out.hits = pick(cands, k, perDoc, collapse)
			lexDone := !useLex || len(lhits) < depth
			vecDone := !useVec || depth >= vcount
			if len(out.hits) == k || (lexDone && vecDone) || depth >= lexical.MaxHits {
				return nil
			}
			// The cap or the folding used up the candidates: fetch more.
			depth = min(depth*4, lexical.MaxHits)
		}
	})
	return out, err
}

// chromemResult is a vector hit.
type chromemResult struct {
	id  string
	sim float64
}

func queryVectors(ctx context.Context, v *view, qv []float32, n int) ([]chromemResult, error) {
	found, err := v.pcol.QueryEmbedding(ctx, qv, n, nil, nil)
	if err == nil {
		// chromem-go stops early on cancellation without saying so.
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	out := make([]chromemResult, len(found))
	for i, r := range found {
		out[i] = chromemResult{r.ID, float64(r.Similarity)}
	}
	return out, nil
}

// fuseCandidates merges the two candidate lists, drops passages the view
// does not hold (the lexical index can lag the store), scores them for
// mode, and sorts them best first.
func fuseCandidates(v *view, f fusion, mode Mode, qv []float32, lhits []lexical.Hit, vhits []chromemResult) []*candidate {
	byID := make(map[string]*candidate, len(lhits)+len(vhits))
	var cands []*candidate
	get := func(id string) *candidate {
		if c, ok := byID[id]; ok {
			return c
		}
		ref, ok := v.pass[id]
		if !ok {
			byID[id] = nil
			return nil
		}
		c := &candidate{id: id, ref: ref}
		byID[id] = c
		cands = append(cands, c)
		return c
	}
	maxLex := 0.0
	for i, h := range lhits {
		if c := get(h.ID); c != nil {
			c.lexRank, c.lexScore = i+1, h.Score
			maxLex = max(maxLex, h.Score)
		}
	}
	for i, h := range vhits {
		if c := get(h.id); c != nil {
			c.vecRank, c.vecScore, c.cos = i+1, h.sim, h.sim
		}
	}
	switch mode {
	case ModeLexical:
		for _, c := range cands {
			c.score = c.lexScore
		}
	case ModeVector:
		for _, c := range cands {
			c.score = c.vecScore
		}
	default:
		fuseScores(f, qv, cands, maxLex)
	}
	slices.SortFunc(cands, func(a, b *candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(rankOrLast(a.lexRank), rankOrLast(b.lexRank)); c != 0 {
			return c
		}
		if c := cmp.Compare(rankOrLast(a.vecRank), rankOrLast(b.vecRank)); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return cands
}

func rankOrLast(r int) int {
	if r == 0 {
		return math.MaxInt
	}
	return r
}

// fuseScores gives each candidate its hybrid score.
func fuseScores(f fusion, qv []float32, cands []*candidate, maxLex float64) {
	w := f.lexWeight
	if f.method == fuseRRF {
		for _, c := range cands {
			c.score = 0
			if c.lexRank > 0 {
				c.score += w / (f.rrfK + float64(c.lexRank))
			}
			if c.vecRank > 0 {
				c.score += (1 - w) / (f.rrfK + float64(c.vecRank))
			}
		}
		return
	}
	// Every candidate gets its exact cosine, not only those the vector
	// side proposed: the stored vectors are at hand.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cands {
		if c.vecRank == 0 && qv != nil {
			c.cos = float64(dot(qv, c.ref.doc.Passages[c.ref.ord].Vector))
		}
		lo, hi = min(lo, c.cos), max(hi, c.cos)
	}
	for _, c := range cands {
		cos := c.cos
		if f.minMax {
			cos = 0
			if hi > lo {
				cos = (c.cos - lo) / (hi - lo)
			}
		}
		lexN := 0.0
		if maxLex > 0 {
			lexN = c.lexScore / maxLex
		}
		c.score = w*lexN + (1-w)*cos
	}
}

// pick walks the ranked candidates, folds near-duplicates into the
// earlier candidate they copy when collapse is set, applies the
// per-report cap and stops at k hits.
func pick(cands []*candidate, k, perDoc int, collapse bool) []*Hit {
	var hits []*Hit
	type rep struct {
		sig signature
		hit *Hit // nil when the cap left it out
	}
	var reps []rep
	perReport := map[string]int{}
	for _, c := range cands {
		d := c.ref.doc
		var sig signature
		if collapse {
			sig = simhash(d.Passages[c.ref.ord].Clean)
			folded := false
			for _, r := range reps {
				if nearDuplicate(sig, r.sig) {
					if r.hit != nil {
						r.hit.Why.Collapsed++
					}
					folded = true
					break
				}
			}
			if folded {
				continue
			}
		}
		var h *Hit
		if perDoc < 0 || perReport[d.ID] < perDoc {
			perReport[d.ID]++
			h = &Hit{
				Passage: toPassage(d, c.ref.ord),
				Title:   d.Title, Date: d.Date, Place: d.Place,
				Score: c.score,
				Why:   Why{LexicalRank: c.lexRank, LexicalScore: c.lexScore, VectorRank: c.vecRank, VectorScore: c.vecScore},
			}
			hits = append(hits, h)
		}
		if collapse {
			reps = append(reps, rep{sig, h})
		}
		if len(hits) == k {
			break
		}
	}
	return hits
}

// vocabulary is implemented by embedders that can tell whether a text holds
// any word they know (the built-in word-vector model). They give a text of
// unknown words only a placeholder vector, so its nearest passages would be
// noise presented as answers.
type vocabulary interface {
	Knows(text string) bool
}

// knows reports whether the embedder can say something about text: false
// only when it implements vocabulary and knows none of its words.
func (ix *Index) knows(text string) bool {
	v, ok := ix.emb.(vocabulary)
	return !ok || v.Knows(text)
}
