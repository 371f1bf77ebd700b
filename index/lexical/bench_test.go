package lexical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// syntheticPassages makes n passages of about 120 words drawn from a
// Zipf distribution over a made-up vocabulary, so that postings lists
// have the skew of real text: a few very common terms, a long tail.
func syntheticPassages(tb testing.TB, n int) ([]Doc, []string) {
	tb.Helper()
	syll := []string{"ka", "lo", "mi", "ren", "tu", "sha", "vo", "din", "pe", "gor", "ul", "zan"}
	vocab := make([]string, 0, len(syll)*len(syll)*len(syll))
	for _, a := range syll {
		for _, b := range syll {
			for _, c := range syll {
				vocab = append(vocab, a+b+c)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	docs := make([]Doc, n)
	var sb strings.Builder
	for i := range docs {
		sb.Reset()
		for range 100 + r.IntN(40) {
			sb.WriteString(vocab[z.Uint64()])
			sb.WriteByte(' ')
		}
		d := fmt.Sprintf("doc-%d", i/8)
		docs[i] = Doc{ID: fmt.Sprintf("%s#p-%04d", d, i%8), DocID: d, Title: vocab[z.Uint64()] + " " + vocab[z.Uint64()], Text: sb.String()}
	}
	queries := make([]string, 64)
	for i := range queries {
		queries[i] = vocab[z.Uint64()] + " " + vocab[z.Uint64()] + " " + vocab[50+r.IntN(500)] + " " + vocab[r.IntN(len(vocab))]
	}
	return docs, queries
}

func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if n > 10000 && testing.Short() {
				b.Skip("building 100k passages takes about a minute")
			}
			docs, queries := syntheticPassages(b, n)
			x, err := Open(filepath.Join(b.TempDir(), "lexical"))
			if err != nil {
				b.Fatal(err)
			}
			defer x.Close()
			if err := x.Apply(context.Background(), docs, nil, 1); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if _, err := x.Search(ctx, queries[i%len(queries)], 100); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	docs, _ := syntheticPassages(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		x, err := Open(filepath.Join(b.TempDir(), "lexical"))
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Apply(ctx, docs, nil, 1); err != nil {
			b.Fatal(err)
		}
		if err := x.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
