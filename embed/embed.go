package embed

import (
	"context"
	"errors"
	"math"
)

// Kind says what a text is, so that backends whose models expect different
// prefixes or instructions for questions and for passages (e5, bge) can
// apply them. Backends that make no difference ignore it.
type Kind int

const (
	// Passage is a piece of a document being indexed.
	Passage Kind = iota
	// Query is a user's question.
	Query
)

// String returns "passage" or "query".
func (k Kind) String() string {
	if k == Query {
		return "query"
	}
	return "passage"
}

// Embedder turns texts into vectors.
//
// Embed returns exactly one vector of length Dim() per input text, in input
// order, L2-normalized. An empty batch returns an empty result and no error.
// Embed must be safe for concurrent use. Errors wrap the cause; a cancelled
// ctx returns ctx.Err().
type Embedder interface {
	// Name identifies the model and its configuration, for example
	// "builtin:glove-6b-100d-sif". It is recorded in the index, so it must
	// be stable across runs for the same model.
	Name() string
	// Dim is the length of every vector Embed returns.
	Dim() int
	// Embed embeds a batch of texts of one kind.
	Embed(ctx context.Context, kind Kind, texts []string) ([][]float32, error)
}

// Fitter is implemented by embedders that learn statistics from the corpus
// they index (the built-in SIF model learns word frequencies and a common
// component). The index calls Fit on a first build and when the corpus has
// changed a lot, persists State next to the vectors, and calls LoadState
// when it opens the index again, so that queries are embedded exactly as the
// stored passages were.
type Fitter interface {
	// Fit learns from the passages' texts. It replaces any earlier state.
	Fit(ctx context.Context, texts []string) error
	// State serializes what Fit learned.
	State() ([]byte, error)
	// LoadState restores what State returned. It returns an error wrapping
	// ErrBadState if the bytes are not a state of this embedder.
	LoadState(state []byte) error
}

// ErrBadState is wrapped by Fitter.LoadState when the state cannot be used.
var ErrBadState = errors.New("embedder state is invalid")

// Normalize scales v to unit L2 length in place and returns it. A zero
// vector is returned unchanged.
func Normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}
