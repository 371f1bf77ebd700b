package lexical

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Limits on what a query may cost; longer input is cut, not refused,
// because a pasted paragraph is a reasonable query.
const (
	maxQueryBytes = 16 << 10
	maxQueryTerms = 256
)

// queryTerm is an analysed query term and how often it occurs in the query.
type queryTerm struct {
	term string
	qtf  float64
}

// Terms returns the distinct analysed terms of query in order of first
// occurrence: what Search matches, for highlighting and debugging.
func (x *Index) Terms(query string) []string {
	qt := x.analyse(query)
	if len(qt) == 0 {
		return nil
	}
	out := make([]string, len(qt))
	for i, t := range qt {
		out[i] = t.term
	}
	return out
}

func (x *Index) analyse(query string) []queryTerm {
	query = separate(truncate(query))
	if query == "" {
		return nil
	}
	var out []queryTerm
	seen := make(map[string]int)
	for _, tok := range x.reader.Analyze([]byte(query)) {
		if len(tok.Term) == 0 {
			continue
		}
		if i, ok := seen[string(tok.Term)]; ok {
			out[i].qtf++
			continue
		}
		if len(out) == maxQueryTerms {
			continue
		}
		seen[string(tok.Term)] = len(out)
		out = append(out, queryTerm{term: string(tok.Term), qtf: 1})
	}
	return out
}

// Search returns up to n passages matching any analysed term of query,
// best first. The query is free text, never query syntax, so no input
// can fail to parse; a query with no terms left after analysis (empty,
// only stop words or punctuation) has no hits. n < 1 means [DefaultHits]
// and n is capped at [MaxHits]. It returns an error when ctx is done or
// the index cannot be read (wrapping [ErrCorrupt] if bleve panicked on
// damaged data).
func (x *Index) Search(ctx context.Context, query string, n int) (hits []Hit, err error) {
	defer func() {
		if r := recover(); r != nil {
			hits, err = nil, fmt.Errorf("couldn't search: %w: bleve panicked: %v", ErrCorrupt, r)
		}
	}()
	if n < 1 {
		n = DefaultHits
	}
	n = min(n, MaxHits)
	qt := x.analyse(query)
	if len(qt) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("couldn't search: %w", err)
	}
	if x.cfg.bleveScores {
		return x.searchBleve(ctx, query, n)
	}
	return x.run(ctx, qt, n)
}

// run scores the analysed query qt and returns the best n passages.
func (x *Index) run(ctx context.Context, qt []queryTerm, n int) ([]Hit, error) {
	adv, err := x.bleve.Advanced()
	if err != nil {
		return nil, fmt.Errorf("couldn't search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("couldn't open index reader: %w", err)
	}
	defer r.Close()
	scores, err := x.score(ctx, r, qt)
	if scores != nil {
		defer x.release(scores)
	}
	if err != nil {
		return nil, err
	}
	return x.top(r, scores, n)
}

// fieldSpec is one field's part in BM25F.
type fieldSpec struct {
	name   string
	weight float64
	avgLen float64
}

// score computes BM25F (Robertson & Zaragoza 2009, "simple BM25F"): each
// field's term frequency is length-normalised against that field's
// average, weighted, and summed into one pseudo-frequency that is then
// saturated once, so a term in both title and text does not count twice
// at full strength as it would in a sum of per-field BM25 scores. The idf
// uses the number of passages with the term in any field.
//
// Frequencies and scores are kept in slices indexed by bleve's internal
// document number rather than in maps: a common term walks most of the
// index, and a map update per posting was most of the query's cost
// (docs/performance.md).
func (x *Index) score(ctx context.Context, r bindex.IndexReader, qt []queryTerm) (*accumulator, error) {
	docs, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("couldn't count passages: %w", err)
	}
	if docs == 0 {
		return nil, nil
	}
	raw, err := r.GetInternal(keyStats)
	if err != nil {
		return nil, fmt.Errorf("couldn't read field statistics: %w", err)
	}
	st, ok := decodeStats(raw)
	if !ok {
		return nil, fmt.Errorf("couldn't read field statistics: %w", ErrCorrupt)
	}
	fields := []fieldSpec{
		{fieldTitle, x.cfg.titleBoost, float64(st.titleLen) / float64(docs)},
		{fieldText, 1, float64(st.textLen) / float64(docs)},
	}
	k1, b := x.cfg.k1, x.cfg.b
	n := float64(docs)

	scores := x.accumulator(int(docs))
	tf := x.accumulator(int(docs))
	defer x.release(tf)
	var pre bindex.TermFieldDoc
	for _, q := range qt {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("couldn't search: %w", err)
		}
		tf.reset()
		for _, f := range fields {
			if err := accumulate(ctx, r, q.term, f, b, tf, &pre); err != nil {
				return nil, err
			}
		}
		if len(tf.touched) == 0 {
			continue
		}
		df := float64(len(tf.touched))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		w := q.qtf * idf * (k1 + 1)
		for _, id := range tf.touched {
			t := tf.val[id]
			scores.add(id, w*t/(t+k1))
		}
	}
	return scores, nil
}

// accumulator sums values per internal document number in a dense slice,
// remembering which numbers it touched so that reset and iteration cost
// what was touched, not the size of the index.
type accumulator struct {
	val     []float64
	seen    []bool
	touched []uint64
}

// maxDenseID bounds the slice an accumulator grows to; internal numbers
// count deleted passages not yet merged away, but past this they would be
// a damaged index, which must not make a query allocate without bound.
const maxDenseID = 1 << 28

func newAccumulator(hint int) *accumulator {
	hint = min(max(hint, 0), maxDenseID)
	return &accumulator{val: make([]float64, hint), seen: make([]bool, hint)}
}

// accumulator returns an empty accumulator from the pool, or a new one
// sized for hint internal numbers.
func (x *Index) accumulator(hint int) *accumulator {
	if a, ok := x.scratch.Get().(*accumulator); ok {
		return a
	}
	return newAccumulator(hint)
}

// release empties a and returns it to the pool; a must not be used
// afterwards.
func (x *Index) release(a *accumulator) {
	a.reset()
	x.scratch.Put(a)
}

func (a *accumulator) add(id uint64, v float64) {
	if id >= uint64(len(a.val)) {
		n := max(2*len(a.val), int(id)+1)
		a.val = append(a.val, make([]float64, n-len(a.val))...)
		a.seen = append(a.seen, make([]bool, n-len(a.seen))...)
	}
	if !a.seen[id] {
		a.seen[id] = true
		a.touched = append(a.touched, id)
	}
	a.val[id] += v
}

func (a *accumulator) reset() {
	for _, id := range a.touched {
		a.val[id], a.seen[id] = 0, false
	}
	a.touched = a.touched[:0]
}

// accumulate adds field f's weighted, length-normalised frequencies of
// term to tf.
func accumulate(ctx context.Context, r bindex.IndexReader, term string, f fieldSpec, b float64,
	tf *accumulator, pre *bindex.TermFieldDoc) error {
	if f.avgLen <= 0 {
		return nil
	}
	tfr, err := r.TermFieldReader(ctx, []byte(term), f.name, true, true, false)
	if err != nil {
		return fmt.Errorf("couldn't read postings of %q: %w", term, err)
	}
	defer tfr.Close()
	for {
		d, err := tfr.Next(pre)
		if err != nil {
			return fmt.Errorf("couldn't read postings of %q: %w", term, err)
		}
		if d == nil {
			return nil
		}
		if len(d.ID) != 8 {
			return fmt.Errorf("unexpected internal id of length %d: %w", len(d.ID), ErrCorrupt)
		}
		id := binary.BigEndian.Uint64(d.ID)
		if id >= maxDenseID {
			return fmt.Errorf("internal id %d out of range: %w", id, ErrCorrupt)
		}
		// bleve keeps the norm 1/sqrt(field length) as a float32.
		length := f.avgLen
		if d.Norm > 0 {
			length = math.Round(1 / (d.Norm * d.Norm))
		}
		norm := 1 - b + b*length/f.avgLen
		tf.add(id, f.weight*float64(d.Freq)/norm)
		pre = d
	}
}

type scored struct {
	id    uint64
	score float64
}

// top ranks scores and resolves the best n to passage and document IDs.
func (x *Index) top(r bindex.IndexReader, scores *accumulator, n int) ([]Hit, error) {
	if scores == nil || len(scores.touched) == 0 {
		return nil, nil
	}
	all := best(scores, n)
	hits := make([]Hit, len(all))
	// Doc values are read most cheaply in internal-ID order.
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(all[a].id, all[b].id) })
	dvr, err := r.DocValueReader([]string{fieldDoc})
	if err != nil {
		return nil, fmt.Errorf("couldn't read document IDs: %w", err)
	}
	for _, i := range order {
		iid := bindex.IndexInternalID(binary.BigEndian.AppendUint64(nil, all[i].id))
		ext, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("couldn't resolve passage ID: %w", err)
		}
		h := &hits[i]
		h.ID, h.Score, h.Rank = ext, all[i].score, i+1
		err = dvr.VisitDocValues(iid, func(field string, term []byte) {
			if field == fieldDoc {
				h.DocID = string(term)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("couldn't read document ID of %s: %w", ext, err)
		}
	}
	return hits, nil
}

// byRank orders by score, best first, then by internal ID so that equal
// scores rank the same way every time.
func byRank(a, b scored) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// best returns the n best of scores, ranked. It keeps a bounded heap
// whose root is the worst kept entry, since a common term can score
// most of the index and sorting all of it would dominate the query.
func best(scores *accumulator, n int) []scored {
	h := make([]scored, 0, min(n, len(scores.touched)))
	// worse reports whether h[i] ranks below h[j]: the heap's order.
	worse := func(i, j int) bool { return byRank(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			w, l, r := i, 2*i+1, 2*i+2
			if l < len(h) && worse(l, w) {
				w = l
			}
			if r < len(h) && worse(r, w) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for _, id := range scores.touched {
		e := scored{id, scores.val[id]}
		if len(h) < n {
			h = append(h, e)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !worse(i, p) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if byRank(e, h[0]) < 0 {
			h[0] = e
			down(0)
		}
	}
	slices.SortFunc(h, byRank)
	return h
}

// searchBleve ranks with bleve's own scoring model.
func (x *Index) searchBleve(ctx context.Context, query string, n int) ([]Hit, error) {
	query = separate(truncate(query))
	title := bleve.NewMatchQuery(query)
	title.SetField(fieldTitle)
	title.SetBoost(x.cfg.titleBoost)
	title.Analyzer = x.cfg.analyzer
	text := bleve.NewMatchQuery(query)
	text.SetField(fieldText)
	text.Analyzer = x.cfg.analyzer
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(title, text), n, 0, false)
	req.Fields = []string{fieldDoc}
	res, err := x.bleve.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("couldn't search: %w", err)
	}
	hits := make([]Hit, len(res.Hits))
	for i, m := range res.Hits {
		hits[i] = Hit{ID: m.ID, Score: m.Score, Rank: i + 1}
		if d, ok := m.Fields[fieldDoc].(string); ok {
			hits[i].DocID = d
		}
	}
	return hits, nil
}

// truncate cuts query to maxQueryBytes on a rune boundary.
func truncate(query string) string {
	if len(query) <= maxQueryBytes {
		return query
	}
	cut := maxQueryBytes
	for cut > 0 && !utf8.RuneStart(query[cut]) {
		cut--
	}
	return query[:cut]
}

// Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// Spans returns, in order, the byte ranges of the words in text that
// match an analysed term of query (so "meetings" in text matches the
// query "meeting"): what a snippet should mark. Offsets are into text
// as given. It returns nil when nothing matches.
func (x *Index) Spans(query, text string) []Span {
	spans, _ := x.Match(query, text)
	return spans
}

// Match is [Index.Spans] that also returns the distinct analysed query
// terms found in text, in order of first occurrence in text.
func (x *Index) Match(query, text string) ([]Span, []string) {
	qt := x.analyse(query)
	if len(qt) == 0 || text == "" {
		return nil, nil
	}
	want := make(map[string]bool, len(qt))
	for _, t := range qt {
		want[t.term] = true
	}
	sep, inserted := separateAt(text)
	// orig maps an offset in sep back to text: minus the spaces inserted
	// before it.
	orig := func(off int) int {
		n, _ := slices.BinarySearch(inserted, off)
		return off - n
	}
	var spans []Span
	var terms []string
	for _, tok := range x.reader.Analyze([]byte(sep)) {
		if !want[string(tok.Term)] {
			continue
		}
		if t := string(tok.Term); !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
		sp := Span{orig(tok.Start), orig(tok.End)}
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			continue
		}
		if n := len(spans); n > 0 && spans[n-1].End > sp.Start {
			continue
		}
		spans = append(spans, sp)
	}
	return spans, terms
}
