package web

import (
	"context"

	"github.com/plenary-search/plenary/index"
)

// Searcher is what the web layer needs from the index. *index.Index
// implements it.
type Searcher interface {
	// Search answers a question with ranked passages. It returns an error
	// wrapping index.ErrBadQuery for a query it cannot run.
	Search(ctx context.Context, q index.Query) (index.Results, error)
	// Document returns a report and its passages in order. It returns an
	// error wrapping index.ErrNotFound for an unknown ID.
	Document(ctx context.Context, id string) (index.Document, []index.Passage, error)
	// Similar ranks the other reports by similarity to the report id. It
	// returns an error wrapping index.ErrNotFound for an unknown ID.
	Similar(ctx context.Context, id string, k int) ([]index.Similar, error)
	// Stats describes the index.
	Stats(ctx context.Context) (index.Stats, error)
}
