package index

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/onnx"
	"github.com/plenary-search/plenary/embed/onnx/onnxtest"
	"github.com/plenary-search/plenary/embed/wordvec"
	"github.com/plenary-search/plenary/index/store"
)

func openToy(t *testing.T, seed uint64) (*onnx.Model, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "toy")
	if err := onnxtest.WriteToy(dir, seed); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Open(context.Background(), dir, onnx.Options{})
	if err != nil {
		t.Fatalf("open toy model: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, "onnx:" + dir
}

func newBuiltin(t *testing.T) *wordvec.Model {
	t.Helper()
	m, err := wordvec.New(wordvec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hitIDs returns the passage IDs a vector search finds, in rank order.
func hitIDs(t *testing.T, ix *Index, q string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), Query{Text: q, K: 5, Mode: ModeVector, PerDoc: -1})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func readInfo(t *testing.T, dir string) Info {
	t.Helper()
	info, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestReadInfo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if info := readInfo(t, dir); info != (Info{}) {
		t.Fatalf("ReadInfo of a missing directory = %+v, want zero", info)
	}
	ix := openTest(t, dir, nil)
	update(t, ix, copyTree(t, "reports"))
	info := readInfo(t, dir)
	st, err := ix.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Info{Embedder: st.Embedder, Spec: "builtin", Dim: st.Dim, Documents: st.Documents, Passages: st.Passages, Generation: 1}
	if info != want {
		t.Fatalf("ReadInfo = %+v, want %+v", info, want)
	}
}

func TestReindexBuiltinToONNXAndBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const question = "friendship association delegation"

	// A server's index, built with the built-in model; it keeps serving
	// throughout.
	serving := openTest(t, dir, nil)
	update(t, serving, copyTree(t, "reports"))
	before := readInfo(t, dir)
	ids := passageIDs(t, serving)
	builtinHits := hitIDs(t, serving, question)
	if len(builtinHits) == 0 {
		t.Fatal("built-in index finds nothing")
	}

	toy, toySpec := openToy(t, 1)

	// A crash at any step before the manifest lands changes nothing.
	for _, step := range []string{"segment-written", "manifest-temp-written"} {
		t.Run("crash at "+step, func(t *testing.T) {
			crash := errors.New("simulated crash")
			_, err := Reindex(ctx, dir, ReindexOptions{
				Embedder: toy, EmbedderSpec: toySpec, Logger: testLogger(t),
				storeHook: func(s string) error {
					if s == step {
						return crash
					}
					return nil
				},
			})
			if !errors.Is(err, crash) {
				t.Fatalf("Reindex error = %v, want the simulated crash", err)
			}
			if info := readInfo(t, dir); info != before {
				t.Fatalf("after a crash the index says %+v, want %+v", info, before)
			}
			if changed, err := serving.Reload(ctx); err != nil || changed {
				t.Fatalf("Reload after a crash = %v, %v; want no change", changed, err)
			}
			again := openTest(t, dir, nil)
			if got := hitIDs(t, again, question); !reflect.DeepEqual(got, builtinHits) {
				t.Fatalf("after a crash the built-in index finds %v, want %v", got, builtinHits)
			}
		})
	}

	prog := &recorder{}
	rep, err := Reindex(ctx, dir, ReindexOptions{Embedder: toy, EmbedderSpec: toySpec, Logger: testLogger(t), Progress: prog})
	if err != nil {
		t.Fatalf("reindex to onnx: %v", err)
	}
	if rep.From != before.Embedder || rep.To != toy.Name() || rep.Passages != before.Passages || rep.Documents != before.Documents || rep.Fitted {
		t.Fatalf("report = %+v", rep)
	}
	if prog.total != before.Passages || prog.done != before.Passages || prog.finished != 1 {
		t.Fatalf("progress saw total %d, done %d, finished %d; want %d, %d, 1", prog.total, prog.done, prog.finished, before.Passages, before.Passages)
	}
	info := readInfo(t, dir)
	want := Info{Embedder: toy.Name(), Spec: toySpec, Dim: toy.Dim(), Documents: before.Documents, Passages: before.Passages, Generation: before.Generation + 1}
	if info != want {
		t.Fatalf("after reindex ReadInfo = %+v, want %+v", info, want)
	}
	man, err := store.ManifestOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.State != nil || len(man.Segments) != 1 {
		t.Fatalf("manifest after reindex to a model without state: state %+v, %d segments; want none and 1", man.State, len(man.Segments))
	}

	// The server keeps answering with what it had until it reloads, and
	// then refuses: its embedder no longer matches.
	if got := hitIDs(t, serving, question); !reflect.DeepEqual(got, builtinHits) {
		t.Fatalf("before reloading the server finds %v, want %v", got, builtinHits)
	}
	if _, err := serving.Reload(ctx); !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("Reload with the old embedder = %v, want ErrEmbedderMismatch", err)
	}

	onnxIx := openTest(t, dir, toy)
	if got := passageIDs(t, onnxIx); !reflect.DeepEqual(got, ids) {
		t.Fatal("passage IDs changed with the embedder")
	}
	if got := hitIDs(t, onnxIx, question); len(got) == 0 {
		t.Fatal("vector search after reindex to onnx finds nothing")
	}
	lex, err := onnxIx.Search(ctx, Query{Text: "plenary session", K: 5, Mode: ModeLexical})
	if err != nil || len(lex.Hits) == 0 {
		t.Fatalf("lexical search after reindex = %d hits, %v", len(lex.Hits), err)
	}
	onnxIx.Close()

	// And back: the built-in model is fitted again on the same passages,
	// so it finds what it found before.
	back := newBuiltin(t)
	rep, err = Reindex(ctx, dir, ReindexOptions{Embedder: back, EmbedderSpec: "builtin", Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("reindex back to builtin: %v", err)
	}
	if !rep.Fitted {
		t.Fatal("the built-in model was not fitted")
	}
	info = readInfo(t, dir)
	if info.Embedder != before.Embedder || info.Spec != "builtin" || info.Dim != before.Dim {
		t.Fatalf("after reindex back ReadInfo = %+v", info)
	}
	if man, err = store.ManifestOf(dir); err != nil || man.State == nil || man.State.FitPassages != before.Passages {
		t.Fatalf("manifest after reindex back: state %+v, err %v; want a state fitted on %d passages", man.State, err, before.Passages)
	}
	if changed, err := serving.Reload(ctx); err != nil || !changed {
		t.Fatalf("server Reload after reindex back = %v, %v; want a change and no error", changed, err)
	}
	if got := hitIDs(t, serving, question); !reflect.DeepEqual(got, builtinHits) {
		t.Fatalf("after the round trip the server finds %v, want %v", got, builtinHits)
	}
	if got := passageIDs(t, serving); !reflect.DeepEqual(got, ids) {
		t.Fatal("passage IDs changed after the round trip")
	}
}

func TestReindexCrashKeepsFittedState(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	toy, toySpec := openToy(t, 2)
	first, err := Open(ctx, dir, Options{Embedder: toy, EmbedderSpec: toySpec, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	update(t, first, copyTree(t, "reports"))
	first.Close()
	before := readInfo(t, dir)
	if before.Spec != toySpec {
		t.Fatalf("index built with %s records spec %q", toySpec, before.Spec)
	}

	crash := errors.New("simulated crash")
	_, err = Reindex(ctx, dir, ReindexOptions{
		Embedder: newBuiltin(t), EmbedderSpec: "builtin", Logger: testLogger(t),
		storeHook: func(s string) error {
			if s == "state-written" {
				return crash
			}
			return nil
		},
	})
	if !errors.Is(err, crash) {
		t.Fatalf("Reindex error = %v, want the simulated crash", err)
	}
	if info := readInfo(t, dir); info != before {
		t.Fatalf("after a crash ReadInfo = %+v, want %+v", info, before)
	}
	// The leftover segment and state are removed by the next writer, and
	// a re-run does the whole job.
	if _, err := Reindex(ctx, dir, ReindexOptions{Embedder: newBuiltin(t), EmbedderSpec: "builtin", Logger: testLogger(t)}); err != nil {
		t.Fatalf("re-run after a crash: %v", err)
	}
	ix := openTest(t, dir, nil)
	if got := hitIDs(t, ix, "friendship association"); len(got) == 0 {
		t.Fatal("no hits after the re-run")
	}
	matches, err := filepath.Glob(filepath.Join(dir, "embedder.*.state"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("state files after the re-run: %v (err %v), want exactly one", matches, err)
	}
}

func TestReindexRefuses(t *testing.T) {
	ctx := context.Background()
	toy, _ := openToy(t, 3)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		emb   embed.Embedder
		want  error
	}{
		{name: "no index", setup: func(*testing.T, string) {}, emb: toy},
		{name: "no embedder", setup: func(*testing.T, string) {}},
		{
			name: "another writer",
			setup: func(t *testing.T, dir string) {
				update(t, openTest(t, dir, nil), copyTree(t, "reports"))
				st, err := store.Open(dir, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				w, err := st.Lock(ctx)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { w.Unlock() })
			},
			emb:  toy,
			want: ErrLocked,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			before := readInfo(t, dir)
			_, err := Reindex(ctx, dir, ReindexOptions{Embedder: tt.emb})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Reindex error = %v, want %v", err, cmpOr(tt.want, "an error"))
			}
			if info := readInfo(t, dir); info != before {
				t.Fatalf("a refused Reindex changed the index: %+v, want %+v", info, before)
			}
		})
	}
}

func cmpOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}

// cancelProgress cancels its context as soon as the first batch is done.
type cancelProgress struct{ cancel context.CancelFunc }

func (p cancelProgress) Start(int) {}
func (p cancelProgress) Add(int)   { p.cancel() }
func (p cancelProgress) Finish()   {}

func TestReindexCancelledLeavesIndex(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir, nil)
	update(t, ix, copyTree(t, "reports"))
	before := readInfo(t, dir)
	toy, toySpec := openToy(t, 4)
	// Cancelled after embedding, before the commit (or between batches on
	// a larger corpus).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Reindex(ctx, dir, ReindexOptions{Embedder: toy, EmbedderSpec: toySpec, Progress: cancelProgress{cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Reindex error = %v, want context.Canceled", err)
	}
	if info := readInfo(t, dir); info != before {
		t.Fatalf("a cancelled Reindex changed the index: %+v, want %+v", info, before)
	}
	if changed, err := ix.Reload(context.Background()); err != nil || changed {
		t.Fatalf("Reload after a cancelled reindex = %v, %v", changed, err)
	}
}
