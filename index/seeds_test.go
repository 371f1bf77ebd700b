package index

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// seedsDir is the shared corpus of real reports, a sibling of the
// repository in CI.
var seedsDir = filepath.Join("..", "..", "shared", "corpus", "seeds")

// TestSeeds indexes the real seed reports and checks that questions in
// our own words find the report they describe.
func TestSeeds(t *testing.T) {
	if _, err := os.Stat(seedsDir); err != nil {
		t.Skipf("shared seed corpus not found at %s: %v", seedsDir, err)
	}
	ix := openTest(t, t.TempDir(), newCounting(t))
	rep := update(t, ix, seedsDir)
	if rep.Added < 5 || rep.Skipped != 0 {
		t.Fatalf("indexing the seeds: %+v", rep)
	}
	tests := []struct{ q, want string }{
		{"Central Foreign Affairs Work Conference in Beijing with Xi Jinping's speech", "002_8b4324cd1f24d36d"},
		{"Anhui foreign affairs commission conference opened in Hefei", "004_293d459c3e9c25e4"},
		{"Jilin foreign affairs committee: 2025 work report and 2026 work priorities", "003_a46bb6e1a2a4da29"},
		{"executive directors and specially invited directors of the friendship association", "001_d44c4d3e8e1cadb2"},
		{"cross-border e-commerce and port economy", "000_fa7249a3d403bb6b"},
		{"Changchun Winter Universiade", "003_a46bb6e1a2a4da29"},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Query{Text: tc.q, K: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].DocID != tc.want {
				t.Fatalf("top hits %v, want %s first", hitDocs(res.Hits), tc.want)
			}
		})
	}
	for id := range passageIDs(t, ix) {
		d, ps, err := ix.Document(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Title == "" || len(ps) == 0 {
			t.Errorf("seed %s: title %q, %d passages", id, d.Title, len(ps))
		}
		sims, err := ix.Similar(context.Background(), id, 10)
		if err != nil || len(sims) != rep.Added-1 {
			t.Errorf("similar to %s: %d, %v", id, len(sims), err)
		}
	}
}
