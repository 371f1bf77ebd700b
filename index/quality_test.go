package index

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index/eval"
)

var qualitySets = flag.String("plenary.quality", "",
	`comma-separated datasets under ../../shared/datasets (or "all") to measure every mode and fusion setting on (slow)`)

// judged are the shared collections with queries and judgments.
var judged = []string{"time", "medline", "cisi", "cranfield", "cacm", "scifact", "adi", "npl", "lisa"}

// sharedDataset loads ../../shared/datasets/name, skipping the test when
// it is absent.
func sharedDataset(t *testing.T, name string) *eval.Dataset {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "datasets", name)
	ds, err := eval.Load(dir)
	if err != nil {
		t.Skipf("shared dataset %s not available: %v", name, err)
	}
	return ds
}

// buildDataset indexes a dataset's corpus through the whole pipeline
// (ingest JSONL, clean, chunk, embed, store, lexical index).
func buildDataset(t *testing.T, ds *eval.Dataset) *Index {
	t.Helper()
	ix := openTest(t, t.TempDir(), newCounting(t))
	start := time.Now()
	rep := update(t, ix, ds.CorpusPath())
	t.Logf("%s: %d reports, %d passages, indexed in %v", ds.Name, rep.Added, rep.Passages, time.Since(start).Round(time.Millisecond))
	return ix
}

// measure ranks every query's reports in mode and scores the runs.
func measure(t *testing.T, ix *Index, ds *eval.Dataset, mode Mode) eval.Metrics {
	t.Helper()
	runs, err := eval.Run(context.Background(), ds, MaxK, func(ctx context.Context, q string, k int) ([]string, error) {
		return ix.RankDocuments(ctx, q, mode, k)
	})
	if err != nil {
		t.Fatalf("%s %s: %v", ds.Name, mode, err)
	}
	return eval.Score(ds, runs)
}

// TestQuality checks document-level retrieval on two small shared
// collections against floors a little below what each mode measured (ADI
// lexical .508, vector .426, hybrid .547; TIME .710, .481, .721 nDCG@10),
// so that a change that hurts ranking fails here.
func TestQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes shared collections")
	}
	floors := map[string]map[Mode]float64{
		"adi":  {ModeLexical: 0.49, ModeVector: 0.41, ModeHybrid: 0.53},
		"time": {ModeLexical: 0.70, ModeVector: 0.47, ModeHybrid: 0.71},
	}
	for _, name := range []string{"adi", "time"} {
		t.Run(name, func(t *testing.T) {
			ds := sharedDataset(t, name)
			ix := buildDataset(t, ds)
			for _, mode := range []Mode{ModeLexical, ModeVector, ModeHybrid} {
				m := measure(t, ix, ds, mode)
				t.Logf("%s %s: nDCG@10 %.3f MAP@100 %.3f R@100 %.3f MRR@10 %.3f", name, mode, m.NDCG10, m.MAP100, m.Recall100, m.MRR10)
				if floor := floors[name][mode]; m.NDCG10 < floor {
					t.Errorf("%s %s: nDCG@10 %.3f, below %.3f", name, mode, m.NDCG10, floor)
				}
			}
		})
	}
}

// TestCollectionsQuality measures lexical, vector and every hybrid
// setting under evaluation on the shared collections, each indexed once:
//
//	go test ./index -run TestCollectionsQuality -plenary.quality=all -v -timeout 2h
func TestCollectionsQuality(t *testing.T) {
	if *qualitySets == "" {
		t.Skip("no -plenary.quality datasets given")
	}
	names := strings.Split(*qualitySets, ",")
	if *qualitySets == "all" {
		names = judged
	}
	type variant struct {
		name string
		mode Mode
		f    fusion
	}
	blend := func(w float64, minMax bool) fusion {
		return fusion{method: fuseBlend, lexWeight: w, minMax: minMax, depth: candidateDepth}
	}
	rrf := func(w, k float64) fusion {
		return fusion{method: fuseRRF, lexWeight: w, rrfK: k, depth: candidateDepth}
	}
	variants := []variant{
		{"lexical", ModeLexical, shippedFusion()},
		{"vector", ModeVector, shippedFusion()},
		{"hybrid (shipped)", ModeHybrid, shippedFusion()},
	}
	for _, w := range []float64{0.85, 0.8} {
		variants = append(variants, variant{fmt.Sprintf("blend w=%.2f", w), ModeHybrid, blend(w, false)})
	}
	for _, w := range []float64{0.9, 0.85, 0.8, 0.75} {
		variants = append(variants, variant{fmt.Sprintf("blend minmax w=%.2f", w), ModeHybrid, blend(w, true)})
	}
	for _, w := range []float64{0.9, 0.85, 0.8} {
		f := blend(w, true)
		f.rerank = true
		variants = append(variants, variant{fmt.Sprintf("rerank minmax w=%.2f", w), ModeHybrid, f})
	}
	f := blend(0.8, false)
	f.rerank = true
	variants = append(variants, variant{"rerank w=0.80", ModeHybrid, f})
	variants = append(variants, variant{"rrf k=60 w=0.80", ModeHybrid, rrf(0.8, 60)})
	sums := make([]float64, len(variants))
	n := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ds := sharedDataset(t, name)
			ix := buildDataset(t, ds)
			n++
			for i, v := range variants {
				ix.fuse = v.f
				start := time.Now()
				m := measure(t, ix, ds, v.mode)
				sums[i] += m.NDCG10
				t.Logf("RESULT %-10s %-22s nDCG@10 %.3f MAP@100 %.3f R@100 %.3f MRR@10 %.3f (%v)",
					name, v.name, m.NDCG10, m.MAP100, m.Recall100, m.MRR10, time.Since(start).Round(time.Millisecond))
			}
		})
	}
	for i, v := range variants {
		t.Logf("MEAN %-22s nDCG@10 %.3f over %d collections", v.name, sums[i]/float64(max(n, 1)), n)
	}
}
