package onnxtest

import (
	"fmt"

	"github.com/plenary-search/plenary/embed/internal/testmodel"
)

// ToyHidden is the vector dimension of the models WriteToy writes.
const ToyHidden = 8

// WriteToy writes a tiny BERT-like model folder (mean pooling, normalized,
// dimension [ToyHidden]) with weights drawn from seed into dir, which it
// creates if missing. Different seeds give models with different names.
// It returns an error if a file cannot be written.
func WriteToy(dir string, seed uint64) error {
	toy := testmodel.NewToy(seed, ToyHidden)
	if _, err := testmodel.WriteFolder(dir, toy.ONNX(), toy.Vocab, ToyHidden,
		testmodel.Folder{Pooling: "mean", Normalize: true, ONNXSubdir: true}); err != nil {
		return fmt.Errorf("write toy model: %w", err)
	}
	return nil
}
