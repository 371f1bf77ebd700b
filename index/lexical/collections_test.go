package lexical

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plenary-search/plenary/index/eval"
)

// TestCollections indexes small shared test collections (each document as
// one passage) and checks retrieval quality against floors a little below
// what the defaults measured (TIME .759, MEDLINE .694, ADI .508 nDCG@10),
// so a change that hurts ranking fails here.
func TestCollections(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes real collections")
	}
	root := filepath.Join("..", "..", "..", "shared", "datasets")
	floors := map[string]float64{"adi": 0.49, "time": 0.74, "medline": 0.68}
	for name, floor := range floors {
		t.Run(name, func(t *testing.T) {
			ds, err := eval.Load(filepath.Join(root, name))
			if err != nil {
				t.Skipf("shared dataset %s not available: %v", name, err)
			}
			ctx := context.Background()
			var docs []Doc
			err = eval.ReadCorpus(ctx, ds.CorpusPath(), func(d eval.CorpusDoc) error {
				docs = append(docs, Doc{ID: d.ID, DocID: d.ID, Title: d.Title, Text: d.Text})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			x := openWith(t, docs)
			runs, err := eval.Run(ctx, ds, 100, func(ctx context.Context, q string, k int) ([]string, error) {
				hits, err := x.Search(ctx, q, k)
				ids := make([]string, len(hits))
				for i, h := range hits {
					ids[i] = h.DocID
				}
				return ids, err
			})
			if err != nil {
				t.Fatal(err)
			}
			m := eval.Score(ds, runs)
			t.Logf("%s: %+v", name, m)
			if m.NDCG10 < floor {
				t.Errorf("nDCG@10 = %.3f, below %.3f", m.NDCG10, floor)
			}
		})
	}
}
