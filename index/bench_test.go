package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/index/store"
)

// benchVocabulary is what synthetic reports are written from.
var benchVocabulary = strings.Fields(`provincial party committee foreign affairs work conference
	plenary session friendship association delegation cooperation exchange trade port border
	investment tourism culture youth students governor secretary meeting speech opening
	economy development belt road neighbouring countries consular protection sister city`)

// syntheticIndex writes an index of nPassages passages (10 per report)
// with random unit vectors and text, and returns its directory.
func syntheticIndex(b *testing.B, emb embed.Embedder, nPassages int) string {
	b.Helper()
	dir := b.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := st.Lock(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Unlock()
	rng := rand.New(rand.NewPCG(1, 2))
	live := map[string]*store.Doc{}
	const perDoc = 10
	for i := 0; i < nPassages/perDoc; i++ {
		var text strings.Builder
		d := &store.Doc{ID: fmt.Sprintf("report-%06d", i), Title: "Synthetic report " + fmt.Sprint(i), Hash: "h"}
		for j := range perDoc {
			start := text.Len()
			for range 80 {
				text.WriteString(benchVocabulary[rng.IntN(len(benchVocabulary))])
				text.WriteByte(' ')
			}
			text.WriteString(".\n\n")
			v := make([]float32, emb.Dim())
			for k := range v {
				v[k] = float32(rng.NormFloat64())
			}
			d.Passages = append(d.Passages, store.Passage{Anchor: fmt.Sprintf("p-%010x", j), Ord: j, Start: start, End: text.Len() - 3, Vector: embed.Normalize(v)})
		}
		d.Text = text.String()
		for j := range d.Passages {
			d.Passages[j].Clean = d.Text[d.Passages[j].Start:d.Passages[j].End]
		}
		live[d.ID] = d
	}
	_, err = w.Commit(context.Background(), store.Manifest{Format: store.FormatVersion}, store.Change{
		Embedder: emb.Name(), Dim: emb.Dim(), Live: live, Rewrite: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

func BenchmarkSearch(b *testing.B) {
	emb := newCounting(b)
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			ix := openTest(b, syntheticIndex(b, emb, n), emb)
			qs := []string{"border trade and port cooperation", "youth exchange with sister city", "consular protection of investment"}
			for _, mode := range []Mode{ModeHybrid, ModeLexical, ModeVector} {
				b.Run(string(mode), func(b *testing.B) {
					i := 0
					for b.Loop() {
						res, err := ix.Search(context.Background(), Query{Text: qs[i%len(qs)], Mode: mode})
						if err != nil || len(res.Hits) == 0 {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	emb := newCounting(b)
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			dir := syntheticIndex(b, emb, n)
			for b.Loop() {
				ix, err := Open(context.Background(), dir, Options{Embedder: emb})
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
	}
}

// BenchmarkUpdate measures a first build of the test reports, fit
// included.
func BenchmarkUpdate(b *testing.B) {
	emb := newCounting(b)
	reports, more := copyTree(b, "reports"), copyTree(b, "more")
	for b.Loop() {
		b.StopTimer()
		ix, err := Open(context.Background(), b.TempDir(), Options{Embedder: emb})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := ix.Update(context.Background(), []string{reports, more}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
}

// BenchmarkLexicalRebuild measures Open when the lexical index must be
// built from the store (first open after an upgrade, or after it was
// lost or damaged).
func BenchmarkLexicalRebuild(b *testing.B) {
	emb := newCounting(b)
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			dir := syntheticIndex(b, emb, n)
			for b.Loop() {
				b.StopTimer()
				if err := os.RemoveAll(filepath.Join(dir, lexicalDir)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				ix, err := Open(context.Background(), dir, Options{Embedder: emb})
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
	}
}
