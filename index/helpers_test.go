package index

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/wordvec"
)

// countingEmbedder wraps the real word-vector model and counts the
// passages it embeds, so tests can tell what an Update re-embedded.
type countingEmbedder struct {
	*wordvec.Model
	name     string // overrides the model's name when set
	dim      int    // overrides the model's dimension when set
	passages atomic.Int64
}

func (c *countingEmbedder) Name() string {
	if c.name != "" {
		return c.name
	}
	return c.Model.Name()
}

func (c *countingEmbedder) Dim() int {
	if c.dim != 0 {
		return c.dim
	}
	return c.Model.Dim()
}

func (c *countingEmbedder) Embed(ctx context.Context, kind embed.Kind, texts []string) ([][]float32, error) {
	if kind == embed.Passage {
		c.passages.Add(int64(len(texts)))
	}
	return c.Model.Embed(ctx, kind, texts)
}

var _ embed.Fitter = (*countingEmbedder)(nil)

func newCounting(t testing.TB) *countingEmbedder {
	t.Helper()
	m, err := wordvec.New(wordvec.Options{})
	if err != nil {
		t.Fatalf("load word vectors: %v", err)
	}
	return &countingEmbedder{Model: m}
}

func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// copyTree copies testdata/<name> into a fresh temporary folder and returns
// its path.
func copyTree(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	src := filepath.Join("testdata", name)
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

func openTest(t testing.TB, dir string, emb embed.Embedder) *Index {
	t.Helper()
	ix, err := Open(context.Background(), dir, Options{Logger: testLogger(t), Embedder: emb})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func update(t testing.TB, ix *Index, paths ...string) UpdateReport {
	t.Helper()
	rep, err := ix.Update(context.Background(), paths, UpdateOptions{})
	if err != nil {
		t.Fatalf("update %v: %v", paths, err)
	}
	return rep
}

// passageIDs returns the passage IDs of every document, by document.
func passageIDs(t testing.TB, ix *Index) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	ix.read(func(v *view) error {
		for id, d := range v.docs {
			for _, p := range d.Passages {
				out[id] = append(out[id], passageID(id, p.Anchor))
			}
		}
		return nil
	})
	return out
}

// recorder is a Progress that remembers what it was told.
type recorder struct {
	mu                    sync.Mutex
	total, done, finished int
}

func (r *recorder) Start(n int) { r.mu.Lock(); r.total += n; r.mu.Unlock() }
func (r *recorder) Add(n int)   { r.mu.Lock(); r.done += n; r.mu.Unlock() }
func (r *recorder) Finish()     { r.mu.Lock(); r.finished++; r.mu.Unlock() }
