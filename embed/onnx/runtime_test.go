package onnx

import (
	"context"
	"strings"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/internal/testmodel"
)

// TestRuntimes checks that each runtime this binary has gives the
// reference vectors under one name, and that asking for ONNX Runtime in a
// pure-Go build says how to get it. Under -tags ort it needs
// libonnxruntime.so on the loader's path (make test-ort).
func TestRuntimes(t *testing.T) {
	dir, toy := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean, Normalize: true})
	texts := []string{"the plenary session", "china met the foreign affairs minister", "", "delegation"}

	goModel := openToy(t, dir, Options{Runtime: RuntimeGo})
	if goModel.Runtime() != RuntimeGo {
		t.Fatalf("Runtime() = %q, want %q", goModel.Runtime(), RuntimeGo)
	}
	want, err := goModel.Embed(context.Background(), embed.Passage, texts)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, want[0], reference(t, toy, texts[0], PoolMean))

	if !ORTCompiled {
		_, err := Open(context.Background(), dir, Options{Runtime: RuntimeORT})
		if err == nil || !strings.Contains(err.Error(), "make build-ort") {
			t.Fatalf("Runtime ort in a pure-Go build: err = %v, want one naming make build-ort", err)
		}
		if auto := openToy(t, dir, Options{}); auto.Runtime() != RuntimeGo {
			t.Fatalf("default runtime of a pure-Go build = %q", auto.Runtime())
		}
		return
	}
	ortModel := openToy(t, dir, Options{Runtime: RuntimeORT})
	if ortModel.Runtime() != RuntimeORT || ortModel.Name() != goModel.Name() || ortModel.Dim() != goModel.Dim() {
		t.Fatalf("ort model: runtime %q, name %q, dim %d; want ort, %q, %d",
			ortModel.Runtime(), ortModel.Name(), ortModel.Dim(), goModel.Name(), goModel.Dim())
	}
	got, err := ortModel.Embed(context.Background(), embed.Passage, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		assertClose(t, got[i], want[i])
	}
	if auto := openToy(t, dir, Options{}); auto.Runtime() != RuntimeORT {
		t.Fatalf("default runtime of an ort build with the library present = %q", auto.Runtime())
	}
	if _, err := Open(context.Background(), dir, Options{Runtime: RuntimeORT, ORTLibrary: "/nonexistent/libonnxruntime.so"}); err == nil {
		t.Fatal("a second library path was accepted")
	}
}

func TestUnknownRuntime(t *testing.T) {
	dir, _ := writeToy(t, "toy", testmodel.Folder{Pooling: PoolMean})
	if _, err := Open(context.Background(), dir, Options{Runtime: "tpu"}); err == nil || !strings.Contains(err.Error(), "unknown onnx runtime") {
		t.Fatalf("err = %v, want unknown onnx runtime", err)
	}
}
