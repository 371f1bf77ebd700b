package wordvec

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"sync"

	"github.com/plenary-search/plenary/embed"
)

// partitions is the fixed number of partial sums Fit splits the corpus
// into. Chunk j always goes to partition j mod partitions and the partials
// are added in order, so the floating-point result, and with it the State
// bytes, do not depend on GOMAXPROCS or scheduling.
const partitions = 16

// powerIterations bounds the power iteration for the common component; the
// first singular direction of averaged word vectors stands far above the
// rest, so it converges in a few dozen steps.
const powerIterations = 200

// Fit learns word frequencies from texts, then the common component: the
// first singular vector (uncentred, as in Arora et al.) of the texts'
// SIF-weighted average word vectors. It uses [Options.A] (not the a of a
// loaded state) and replaces any earlier state; with no texts the model
// returns to its unfitted state. It returns ctx.Err() if
// ctx is cancelled, leaving the state unchanged.
func (m *Model) Fit(ctx context.Context, texts []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := m.a
	ids, cnts, total, err := m.count(ctx, texts)
	if err != nil {
		return err
	}
	noComp := m.newParams(a, priorTokens, total, ids, cnts, nil)
	comp, err := m.component(ctx, noComp, texts)
	if err != nil {
		return err
	}
	m.st.Store(m.newParams(a, priorTokens, total, ids, cnts, comp))
	return nil
}

// count returns the corpus counts of the known words, as increasing ids with
// their counts, and the number of tokens, known or not.
func (m *Model) count(ctx context.Context, texts []string) ([]int32, []uint64, uint64, error) {
	var mu sync.Mutex
	counts := make([]uint64, len(m.t.words))
	var total uint64
	type tally struct {
		c       []uint32
		touched []int32
	}
	local := sync.Pool{New: func() any { return &tally{c: make([]uint32, len(m.t.words))} }}
	err := m.parallel(ctx, len(texts), func(sc *scratch, lo, hi int) {
		t := local.Get().(*tally)
		var n uint64
		for _, s := range texts[lo:hi] {
			m.t.tokenize(s, sc)
			n += uint64(sc.tokens)
			for _, id := range sc.ids {
				if t.c[id] == 0 {
					t.touched = append(t.touched, id)
				}
				t.c[id]++
			}
		}
		// Integer sums: the order of merging does not matter.
		mu.Lock()
		for _, id := range t.touched {
			counts[id] += uint64(t.c[id])
			t.c[id] = 0
		}
		total += n
		mu.Unlock()
		t.touched = t.touched[:0]
		local.Put(t)
	})
	if err != nil {
		return nil, nil, 0, err
	}
	var ids []int32
	var cnts []uint64
	for i, c := range counts {
		if c > 0 {
			ids = append(ids, int32(i))
			cnts = append(cnts, c)
		}
	}
	return ids, cnts, total, nil
}

// component returns the unit first singular vector of the texts' weighted
// average vectors, or nil if they are all zero.
func (m *Model) component(ctx context.Context, p *params, texts []string) ([]float32, error) {
	d := m.t.dim
	nChunks := (len(texts) + chunk - 1) / chunk
	type partial struct {
		cov []float64 // upper triangle, row-major d×d
	}
	parts := make([]partial, partitions)
	for i := range parts {
		parts[i].cov = make([]float64, d*d)
	}
	// Chunks are visited in order within a partition, and each work item
	// of parallel (chunk-sized, hence the partitions*chunk) is one whole
	// partition, which keeps the sum order fixed.
	err := m.parallel(ctx, partitions*chunk, func(sc *scratch, lo, _ int) {
		pi := lo / chunk
		part := &parts[pi]
		v := make([]float64, d)
		for c := pi; c < nChunks; c += partitions {
			if ctx.Err() != nil {
				return
			}
			for _, s := range texts[c*chunk : min((c+1)*chunk, len(texts))] {
				m.t.tokenize(s, sc)
				if len(sc.ids) == 0 {
					continue
				}
				m.sum(p, sc.ids, sc.acc)
				inv := 1 / float64(len(sc.ids))
				for j, x := range sc.acc {
					v[j] = float64(x) * inv
				}
				for r := range d {
					vr := v[r]
					row := part.cov[r*d : (r+1)*d]
					for c2 := r; c2 < d; c2++ {
						row[c2] += vr * v[c2]
					}
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cov := make([]float64, d*d)
	for _, part := range parts {
		for i, x := range part.cov {
			cov[i] += x
		}
	}
	for r := range d {
		for c := 0; c < r; c++ {
			cov[r*d+c] = cov[c*d+r]
		}
	}
	return topEigenvector(cov, d), nil
}

// topEigenvector finds the dominant eigenvector of the symmetric positive
// semi-definite matrix cov by power iteration from the all-ones direction
// (deterministic; averaged word vectors are never orthogonal to it in
// practice), with its sign fixed so its largest entry is positive. It
// returns nil for a zero matrix.
func topEigenvector(cov []float64, d int) []float32 {
	x := make([]float64, d)
	y := make([]float64, d)
	for i := range x {
		x[i] = 1 / math.Sqrt(float64(d))
	}
	for range powerIterations {
		for r := range d {
			var s float64
			for c, v := range cov[r*d : (r+1)*d] {
				s += v * x[c]
			}
			y[r] = s
		}
		n := math.Sqrt(dot64(y, y))
		if !(n > 0) || math.IsInf(n, 0) {
			return nil
		}
		var diff float64
		for i := range y {
			y[i] /= n
			diff += (y[i] - x[i]) * (y[i] - x[i])
		}
		x, y = y, x
		if diff < 1e-24 {
			break
		}
	}
	big := 0
	for i := range x {
		if math.Abs(x[i]) > math.Abs(x[big]) {
			big = i
		}
	}
	sign := 1.0
	if x[big] < 0 {
		sign = -1
	}
	u := make([]float32, d)
	for i := range x {
		u[i] = float32(sign * x[i])
	}
	// Renormalize after rounding to float32, so LoadState's unit check holds.
	embed.Normalize(u)
	return u
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// The state layout (integers little-endian or uvarint):
//
//	magic     6 bytes "PLSIF\x01" (the last byte is the version)
//	vectors   uint32  checksum of the vector file the state belongs to
//	dim       uvarint
//	a, mu     2 × float64
//	total     uvarint corpus tokens
//	n         uvarint words with a count
//	n × (uvarint id gap, uvarint count)
//	comp      byte 0 or 1, then dim × float32 if 1
//	checksum  uint32  CRC-32C of everything before it
const stateMagic = "PLSIF\x01"

// State returns what Fit learned, in a compact, deterministic encoding:
// the same fitted texts give the same bytes. It does not fail; the error is
// there for the [embed.Fitter] interface.
func (m *Model) State() ([]byte, error) {
	p := m.st.Load()
	b := []byte(stateMagic)
	b = binary.LittleEndian.AppendUint32(b, m.t.sum)
	b = binary.AppendUvarint(b, uint64(m.t.dim))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.a))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.mu))
	b = binary.AppendUvarint(b, p.total)
	b = binary.AppendUvarint(b, uint64(len(p.ids)))
	prev := int32(-1)
	for i, id := range p.ids {
		b = binary.AppendUvarint(b, uint64(id-prev-1))
		b = binary.AppendUvarint(b, p.cnts[i])
		prev = id
	}
	if p.comp == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		for _, x := range p.comp {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// LoadState restores a state returned by State, including its SIF
// parameter. It returns an error wrapping [embed.ErrBadState] if b is not
// such a state, is damaged, or belongs to other word vectors; the current
// state is then kept.
func (m *Model) LoadState(b []byte) error {
	p, err := m.decodeState(b)
	if err != nil {
		return fmt.Errorf("load word vector state: %w: %w", embed.ErrBadState, err)
	}
	m.st.Store(p)
	return nil
}

type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("bad %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) fixed(n int, what string) []byte {
	if r.err != nil {
		return make([]byte, n)
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("truncated %s", what)
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (m *Model) decodeState(b []byte) (*params, error) {
	if len(b) < len(stateMagic)+4 || string(b[:len(stateMagic)]) != stateMagic {
		return nil, fmt.Errorf("not a SIF state of this version")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("checksum mismatch")
	}
	r := &stateReader{b: body[len(stateMagic):]}
	if binary.LittleEndian.Uint32(r.fixed(4, "vector checksum")) != m.t.sum {
		return nil, fmt.Errorf("state was fitted with other word vectors")
	}
	if d := r.uvarint("dimension"); r.err == nil && d != uint64(m.t.dim) {
		return nil, fmt.Errorf("dimension %d, want %d", d, m.t.dim)
	}
	a := math.Float64frombits(binary.LittleEndian.Uint64(r.fixed(8, "a")))
	mu := math.Float64frombits(binary.LittleEndian.Uint64(r.fixed(8, "mu")))
	total := r.uvarint("token total")
	n := r.uvarint("word count")
	if r.err != nil {
		return nil, r.err
	}
	if !(a > 0) || math.IsInf(a, 0) || !(mu >= 0) || math.IsInf(mu, 0) {
		return nil, fmt.Errorf("bad parameters a = %v, mu = %v", a, mu)
	}
	if n > uint64(len(m.t.words)) {
		return nil, fmt.Errorf("%d counted words, vocabulary has %d", n, len(m.t.words))
	}
	ids := make([]int32, 0, n)
	cnts := make([]uint64, 0, n)
	id := int64(-1)
	var sum uint64
	for range n {
		gap := r.uvarint("word id")
		c := r.uvarint("word count")
		if r.err != nil {
			return nil, r.err
		}
		id += int64(gap) + 1
		if gap >= uint64(len(m.t.words)) || id >= int64(len(m.t.words)) || c == 0 {
			return nil, fmt.Errorf("bad word id or count")
		}
		sum += c
		if sum < c || sum > total {
			return nil, fmt.Errorf("word counts exceed the token total")
		}
		ids = append(ids, int32(id))
		cnts = append(cnts, c)
	}
	var comp []float32
	switch r.fixed(1, "component flag")[0] {
	case 0:
	case 1:
		raw := r.fixed(4*m.t.dim, "component")
		comp = make([]float32, m.t.dim)
		for i := range comp {
			comp[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		if nn := norm2(comp); !(math.Abs(nn-1) <= 1e-4) {
			return nil, fmt.Errorf("component is not a unit vector")
		}
	default:
		return nil, fmt.Errorf("bad component flag")
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d stray bytes", len(r.b))
	}
	return m.newParams(a, mu, total, ids, cnts, comp), nil
}
