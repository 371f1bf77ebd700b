package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// vectorMatrix holds the passage vectors of one view generation end to
// end in a single []float32, so that an exact search is one linear pass
// over contiguous memory. chromem-go v0.7.0 keeps each vector in its own
// document behind a map and a lock, spawns a goroutine per chunk and
// sorts every similarity: about twice the cost of this scan at 100,000
// passages (see docs/performance.md). chromem-go stays the store of
// record for the view; the matrix is derived from it and rebuilt when the
// view's generation changes.
type vectorMatrix struct {
	v    *view
	gen  uint64
	dim  int
	data []float32 // len(refs)*dim values, row i is refs[i]'s vector
	refs []passRef
}

// vectorCache keeps the matrix of the latest view searched.
type vectorCache struct {
	mu sync.Mutex
	m  *vectorMatrix
}

// matrix returns the matrix for v, building it if v or its generation
// changed since the last call. The caller holds the index's read lock,
// under which v does not change.
func (c *vectorCache) matrix(v *view, dim int) *vectorMatrix {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.m; m != nil && m.v == v && m.gen == v.man.Generation && m.dim == dim {
		return m
	}
	c.m = newVectorMatrix(v, dim)
	return c.m
}

// warmVectors builds the matrix of the current view now, so that the
// first search after an update does not pay for it and the previous
// view's matrix is released.
func (ix *Index) warmVectors() {
	c := ix.fuse.vectors
	if c == nil {
		return
	}
	_ = ix.read(func(v *view) error {
		c.matrix(v, ix.emb.Dim())
		return nil
	})
}

// newVectorMatrix copies the vectors of v's passages into one matrix,
// leaving out zero vectors (never retrieved, as with chromem-go) and
// vectors of another dimension.
func newVectorMatrix(v *view, dim int) *vectorMatrix {
	m := &vectorMatrix{v: v, gen: v.man.Generation, dim: dim}
	m.data = make([]float32, 0, v.nPass*dim)
	m.refs = make([]passRef, 0, v.nPass)
	for _, d := range v.docs {
		for i, p := range d.Passages {
			if len(p.Vector) != dim || isZero(p.Vector) {
				continue
			}
			m.refs = append(m.refs, passRef{doc: d, ord: i})
			m.data = append(m.data, p.Vector...)
			normalizeRow(m.data[len(m.data)-dim:])
		}
	}
	return m
}

// normalizeRow scales row to unit length unless it is already close to
// it: stored vectors are normalized when embedded, but a record written by
// hand or an older build must still rank by cosine.
func normalizeRow(row []float32) {
	var ss float64
	for _, x := range row {
		ss += float64(x) * float64(x)
	}
	if ss == 0 || math.Abs(ss-1) < 1e-4 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range row {
		row[i] *= inv
	}
}

// minRowsPerWorker keeps small scans on one goroutine, where starting
// another costs more than it saves.
const minRowsPerWorker = 8192

// search returns the n rows most similar to the unit vector qv, best
// first, ties broken by passage ID so that results do not depend on map
// order. It returns ctx's error if ctx ends during the scan.
func (m *vectorMatrix) search(ctx context.Context, qv []float32, n int) ([]chromemResult, error) {
	rows := len(m.refs)
	if n <= 0 || rows == 0 || len(qv) != m.dim {
		return nil, nil
	}
	n = min(n, rows)
	workers := min(runtime.GOMAXPROCS(0), max(rows/minRowsPerWorker, 1))
	parts := make([][]scored, workers)
	if workers == 1 {
		parts[0] = m.scan(qv, 0, rows, n)
	} else {
		var wg sync.WaitGroup
		per := (rows + workers - 1) / workers
		for w := range workers {
			lo, hi := w*per, min((w+1)*per, rows)
			wg.Go(func() { parts[w] = m.scan(qv, lo, hi, n) })
		}
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	var all []scored
	for _, p := range parts {
		all = append(all, p...)
	}
	out := make([]chromemResult, len(all))
	for i, s := range all {
		r := m.refs[s.row]
		out[i] = chromemResult{id: passageID(r.doc.ID, r.doc.Passages[r.ord].Anchor), sim: float64(s.sim)}
	}
	slices.SortFunc(out, func(a, b chromemResult) int {
		if c := cmp.Compare(b.sim, a.sim); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return out[:min(n, len(out))], nil
}

// scored is a row and its similarity to the question.
type scored struct {
	sim float32
	row int32
}

// scan scores rows lo..hi and keeps the best n in a min-heap, so memory
// and the cost of keeping the best stay bounded by n whatever the corpus.
func (m *vectorMatrix) scan(qv []float32, lo, hi, n int) []scored {
	h := make([]scored, 0, n)
	dim := m.dim
	for r := lo; r < hi; r++ {
		s := dotUnrolled(qv, m.data[r*dim:(r+1)*dim])
		if len(h) < n {
			h = append(h, scored{s, int32(r)})
			siftUp(h, len(h)-1)
			continue
		}
		if s > h[0].sim {
			h[0] = scored{s, int32(r)}
			siftDown(h, 0)
		}
	}
	return h
}

func siftUp(h []scored, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].sim <= h[i].sim {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func siftDown(h []scored, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].sim < h[l].sim {
			c = r
		}
		if h[i].sim <= h[c].sim {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// dotUnrolled is the dot product of a and b (len(b) >= len(a)) with four
// independent accumulators: the compiler does not vectorize, but four
// chains keep the floating-point units busy instead of waiting on one sum.
func dotUnrolled(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
