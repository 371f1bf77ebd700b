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
	"github.com/plenary-search/plenary/index/corpusgen"
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
			skipLarge(b, n)
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
			skipLarge(b, n)
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
			skipLarge(b, n)
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

// skipLarge skips benchmarks at more than 10,000 passages under -short:
// building them takes minutes.
func skipLarge(b *testing.B, n int) {
	b.Helper()
	if n > 10000 && testing.Short() {
		b.Skip("more than 10,000 passages take minutes to build; run without -short")
	}
}

// benchSentences returns the sentences synthetic reports are sampled
// from: news transcripts from ../shared when it is there, else the
// generator's own small fixture.
func benchSentences(b *testing.B) []string {
	b.Helper()
	var paths []string
	for _, name := range []string{"fmprc_pressconf", "interpret_china"} {
		p := filepath.Join("..", "..", "shared", "datasets", name, "corpus.jsonl")
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		b.Log("../shared is absent: sampling the generator's fixture sentences")
		paths = []string{filepath.Join("corpusgen", "testdata", "sentences.txt")}
	}
	s, err := corpusgen.LoadSentences(paths, 0)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// writeCorpus writes a JSONL file of synthetic reports holding about
// passages passages and returns its path.
func writeCorpus(b *testing.B, g *corpusgen.Generator, dir string, passages int) string {
	b.Helper()
	path := filepath.Join(dir, "corpus.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := g.WriteJSONL(f, max(passages/g.PassagesPerReport(), 1)); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// dirSize is the bytes held by the files under dir.
func dirSize(b *testing.B, dir string) int64 {
	b.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkScale measures, at 1,000, 10,000 and 100,000 passages of
// synthetic reports written from real sentences, what docs/performance.md
// reports: a first build through the whole pipeline (read, clean, split,
// fit, embed, store, lexical index), re-indexing the unchanged corpus,
// adding one report, opening the index, the first search after opening,
// and searches in each mode. The 100,000 scale takes minutes and is
// skipped with -short. Each figure is per operation; build rates are
// also reported as passages/s.
func BenchmarkScale(b *testing.B) {
	g, err := corpusgen.New(benchSentences(b), corpusgen.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	questions := []string{
		"border trade and port cooperation with neighbouring countries",
		"youth exchange with a sister city",
		"consular protection of citizens abroad",
		"what did the spokesperson say about the visit of the foreign minister",
		"climate change cooperation",
		"sanctions",
	}
	ctx := context.Background()
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			skipLarge(b, n)
			emb := newCounting(b)
			corpus := writeCorpus(b, g, b.TempDir(), n)
			// Under the outer benchmark's folder: a sub-benchmark's own
			// is removed when it ends.
			root := b.TempDir()
			var dir string
			b.Run("build", func(b *testing.B) {
				var passages int
				for b.Loop() {
					dir, err = os.MkdirTemp(root, "data")
					if err != nil {
						b.Fatal(err)
					}
					ix, err := Open(ctx, dir, Options{Embedder: emb})
					if err != nil {
						b.Fatal(err)
					}
					rep, err := ix.Update(ctx, []string{corpus}, UpdateOptions{})
					if err != nil {
						b.Fatal(err)
					}
					passages = rep.Passages
					if err := ix.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(passages)*float64(b.N)/b.Elapsed().Seconds(), "passages/s")
				b.ReportMetric(float64(passages), "passages")
			})
			if dir == "" {
				b.Fatal("no index was built")
			}
			ix := openTest(b, dir, emb)
			b.Run("reindex-unchanged", func(b *testing.B) {
				for b.Loop() {
					rep, err := ix.Update(ctx, []string{corpus}, UpdateOptions{})
					if err != nil || rep.Added+rep.Changed+rep.Removed != 0 {
						b.Fatalf("%+v, %v", rep, err)
					}
				}
			})
			b.Run("add-one-report", func(b *testing.B) {
				extra := b.TempDir()
				before := dirSize(b, dir)
				i := 0
				for b.Loop() {
					b.StopTimer()
					r := g.Report(10_000_000 + i)
					name := filepath.Join(extra, r.ID+".txt")
					if err := os.WriteFile(name, []byte(r.Text), 0o644); err != nil {
						b.Fatal(err)
					}
					i++
					b.StartTimer()
					rep, err := ix.Update(ctx, []string{corpus, extra}, UpdateOptions{})
					if err != nil || rep.Added != 1 {
						b.Fatalf("%+v, %v", rep, err)
					}
				}
				// What the data directory grew by per report added,
				// segments and lexical index included (merges can make
				// it shrink).
				b.ReportMetric(float64(dirSize(b, dir)-before)/float64(b.N), "disk-bytes/op")
			})
			ix.Close()
			b.Run("open", func(b *testing.B) {
				for b.Loop() {
					ix, err := Open(ctx, dir, Options{Embedder: emb})
					if err != nil {
						b.Fatal(err)
					}
					ix.Close()
				}
			})
			b.Run("open+first-search", func(b *testing.B) {
				for b.Loop() {
					ix, err := Open(ctx, dir, Options{Embedder: emb, Logger: testLogger(b)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := ix.Search(ctx, Query{Text: questions[0]}); err != nil {
						b.Fatal(err)
					}
					ix.Close()
				}
			})
			ix = openTest(b, dir, emb)
			b.Run("embed-query", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := ix.embedOne(ctx, embed.Query, questions[i%len(questions)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			for _, mode := range []Mode{ModeHybrid, ModeLexical, ModeVector} {
				b.Run("search/"+string(mode), func(b *testing.B) {
					i := 0
					for b.Loop() {
						if _, err := ix.Search(ctx, Query{Text: questions[i%len(questions)], Mode: mode}); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
			// The retrievers and fusion alone, without snippets.
			b.Run("rank/hybrid", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := ix.search(ctx, questions[i%len(questions)], ModeHybrid, DefaultK, DefaultPerDoc, true); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}
