package onnx

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/internal/testmodel"
)

const toyHidden = 8

// writeToy writes the toy model into a fresh folder named name.
func writeToy(t *testing.T, name string, f testmodel.Folder) (string, *testmodel.Toy) {
	t.Helper()
	toy := testmodel.NewToy(7, toyHidden)
	dir := filepath.Join(t.TempDir(), name)
	if _, err := testmodel.WriteFolder(dir, toy.ONNX(), toy.Vocab, toyHidden, f); err != nil {
		t.Fatal(err)
	}
	return dir, toy
}

func openToy(t *testing.T, dir string, opts Options) *Model {
	t.Helper()
	m, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// toyIDs tokenizes the way the toy tokenizer.json does for words that are
// all in its vocabulary: lower-case, split on spaces and punctuation.
func toyIDs(t *testing.T, toy *testmodel.Toy, text string) []int {
	t.Helper()
	index := map[string]int{}
	for i, w := range toy.Vocab {
		index[w] = i
	}
	ids := []int{testmodel.ClsID}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		id, ok := index[w]
		if !ok {
			t.Fatalf("word %q not in toy vocabulary", w)
		}
		ids = append(ids, id)
	}
	return append(ids, testmodel.SepID)
}

func reference(t *testing.T, toy *testmodel.Toy, text, pooling string) []float32 {
	t.Helper()
	ids := toyIDs(t, toy, text)
	h := toy.Forward(ids, make([]int, len(ids)))
	mask := make([]uint32, len(ids))
	for i := range mask {
		mask[i] = 1
	}
	v, err := pool(pooling, h, mask)
	if err != nil {
		t.Fatal(err)
	}
	return embed.Normalize(v)
}

func assertClose(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("len = %d, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-4 {
			t.Fatalf("component %d = %v, want %v\ngot  %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}

func assertUnit(t *testing.T, v []float32) {
	t.Helper()
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if math.Abs(s-1) > 1e-4 {
		t.Fatalf("squared norm = %v, want 1", s)
	}
}

func TestEmbedMatchesReference(t *testing.T) {
	texts := []string{
		"the plenary session",
		"china met the foreign affairs minister",
		"friendship association delegation visit",
	}
	for _, pooling := range []string{PoolMean, PoolCLS, PoolMax, PoolLast} {
		t.Run(pooling, func(t *testing.T) {
			dir, toy := writeToy(t, "toy-"+pooling, testmodel.Folder{Pooling: pooling})
			m := openToy(t, dir, Options{})
			if m.Pooling() != pooling {
				t.Fatalf("Pooling() = %q, want %q from 1_Pooling/config.json", m.Pooling(), pooling)
			}
			if m.Dim() != toyHidden {
				t.Fatalf("Dim() = %d, want %d", m.Dim(), toyHidden)
			}
			got, err := m.Embed(context.Background(), embed.Passage, texts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(texts) {
				t.Fatalf("got %d vectors, want %d", len(got), len(texts))
			}
			for i, text := range texts {
				assertUnit(t, got[i])
				assertClose(t, got[i], reference(t, toy, text, pooling))
			}
		})
	}
}

func TestEmbedEdgeCases(t *testing.T) {
	dir, toy := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean})
	m := openToy(t, dir, Options{BatchSize: 2})
	ctx := context.Background()

	t.Run("empty batch", func(t *testing.T) {
		for _, in := range [][]string{nil, {}} {
			got, err := m.Embed(ctx, embed.Passage, in)
			if err != nil || got == nil || len(got) != 0 {
				t.Fatalf("Embed(%v) = %v, %v; want empty, nil", in, got, err)
			}
		}
	})
	t.Run("odd inputs give unit vectors", func(t *testing.T) {
		in := []string{"", "   ", "\xff\xfe invalid utf8 \xc3", "\x00\x01\x02", strings.Repeat("minister ", 5000), "日本語 テキスト", "🙂"}
		got, err := m.Embed(ctx, embed.Passage, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(in) {
			t.Fatalf("%d vectors for %d texts", len(got), len(in))
		}
		for _, v := range got {
			assertUnit(t, v)
		}
	})
	t.Run("batching and padding do not change vectors", func(t *testing.T) {
		texts := []string{"china", "the delegation of the foreign affairs minister met the plenary session", "talks", "two countries", "visit"}
		together, err := m.Embed(ctx, embed.Passage, texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range texts {
			alone, err := m.Embed(ctx, embed.Passage, []string{text})
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, together[i], alone[0])
			assertClose(t, alone[0], reference(t, toy, text, PoolMean))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := m.Embed(cctx, embed.Passage, []string{"china"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		want, err := m.Embed(ctx, embed.Query, []string{"vice president"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				got, err := m.Embed(ctx, embed.Query, []string{"vice president", "congress"})
				if err != nil {
					errs <- err
					return
				}
				for k := range got[0] {
					if math.Abs(float64(got[0][k]-want[0][k])) > 1e-5 {
						errs <- errors.New("concurrent result differs")
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}

func TestTruncation(t *testing.T) {
	dir, toy := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean, MaxSeqLength: 5})
	m := openToy(t, dir, Options{})
	if m.MaxLength() != 5 {
		t.Fatalf("MaxLength() = %d, want 5 from sentence_bert_config.json", m.MaxLength())
	}
	got, err := m.Embed(context.Background(), embed.Passage, []string{"china met the foreign affairs minister"})
	if err != nil {
		t.Fatal(err)
	}
	// [CLS] china met the [SEP]: the end is cut, [SEP] kept.
	ids := toyIDs(t, toy, "china met the")
	h := toy.Forward(ids, make([]int, len(ids)))
	v, _ := pool(PoolMean, h, nil)
	assertClose(t, got[0], embed.Normalize(v))

	m2 := openToy(t, dir, Options{MaxLength: 4})
	if m2.MaxLength() != 4 || !strings.HasSuffix(m2.Name(), ",max=4") {
		t.Fatalf("MaxLength() = %d, Name() = %q", m2.MaxLength(), m2.Name())
	}
}

func TestPrefixFamilies(t *testing.T) {
	for _, tc := range []struct {
		folder, family string
		query, passage string
		nameSuffix     string
	}{
		{"toy-e5-small-v2", "", "query: ", "passage: ", ""},
		{"multilingual-e5-base", "", "query: ", "passage: ", ""},
		{"bge-small-en-v1.5", "", "Represent this sentence for searching relevant passages: ", "", ""},
		{"nomic-embed-text-v1.5", "", "search_query: ", "search_document: ", ""},
		{"all-MiniLM-L6-v2", "", "", "", ""},
		{"e5cellent-model", "", "", "", ""},
		{"all-MiniLM-L6-v2", FamilyE5, "query: ", "passage: ", ",prefix=e5"},
		{"bge-small-en-v1.5", FamilyNone, "", "", ",prefix=none"},
	} {
		t.Run(tc.folder+"/"+tc.family, func(t *testing.T) {
			dir, toy := writeToy(t, tc.folder, testmodel.Folder{Pooling: PoolMean})
			m := openToy(t, dir, Options{Family: tc.family})
			q, p := m.Prefixes()
			if q != tc.query || p != tc.passage {
				t.Fatalf("Prefixes() = %q, %q; want %q, %q", q, p, tc.query, tc.passage)
			}
			if base := "onnx:" + tc.folder + "@sha256:"; !strings.HasPrefix(m.Name(), base) ||
				!strings.HasSuffix(m.Name(), tc.nameSuffix) || len(m.Name()) != len(base)+12+len(tc.nameSuffix) {
				t.Fatalf("Name() = %q", m.Name())
			}
			// The prefix really reaches the model (the toy vocabulary has
			// the words of every prefix).
			text := "china met the minister"
			got, err := m.Embed(context.Background(), embed.Query, []string{text})
			if err != nil {
				t.Fatal(err)
			}
			want := reference(t, toy, strings.NewReplacer(":", " :", "_", " _ ").Replace(q)+text, PoolMean)
			assertClose(t, got[0], want)
		})
	}
	if _, err := Open(context.Background(), t.TempDir(), Options{Family: "gte"}); err == nil {
		t.Fatal("unknown family accepted")
	}
}

func TestOpenErrors(t *testing.T) {
	good, _ := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean})
	for _, tc := range []struct {
		name   string
		break_ func(t *testing.T, dir string)
		opts   Options
		want   string
	}{
		{"no tokenizer", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, "tokenizer.json"))) }, Options{}, "no tokenizer.json"},
		{"no model", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, "model.onnx"))) }, Options{}, "neither onnx/model.onnx nor model.onnx"},
		{"garbage model", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "model.onnx"), []byte("not a protobuf at all"), 0o644))
		}, Options{}, "load onnx model"},
		{"garbage tokenizer", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{"model":{"type":"WordPiece","vocab":42}}`), 0o644))
		}, Options{}, "tokenizer"},
		{"bad config", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{`), 0o644))
		}, Options{}, "parse"},
		{"bad pooling option", nil, Options{Pooling: "median"}, "unknown pooling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			must(t, os.CopyFS(dir, os.DirFS(good)))
			if tc.break_ != nil {
				tc.break_(t, dir)
			}
			_, err := Open(context.Background(), dir, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestClose(t *testing.T) {
	dir, _ := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean, ONNXSubdir: true})
	m, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := m.Embed(context.Background(), embed.Passage, []string{"china"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Embed after Close: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzEmbed checks that no text makes the tokenizer or the model fail.
func FuzzEmbed(f *testing.F) {
	for _, s := range []string{"", "china", "\xff", "query: x", "[CLS] [SEP] [PAD]", "a\u0000b", strings.Repeat("x", 300), "İstanbul ÀÉÎ", "中文字 china", "a\u200db\u00ad"} {
		f.Add(s)
	}
	toy := testmodel.NewToy(7, toyHidden)
	dir := filepath.Join(f.TempDir(), "toy")
	if _, err := testmodel.WriteFolder(dir, toy.ONNX(), toy.Vocab, toyHidden, testmodel.Folder{Pooling: PoolMean, MaxSeqLength: 16}); err != nil {
		f.Fatal(err)
	}
	m, err := Open(context.Background(), dir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = m.Close() })
	f.Fuzz(func(t *testing.T, s string) {
		got, err := m.Embed(context.Background(), embed.Passage, []string{s, "china"})
		if err != nil {
			t.Fatalf("Embed(%q): %v", s, err)
		}
		if len(got) != 2 || len(got[0]) != toyHidden {
			t.Fatalf("Embed(%q) shape wrong", s)
		}
	})
}

// TestTokenizerTruncationAndPaddingIgnored uses a tokenizer.json with the
// truncation and fixed padding blocks the Hugging Face exports carry: the
// model must still see only the real tokens and truncate by its own limit.
func TestTokenizerTruncationAndPaddingIgnored(t *testing.T) {
	dir, toy := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean})
	path := filepath.Join(dir, "tokenizer.json")
	data, err := os.ReadFile(path)
	must(t, err)
	var doc map[string]any
	must(t, json.Unmarshal(data, &doc))
	doc["truncation"] = map[string]any{"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0}
	doc["padding"] = map[string]any{"strategy": map[string]any{"Fixed": 12}, "direction": "Right", "pad_to_multiple_of": nil, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
	data, err = json.Marshal(doc)
	must(t, err)
	must(t, os.WriteFile(path, data, 0o644))

	m := openToy(t, dir, Options{})
	text := "china met the foreign affairs minister"
	got, err := m.Embed(context.Background(), embed.Passage, []string{text})
	must(t, err)
	assertClose(t, got[0], reference(t, toy, text, PoolMean))
}

// TestSentenceEmbeddingOutput runs a model that pools inside the graph and
// outputs [batch, dim]; batches padded to a bucket must not shift rows.
func TestSentenceEmbeddingOutput(t *testing.T) {
	toy := testmodel.NewToy(7, toyHidden)
	dir := filepath.Join(t.TempDir(), "toy-pooled")
	if _, err := testmodel.WriteFolder(dir, toy.ONNXSentence(), toy.Vocab, toyHidden, testmodel.Folder{Pooling: PoolCLS}); err != nil {
		t.Fatal(err)
	}
	m := openToy(t, dir, Options{BatchSize: 4})
	if m.Dim() != toyHidden {
		t.Fatalf("Dim() = %d", m.Dim())
	}
	texts := []string{"china", "the foreign affairs minister met the delegation", "talks"}
	got, err := m.Embed(context.Background(), embed.Passage, texts)
	must(t, err)
	for i, text := range texts {
		// The graph's own pooling wins over 1_Pooling/config.json.
		assertClose(t, got[i], reference(t, toy, text, PoolMean))
	}
}
