package store

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestEmbedderSpecIsRecorded(t *testing.T) {
	ctx := context.Background()
	docs := map[string]*Doc{"a": testDoc("a", 1)}
	tests := []struct {
		name      string
		storeSpec string
		// changes are committed in order; want is the spec after each.
		changes []Change
		want    []string
	}{
		{
			name:      "store default fills an empty change",
			storeSpec: "builtin",
			changes:   []Change{{Embedder: "test", Dim: testDim}},
			want:      []string{"builtin"},
		},
		{
			name:    "change wins over the store default",
			changes: []Change{{Embedder: "test", Dim: testDim, EmbedderSpec: "onnx:/m"}},
			want:    []string{"onnx:/m"},
		},
		{
			name: "same embedder keeps the recorded spec",
			changes: []Change{
				{Embedder: "test", Dim: testDim, EmbedderSpec: "onnx:/m"},
				{Embedder: "test", Dim: testDim},
			},
			want: []string{"onnx:/m", "onnx:/m"},
		},
		{
			name: "another embedder without a spec forgets the old one",
			changes: []Change{
				{Embedder: "test", Dim: testDim, EmbedderSpec: "onnx:/m"},
				{Embedder: "other", Dim: testDim, Rewrite: true},
			},
			want: []string{"onnx:/m", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := openLocked(t, t.TempDir(), Options{EmbedderSpec: tt.storeSpec})
			for i, ch := range tt.changes {
				base, err := s.ReadManifest()
				if err != nil {
					t.Fatal(err)
				}
				ch.Put, ch.Live = []*Doc{docs["a"]}, maps.Clone(docs)
				m, err := w.Commit(ctx, base, ch)
				if err != nil {
					t.Fatalf("commit %d: %v", i, err)
				}
				if m.EmbedderSpec != tt.want[i] {
					t.Errorf("commit %d: spec %q, want %q", i, m.EmbedderSpec, tt.want[i])
				}
				again, err := s.ReadManifest()
				if err != nil {
					t.Fatal(err)
				}
				if again.EmbedderSpec != tt.want[i] {
					t.Errorf("commit %d: manifest on disk has spec %q, want %q", i, again.EmbedderSpec, tt.want[i])
				}
			}
		})
	}
}

func TestStateIsDroppedWithItsEmbedder(t *testing.T) {
	ctx := context.Background()
	s, w := openLocked(t, t.TempDir(), Options{})
	live := map[string]*Doc{"a": testDoc("a", 1)}
	m, err := w.Commit(ctx, Manifest{}, Change{Embedder: "fitted", Dim: testDim, State: []byte("stats"), FitPassages: 2,
		Put: []*Doc{live["a"]}, Live: maps.Clone(live)})
	if err != nil {
		t.Fatal(err)
	}
	if m.State == nil {
		t.Fatal("first commit recorded no state")
	}
	// Same embedder, no new state: the old one stays.
	if m, err = w.Commit(ctx, m, Change{Embedder: "fitted", Dim: testDim, Live: maps.Clone(live)}); err != nil {
		t.Fatal(err)
	}
	if m.State == nil {
		t.Fatal("a commit by the same embedder dropped its state")
	}
	// Another embedder re-embeds everything and brings no state.
	m, err = w.Commit(ctx, m, Change{Embedder: "plain", Dim: testDim, Put: []*Doc{live["a"]}, Live: maps.Clone(live), Rewrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != nil {
		t.Fatalf("state %+v kept after the embedder changed", m.State)
	}
	snap, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.State != nil {
		t.Fatalf("loaded state %q after the embedder changed", snap.State)
	}
}

func TestManifestOf(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing-here")
	m, err := ManifestOf(missing)
	if err != nil || m.Generation != 0 {
		t.Fatalf("ManifestOf(missing) = %+v, %v; want generation 0, no error", m, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ManifestOf created %s (stat: %v)", missing, err)
	}
	dir := t.TempDir()
	s, w := openLocked(t, dir, Options{EmbedderSpec: "builtin"})
	commit(t, w, s, map[string]*Doc{}, []*Doc{testDoc("a", 1)}, nil)
	m, err = ManifestOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Generation != 1 || m.Embedder != "test" || m.EmbedderSpec != "builtin" || m.Documents != 1 {
		t.Fatalf("ManifestOf = %+v", m)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ManifestOf(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ManifestOf(damaged) error = %v, want ErrCorrupt", err)
	}
	if _, err := ManifestOf(""); err == nil {
		t.Fatal("ManifestOf(\"\") gave no error")
	}
}
