package wordvec

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/plenary-search/plenary/embed"
)

// name is recorded in indexes; it must not change while the vectors and
// the way texts are combined stay the same.
const name = "builtin:glove-6b-100d-sif"

// DefaultA is the SIF parameter a used when [Options.A] is zero; Arora et
// al. found 1e-3 to 1e-4 work well across tasks.
const DefaultA = 1e-3

// priorTokens is the weight, counted in corpus tokens, of the Zipf prior
// against the fitted corpus counts (Dirichlet smoothing, as in language
// model retrieval). A corpus of a few passages barely moves the prior; one
// of a million tokens all but replaces it; a word the corpus never used
// keeps a small probability from its GloVe rank, so it still weighs more
// than words the corpus uses constantly but is not treated as a typo.
const priorTokens = 2000

// eulerGamma completes the harmonic-number approximation of the Zipf
// normalizer.
const eulerGamma = 0.5772156649015329

// chunk is how many texts a worker takes at a time.
const chunk = 32

// Options configures [New].
type Options struct {
	// A is the SIF parameter: word w weighs A/(A+p(w)). Zero means
	// [DefaultA]. A state loaded with [Model.LoadState] brings its own A.
	A float64
}

// Model is the built-in embedder. It implements [embed.Embedder] and
// [embed.Fitter]; all methods are safe for concurrent use, and Fit or
// LoadState may run while Embed does (each Embed call sees one state).
type Model struct {
	t     *table
	a     float64
	prior []float64 // Zipf probability of each word from its GloVe rank
	st    atomic.Pointer[params]
	pool  sync.Pool // *scratch
}

// params is what Fit learns, with the per-word coefficients derived from it.
// It is immutable once built.
type params struct {
	a     float64
	mu    float64
	total uint64  // corpus tokens, known or not
	ids   []int32 // words seen in the corpus, increasing
	cnts  []uint64
	comp  []float32 // unit common component, or nil
	coef  []float32 // SIF weight × quantization scale, per word
}

// New loads the vectors built into the binary and returns an unfitted
// model, which weights words by their GloVe frequency rank and removes no
// common component. It returns an error if opts.A is negative or not finite,
// or if the built-in vector file is damaged.
func New(opts Options) (*Model, error) {
	a := opts.A
	if a == 0 {
		a = DefaultA
	}
	if !(a > 0) || math.IsInf(a, 0) {
		return nil, fmt.Errorf("new word vector model: SIF parameter a = %v must be positive and finite", opts.A)
	}
	t, err := parseTable(gloveFile)
	if err != nil {
		return nil, fmt.Errorf("new word vector model: %w", err)
	}
	return newModel(t, a), nil
}

func newModel(t *table, a float64) *Model {
	m := &Model{t: t, a: a, prior: zipfPrior(t)}
	m.pool.New = func() any { return newScratch(t.dim) }
	m.st.Store(m.newParams(a, priorTokens, 0, nil, nil, nil))
	return m
}

// zipfPrior estimates each word's probability from its frequency rank r
// (from 0) in the source vocabulary of n words: p = 1/((r+1)·H(n)), with
// H(n) the n-th harmonic number. For GloVe 6B this gives "the" 7 % and
// "of" 2 %, close to their real shares of running text, and it needs no
// counts the vector file does not have.
func zipfPrior(t *table) []float64 {
	n := float64(t.srcSize)
	h := math.Log(n) + eulerGamma + 1/(2*n)
	p := make([]float64, len(t.words))
	for i, r := range t.ranks {
		p[i] = 1 / ((float64(r) + 1) * h)
	}
	return p
}

// newParams derives the per-word coefficients. Fit and LoadState both go
// through here, so a loaded state embeds exactly as the fitted one did.
func (m *Model) newParams(a, mu float64, total uint64, ids []int32, cnts []uint64, comp []float32) *params {
	p := &params{a: a, mu: mu, total: total, ids: ids, cnts: cnts, comp: comp}
	p.coef = make([]float32, len(m.t.words))
	den := float64(total) + mu
	k := 0
	for i := range p.coef {
		var c float64
		if k < len(ids) && int(ids[k]) == i {
			c = float64(cnts[k])
			k++
		}
		pw := m.prior[i]
		if den > 0 {
			pw = (c + mu*m.prior[i]) / den
		}
		p.coef[i] = float32(a/(a+pw)) * m.t.scales[i]
	}
	return p
}

// Name returns "builtin:glove-6b-100d-sif".
func (m *Model) Name() string { return name }

// Dim returns 100, the length of the GloVe vectors.
func (m *Model) Dim() int { return m.t.dim }

// Embed returns one unit vector per text: the SIF-weighted sum of its word
// vectors with the common component removed. The kind is ignored: passages
// and queries are embedded alike. A text with no known word gets a
// deterministic direction hashed from its unknown tokens (see fallback). It
// returns ctx.Err() if ctx is cancelled before the batch is done.
func (m *Model) Embed(ctx context.Context, kind embed.Kind, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := m.st.Load()
	d := m.t.dim
	out := make([][]float32, len(texts))
	flat := make([]float32, len(texts)*d)
	for i := range out {
		out[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	err := m.parallel(ctx, len(texts), func(sc *scratch, lo, hi int) {
		for i := lo; i < hi; i++ {
			m.embedOne(p, sc, texts[i], out[i])
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parallel runs fn over [0,n) in chunks, on up to GOMAXPROCS goroutines
// for large batches, checking ctx between chunks. Results must not depend on
// which goroutine runs a chunk.
func (m *Model) parallel(ctx context.Context, n int, fn func(sc *scratch, lo, hi int)) error {
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	var next atomic.Int64
	work := func() error {
		sc := m.pool.Get().(*scratch)
		defer m.pool.Put(sc)
		for {
			lo := int(next.Add(chunk)) - chunk
			if lo >= n {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(sc, lo, min(lo+chunk, n))
		}
	}
	if workers <= 1 {
		return work()
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { errs[w] = work() })
	}
	wg.Wait()
	// The only error is ctx's, which callers expect unwrapped.
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// embedOne writes the embedding of s to out.
func (m *Model) embedOne(p *params, sc *scratch, s string, out []float32) {
	m.t.tokenize(s, sc)
	if len(sc.ids) == 0 {
		fallback(sc, s, out)
		return
	}
	m.sum(p, sc.ids, out)
	before := norm2(out)
	if p.comp != nil {
		removeComponent(out, p.comp)
	}
	after := norm2(out)
	// A text whose words all lie along the common component has nothing
	// left; its leftover direction would be rounding noise.
	if !(after > 1e-12*before) || math.IsInf(after, 0) {
		fallback(sc, s, out)
		return
	}
	inv := float32(1 / math.Sqrt(after))
	for j := range out {
		out[j] *= inv
	}
}

// sum adds the SIF-weighted vectors of ids into out.
func (m *Model) sum(p *params, ids []int32, out []float32) {
	d := m.t.dim
	clear(out)
	for _, id := range ids {
		c := p.coef[id]
		row := m.t.vecs[int(id)*d : int(id)*d+d]
		row = row[:len(out)]
		for j, q := range row {
			out[j] += c * float32(int8(q))
		}
	}
}

func removeComponent(v, u []float32) {
	var dot float32
	for j, x := range v {
		dot += x * u[j]
	}
	for j := range v {
		v[j] -= dot * u[j]
	}
}

func norm2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// fallback gives a text without known words a unit vector: the sum of
// pseudo-random directions seeded by its unknown tokens, or by the whole
// text when it has no token at all. A zero vector would make cosine
// similarity NaN in chromem-go; a fixed vector would make all such texts
// match each other perfectly. Hashed directions are nearly orthogonal to
// everything else, yet a query of unknown names still finds the passages
// that consist of the same names, as they share the directions.
func fallback(sc *scratch, s string, out []float32) {
	clear(out)
	seeds := sc.unknown
	if len(seeds) == 0 {
		seeds = append(seeds, fnv64([]byte(s)))
	}
	for _, h := range seeds {
		x := h
		for j := range out {
			x = splitmix(x)
			// Uniform in (-1, 1) from the top 24 bits.
			out[j] += float32(int32(x>>40)-(1<<23)) / (1 << 23)
		}
	}
	embed.Normalize(out)
	if norm2(out) == 0 {
		out[0] = 1
	}
}

// splitmix is the SplitMix64 step, a fixed, seedable generator.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
