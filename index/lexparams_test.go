package index

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/index/lexical"
)

// TestLexicalParamsQuality measures BM25F parameters at passage level, in
// lexical and hybrid modes, on one build of each collection. The
// package's defaults (k1 1.2, b 0.6, title boost 2, tuned with one passage
// per document) also scored best here in hybrid mode (mean nDCG@10 .546;
// b 0.4 or 0.75, k1 0.9 or 1.5, title boost 1 or 3: .539-.544):
//
//	go test ./index -run TestLexicalParamsQuality -plenary.quality=all -v
func TestLexicalParamsQuality(t *testing.T) {
	if *qualitySets == "" {
		t.Skip("no -plenary.quality datasets given")
	}
	names := strings.Split(*qualitySets, ",")
	if *qualitySets == "all" {
		names = judged
	}
	type params struct{ k1, b, title float64 }
	grid := []params{{1.2, 0.6, 2}, {1.2, 0.75, 2}, {1.2, 0.4, 2}, {0.9, 0.6, 2}, {1.5, 0.6, 2}, {1.2, 0.6, 1}, {1.2, 0.6, 3}}
	sums := map[string]float64{}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ds := sharedDataset(t, name)
			ix := buildDataset(t, ds)
			for _, p := range grid {
				x, err := lexical.OpenMemory(lexical.WithBM25(p.k1, p.b), lexical.WithTitleBoost(p.title))
				if err != nil {
					t.Fatal(err)
				}
				if err := ix.syncLexical(context.Background(), x); err != nil {
					t.Fatal(err)
				}
				ix.mu.Lock()
				old := ix.lex
				ix.lex = x
				ix.mu.Unlock()
				if old != nil {
					if err := old.Close(); err != nil {
						t.Fatal(err)
					}
				}
				for _, mode := range []Mode{ModeLexical, ModeHybrid} {
					m := measure(t, ix, ds, mode)
					key := fmt.Sprintf("k1=%.1f b=%.2f title=%.0f %s", p.k1, p.b, p.title, mode)
					sums[key] += m.NDCG10
					t.Logf("RESULT %-10s %-32s nDCG@10 %.3f", name, key, m.NDCG10)
				}
			}
		})
	}
	for _, k := range slices.Sorted(maps.Keys(sums)) {
		t.Logf("MEAN %-32s %.3f", k, sums[k]/float64(len(names)))
	}
}
