package eval

import (
	"context"
	"encoding/json"
	"fmt"
)

// SearchFunc returns the IDs of the k documents best matching query, best
// first.
type SearchFunc func(ctx context.Context, query string, k int) ([]string, error)

// Run asks search for the top k documents of every dataset query and
// returns the rankings keyed by query ID, ready for [Score]. It returns
// the first search error, naming the query, or ctx's error if ctx is done.
func Run(ctx context.Context, ds *Dataset, k int, search SearchFunc) (map[string][]string, error) {
	runs := make(map[string][]string, len(ds.Queries))
	for _, q := range ds.Queries {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("couldn't run queries: %w", err)
		}
		ids, err := search(ctx, q.Text, k)
		if err != nil {
			return nil, fmt.Errorf("couldn't run query %s: %w", q.ID, err)
		}
		runs[q.ID] = ids
	}
	return runs, nil
}

// CorpusDoc is one line of corpus.jsonl.
type CorpusDoc struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// ReadCorpus calls fn with each document of the corpus file at path (see
// [Dataset.CorpusPath]), in file order, without holding the corpus in
// memory. It stops at and returns fn's first error; it returns an error
// naming the line for malformed JSON or a document without an ID, and an
// error if ctx is done or the file cannot be read.
func ReadCorpus(ctx context.Context, path string, fn func(CorpusDoc) error) error {
	_, err := scanLines(path, func(n int, line string) error {
		if line == "" {
			return nil
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("couldn't read corpus: %w", err)
			}
		}
		var d CorpusDoc
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			return fmt.Errorf("%s:%d: couldn't parse document: %w", path, n, err)
		}
		if d.ID == "" {
			return fmt.Errorf("%s:%d: document has no id", path, n)
		}
		return fn(d)
	})
	return err
}
