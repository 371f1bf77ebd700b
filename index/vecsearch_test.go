package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/store"
)

// randomView builds a view of rows random unit vectors of dimension dim,
// perDoc passages per report; every seventh report has a zero vector,
// which must never be retrieved.
func randomView(t testing.TB, rows, dim int, seed uint64) *view {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	v := &view{docs: map[string]*store.Doc{}, pass: map[string]passRef{}}
	v.man.Generation = 1
	const perDoc = 3
	for i := 0; v.nPass < rows; i++ {
		d := &store.Doc{ID: fmt.Sprintf("doc-%05d", i)}
		for j := 0; j < perDoc && v.nPass < rows; j++ {
			vec := make([]float32, dim)
			if (i*perDoc+j)%7 != 3 {
				for k := range vec {
					vec[k] = float32(rng.NormFloat64())
				}
				// Some rows are left unnormalized, as a hand-made
				// record could be.
				if j != 1 {
					embed.Normalize(vec)
				}
			}
			d.Passages = append(d.Passages, store.Passage{Anchor: fmt.Sprintf("p-%d", j), Ord: j, Vector: vec})
			v.pass[passageID(d.ID, d.Passages[j].Anchor)] = passRef{doc: d, ord: j}
			v.nPass++
		}
		v.docs[d.ID] = d
	}
	return v
}

// exactRanking is the reference: every non-zero passage's cosine to qv in
// float64, best first, ties by ID.
func exactRanking(v *view, qv []float32) []chromemResult {
	var out []chromemResult
	for _, d := range v.docs {
		for _, p := range d.Passages {
			if isZero(p.Vector) {
				continue
			}
			var dotp, norm float64
			for k := range p.Vector {
				dotp += float64(qv[k]) * float64(p.Vector[k])
				norm += float64(p.Vector[k]) * float64(p.Vector[k])
			}
			out = append(out, chromemResult{id: passageID(d.ID, p.Anchor), sim: dotp / math.Sqrt(norm)})
		}
	}
	slices.SortFunc(out, func(a, b chromemResult) int {
		if c := cmp.Compare(b.sim, a.sim); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return out
}

func TestVectorMatrixSearch(t *testing.T) {
	tests := []struct {
		rows, dim, n int
	}{
		{rows: 1, dim: 4, n: 10},
		{rows: 50, dim: 3, n: 10},
		{rows: 50, dim: 100, n: 50},
		{rows: 500, dim: 7, n: 1},
		{rows: 20000, dim: 100, n: 200}, // more than one worker
		{rows: 20001, dim: 33, n: 5000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("rows=%d/dim=%d/n=%d", tt.rows, tt.dim, tt.n), func(t *testing.T) {
			v := randomView(t, tt.rows, tt.dim, uint64(tt.rows))
			qv := make([]float32, tt.dim)
			rng := rand.New(rand.NewPCG(3, uint64(tt.dim)))
			for k := range qv {
				qv[k] = float32(rng.NormFloat64())
			}
			embed.Normalize(qv)
			m := newVectorMatrix(v, tt.dim)
			got, err := m.search(context.Background(), qv, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			want := exactRanking(v, qv)
			want = want[:min(tt.n, len(want))]
			if len(got) != len(want) {
				t.Fatalf("got %d hits, want %d", len(got), len(want))
			}
			truth := map[string]float64{}
			for _, r := range exactRanking(v, qv) {
				truth[r.id] = r.sim
			}
			seen := map[string]bool{}
			for i, g := range got {
				// Summation order differs from the reference, so
				// compare similarities, not which of two near-equal
				// passages comes first.
				if math.Abs(g.sim-want[i].sim) > 1e-5 {
					t.Fatalf("hit %d: similarity %v, want %v", i, g.sim, want[i].sim)
				}
				if s, ok := truth[g.id]; !ok || math.Abs(s-g.sim) > 1e-5 {
					t.Fatalf("hit %d: %s reported %v, its cosine is %v (known %v)", i, g.id, g.sim, s, ok)
				}
				if seen[g.id] {
					t.Fatalf("hit %d: %s returned twice", i, g.id)
				}
				seen[g.id] = true
				if i > 0 && g.sim > got[i-1].sim {
					t.Fatalf("hit %d out of order: %v after %v", i, g.sim, got[i-1].sim)
				}
			}
		})
	}
}

func TestVectorMatrixEdgeCases(t *testing.T) {
	v := randomView(t, 30, 8, 1)
	m := newVectorMatrix(v, 8)
	qv := embed.Normalize([]float32{1, 2, 3, 4, 5, 6, 7, 8})
	tests := []struct {
		name string
		qv   []float32
		n    int
		want int
	}{
		{"no hits wanted", qv, 0, 0},
		{"negative n", qv, -3, 0},
		{"question of another dimension", qv[:5], 10, 0},
		{"more than there are", qv, 1000, len(m.refs)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.search(context.Background(), tt.qv, tt.n)
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d hits, %v; want %d", len(got), err, tt.want)
			}
		})
	}
	// 30 passages, every seventh vector zero: those four are left out.
	if len(m.refs) != 26 {
		t.Errorf("matrix holds %d rows, want 26", len(m.refs))
	}
	empty := newVectorMatrix(&view{docs: map[string]*store.Doc{}}, 8)
	if got, err := empty.search(context.Background(), qv, 10); err != nil || len(got) != 0 {
		t.Errorf("empty matrix: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.search(ctx, qv, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v, want context.Canceled", err)
	}
}

func TestVectorCacheFollowsGenerations(t *testing.T) {
	v := randomView(t, 10, 4, 2)
	var c vectorCache
	m1 := c.matrix(v, 4)
	if m2 := c.matrix(v, 4); m2 != m1 {
		t.Error("same view and generation: matrix rebuilt")
	}
	v.man.Generation++
	if m3 := c.matrix(v, 4); m3 == m1 {
		t.Error("new generation: stale matrix returned")
	}
	other := randomView(t, 10, 4, 2)
	other.man.Generation = v.man.Generation
	if m4 := c.matrix(other, 4); m4.v != other {
		t.Error("new view: stale matrix returned")
	}
}

// TestVectorSearchMatchesChromem checks that the matrix answers every mode
// as chromem-go's own query did, and follows updates made in place.
func TestVectorSearchMatchesChromem(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"))
	ctx := context.Background()
	questions := []string{"border trade with neighbouring countries", "friendship association delegation", "glaciers"}
	compare := func(t *testing.T) {
		t.Helper()
		for _, q := range questions {
			for _, mode := range []Mode{ModeVector, ModeHybrid} {
				matrix, err := ix.Search(ctx, Query{Text: q, Mode: mode, K: 20, PerDoc: -1})
				if err != nil {
					t.Fatal(err)
				}
				shipped := ix.fuse
				ix.fuse.vectors = nil
				chromem, err := ix.Search(ctx, Query{Text: q, Mode: mode, K: 20, PerDoc: -1})
				ix.fuse = shipped
				if err != nil {
					t.Fatal(err)
				}
				if len(matrix.Hits) == 0 || len(matrix.Hits) != len(chromem.Hits) {
					t.Fatalf("%s %q: %d hits with the matrix, %d with chromem-go", mode, q, len(matrix.Hits), len(chromem.Hits))
				}
				for i := range matrix.Hits {
					a, b := matrix.Hits[i], chromem.Hits[i]
					if math.Abs(a.Score-b.Score) > 1e-5 {
						t.Errorf("%s %q hit %d: score %v (%s) with the matrix, %v (%s) with chromem-go", mode, q, i, a.Score, a.ID, b.Score, b.ID)
					}
				}
			}
		}
	}
	t.Run("first build", compare)
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	t.Run("after an update in place", compare)
	found := false
	res, err := ix.Search(ctx, Query{Text: "mountain pass border port Tibet", Mode: ModeVector, K: 20, PerDoc: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		found = found || h.DocID == "tibet-border"
	}
	if !found {
		t.Errorf("report added by the update not found by the vector side: %v", hitDocs(res.Hits))
	}
}

func BenchmarkVectorMatrix(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		v := randomView(b, n, 100, 9)
		m := newVectorMatrix(v, 100)
		qv := embed.Normalize(append([]float32(nil), v.docs["doc-00000"].Passages[0].Vector...))
		b.Run(fmt.Sprintf("passages=%d/matrix", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := m.search(context.Background(), qv, candidateDepth); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("passages=%d/build", n), func(b *testing.B) {
			for b.Loop() {
				newVectorMatrix(v, 100)
			}
		})
	}
}
