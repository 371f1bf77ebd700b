package onnxtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/onnx"
)

func TestWriteToyOpens(t *testing.T) {
	names := map[string]bool{}
	for _, seed := range []uint64{1, 2} {
		dir := filepath.Join(t.TempDir(), "toy")
		if err := WriteToy(dir, seed); err != nil {
			t.Fatal(err)
		}
		m, err := onnx.Open(context.Background(), dir, onnx.Options{})
		if err != nil {
			t.Fatalf("open toy %d: %v", seed, err)
		}
		vs, err := m.Embed(context.Background(), embed.Passage, []string{"the delegation met the minister"})
		m.Close()
		if err != nil {
			t.Fatalf("embed with toy %d: %v", seed, err)
		}
		if len(vs) != 1 || len(vs[0]) != ToyHidden {
			t.Fatalf("toy %d: got %d vectors of length %d, want 1 of %d", seed, len(vs), len(vs[0]), ToyHidden)
		}
		names[m.Name()] = true
	}
	if len(names) != 2 {
		t.Fatalf("two seeds gave names %v, want two different names", names)
	}
}
