package index

import (
	"context"
	"fmt"
)

const (
	// DefaultSimilar is the number of similar reports when k is zero.
	DefaultSimilar = 5
	// MaxSimilar is the most similar reports one call returns.
	MaxSimilar = 50
)

// Similar ranks the other reports by the cosine similarity of their mean
// passage vectors to that of report id, best first, at most k of them (0
// means [DefaultSimilar], more than [MaxSimilar] is clamped). It returns an
// error wrapping [ErrNotFound] for an unknown ID.
func (ix *Index) Similar(ctx context.Context, id string, k int) ([]Similar, error) {
	if k <= 0 {
		k = DefaultSimilar
	}
	k = min(k, MaxSimilar)
	out := []Similar{}
	err := ix.read(func(v *view) error {
		if _, ok := lookup(v, id); !ok {
			return notFound("report", id)
		}
		self, err := v.dcol.GetByID(ctx, id)
		if err != nil {
			// The report has no vector (nothing in it could be
			// embedded), so nothing is similar to it.
			return nil
		}
		n := min(k+1, v.dcol.Count())
		found, err := v.dcol.QueryEmbedding(ctx, self.Embedding, n, nil, nil)
		if err == nil {
			// chromem-go stops early on cancellation without saying so.
			err = ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("find similar reports: %w", err)
		}
		for _, r := range found {
			d, ok := v.docs[r.ID]
			if r.ID == id || !ok {
				continue
			}
			out = append(out, Similar{DocID: d.ID, Title: d.Title, Date: d.Date, Place: d.Place, Score: float64(r.Similarity)})
			if len(out) == k {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
