package wordvec

import (
	"context"
	"testing"

	"github.com/plenary-search/plenary/embed"
)

// BenchmarkEmbedPassages embeds batches of 256 passages of about 100 words,
// the index's unit of work; passages/s is the figure to watch.
func BenchmarkEmbedPassages(b *testing.B) {
	m := newTestModel(b)
	texts := passages(b, 256)
	if err := m.Fit(context.Background(), passages(b, 1000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Embed(context.Background(), embed.Passage, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "passages/s")
}

// BenchmarkEmbedQuery embeds one short question, as a search does.
func BenchmarkEmbedQuery(b *testing.B) {
	m := newTestModel(b)
	if err := m.Fit(context.Background(), passages(b, 1000)); err != nil {
		b.Fatal(err)
	}
	q := []string{"What did the provincial foreign affairs conference decide about Xi Jinping Thought on Diplomacy?"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Embed(context.Background(), embed.Query, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures loading the built-in vectors.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFit fits on 10,000 passages of about 100 words.
func BenchmarkFit(b *testing.B) {
	m := newTestModel(b)
	texts := passages(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Fit(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenize measures reading one 100-word passage.
func BenchmarkTokenize(b *testing.B) {
	m := newTestModel(b)
	text := passages(b, 1)[0]
	sc := newScratch(m.Dim())
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		m.t.tokenize(text, sc)
	}
}
