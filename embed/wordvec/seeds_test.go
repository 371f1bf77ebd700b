package wordvec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/embed"
)

// seedsDir holds real scraped meeting reports, a sibling of the repository.
const seedsDir = "../../../shared/corpus/seeds"

// TestSeedReports reads the real reports (noisy, with glued sentences and
// page furniture), fits on their paragraphs, and checks that paraphrased
// questions, which share few words with the reports, find a paragraph of
// the right report first. (Questions that hinge on a place name, such as
// Anhui against Yunnan, are not asked: GloVe puts Chinese provinces close
// together, and telling them apart is the lexical index's job.)
func TestSeedReports(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(seedsDir, "*.txt"))
	if len(files) == 0 {
		t.Skipf("no seed reports in %s", seedsDir)
	}
	var paras, from []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for p := range strings.SplitSeq(string(b), "\n\n") {
			if len(strings.Fields(p)) >= 5 {
				paras = append(paras, p)
				from = append(from, filepath.Base(f)[:3])
			}
		}
	}
	m := newTestModel(t)
	ctx := context.Background()
	if err := m.Fit(ctx, paras); err != nil {
		t.Fatal(err)
	}
	vecs, err := m.Embed(ctx, embed.Passage, paras)
	if err != nil {
		t.Fatal(err)
	}
	checkUnit(t, vecs, m.Dim())
	tests := []struct{ query, want string }{
		{"directors of the friendship association exchanged views on their work", "001"},
		{"guarding against imported cases of the epidemic", "004"},
		{"the general secretary's address at the national diplomacy conference in Beijing", "002"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			q, err := m.Embed(ctx, embed.Query, []string{tc.query})
			if err != nil {
				t.Fatal(err)
			}
			best := nearest(q[0], vecs)
			if from[best] != tc.want {
				t.Errorf("top paragraph is from report %s, want %s: %.120q", from[best], tc.want, paras[best])
			}
		})
	}
}
