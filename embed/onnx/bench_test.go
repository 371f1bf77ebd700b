package onnx

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/internal/testmodel"
)

// corpusDir is the shared corpus, read (never copied) at run time.
const corpusDir = "../../../shared/corpus/seeds"

// corpusPassages cuts the shared seed reports into passages of about
// words words and collects the most frequent words for a vocabulary.
func corpusPassages(tb testing.TB, words int) (passages, vocab []string) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.txt"))
	if len(files) == 0 {
		tb.Skipf("shared corpus not found at %s", corpusDir)
	}
	freq := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		fields := strings.Fields(string(data))
		for start := 0; start < len(fields); start += words {
			passages = append(passages, strings.Join(fields[start:min(start+words, len(fields))], " "))
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(string(data)), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			freq[w]++
		}
	}
	for w := range freq {
		vocab = append(vocab, w)
	}
	sort.Slice(vocab, func(i, j int) bool {
		if freq[vocab[i]] != freq[vocab[j]] {
			return freq[vocab[i]] > freq[vocab[j]]
		}
		return vocab[i] < vocab[j]
	})
	return passages, vocab
}

// BenchmarkONNXMiniLMArch measures passages per second through a model
// with the architecture of all-MiniLM-L6-v2 (random weights), at batch 32
// and max_seq_length 256, on passages of about 120 words of the corpus,
// with each runtime this binary has: pure Go always, ONNX Runtime under
// -tags ort (make bench-ort).
func BenchmarkONNXMiniLMArch(b *testing.B) {
	if testing.Short() {
		b.Skip("writes and compiles a 90 MB model; skipped in -short")
	}
	passages, words := corpusPassages(b, 120)
	vocab := testmodel.MiniLMVocabulary(words)
	dir := filepath.Join(b.TempDir(), "all-MiniLM-L6-v2-arch")
	start := time.Now()
	if _, err := testmodel.WriteFolder(dir, testmodel.MiniLMArch(1), vocab, testmodel.MiniLMHidden, testmodel.Folder{
		Pooling: PoolMean, Normalize: true, MaxSeqLength: 256,
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated model in %v", time.Since(start))
	runtimes := []string{RuntimeGo}
	if ORTCompiled {
		runtimes = append(runtimes, RuntimeORT)
	}
	for _, rt := range runtimes {
		b.Run(rt, func(b *testing.B) { benchModel(b, dir, rt, passages) })
	}
}

func benchModel(b *testing.B, dir, runtime string, passages []string) {
	start := time.Now()
	m, err := Open(context.Background(), dir, Options{Runtime: runtime})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.Logf("opened model in %v", time.Since(start))

	ctx := context.Background()
	b.Run("passages-batch32", func(b *testing.B) {
		const batch = 32
		tokens := 0
		lens := make([]int, len(passages))
		for i, p := range passages {
			enc, err := m.tok.EncodeSingle(m.sanitize(m.passPre, p), true)
			if err != nil {
				b.Fatal(err)
			}
			lens[i] = min(len(enc.Ids), m.maxLen)
			tokens += lens[i]
		}
		// What the network computes for each call of 32 texts, padding
		// included, as planBatches cuts it.
		padded, calls := 0, 0
		for off := 0; off+batch <= len(passages); off += batch {
			for _, idx := range planBatches(lens[off:off+batch], m.batchSize, m.batchBuckets, m.seqBuckets) {
				longest := 0
				for _, i := range idx {
					longest = max(longest, lens[off+i])
				}
				seq := longest
				for _, s := range m.seqBuckets {
					if s >= longest {
						seq = s
						break
					}
				}
				padded += seq * len(idx)
			}
			calls += batch
		}
		// Compile the graph for the full-batch shapes before timing.
		if _, err := m.Embed(ctx, embed.Passage, passages[:batch]); err != nil {
			b.Fatal(err)
		}
		n := 0
		for i := 0; b.Loop(); i++ {
			off := (i * batch) % max(1, len(passages)-batch)
			if _, err := m.Embed(ctx, embed.Passage, passages[off:off+batch]); err != nil {
				b.Fatal(err)
			}
			n += batch
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "passages/s")
		b.ReportMetric(float64(tokens)/float64(len(passages)), "tokens/passage")
		if calls > 0 {
			b.ReportMetric(float64(padded)/float64(calls), "padded-tokens/passage")
		}
	})
	b.Run("query", func(b *testing.B) {
		q := []string{"Which delegation met the foreign affairs committee in 2019?"}
		if _, err := m.Embed(ctx, embed.Query, q); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := m.Embed(ctx, embed.Query, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
