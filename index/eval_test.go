package index

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index/chunk"
	"github.com/plenary-search/plenary/index/eval"
)

var evalDataset = flag.String("plenary.eval", "", "name of a dataset under ../../shared/datasets to measure dense retrieval on (slow)")

// TestEval measures document-level dense retrieval (best passage per
// report) on a test collection under several tunings. It runs only when
// asked: go test ./index -run Eval -plenary.eval=time -v
func TestEval(t *testing.T) {
	if *evalDataset == "" {
		t.Skip("no -plenary.eval dataset given")
	}
	dir := filepath.Join("..", "..", "shared", "datasets", *evalDataset)
	ds, err := eval.Load(dir)
	if err != nil {
		t.Skipf("dataset %s: %v", dir, err)
	}
	corpus := filepath.Join(t.TempDir(), "corpus.jsonl")
	b, err := os.ReadFile(ds.CorpusPath())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(corpus, b, 0o644)
	for _, tc := range []struct {
		name string
		tune tuning
	}{
		{"default", tuning{}},
		{"no title", tuning{noTitle: true}},
		{"max 100 words", tuning{chunk: chunk.Options{MaxWords: 100}}},
		{"max 60 words", tuning{chunk: chunk.Options{MinWords: 30, MaxWords: 60}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix, err := Open(context.Background(), t.TempDir(), Options{Embedder: newCounting(t), tuning: tc.tune, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			start := time.Now()
			rep := update(t, ix, corpus)
			took := time.Since(start)
			runs := map[string][]string{}
			start = time.Now()
			for _, q := range ds.Queries {
				res, err := ix.Search(context.Background(), Query{Text: q.Text, K: MaxK, PerDoc: 1})
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range res.Hits {
					runs[q.ID] = append(runs[q.ID], h.DocID)
				}
			}
			m := eval.Score(ds, runs)
			t.Logf("%s %s: nDCG@10 %.3f MAP@100 %.3f R@100 %.3f MRR@10 %.3f (%d docs, %d passages, index %v, %d queries %v)",
				ds.Name, tc.name, m.NDCG10, m.MAP100, m.Recall100, m.MRR10, rep.Added, rep.Passages, took.Round(time.Millisecond), len(ds.Queries), time.Since(start).Round(time.Millisecond))
		})
	}
}
