package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plenary-search/plenary/embed"
)

// probeText is embedded once on construction to learn the dimension.
const probeText = "dimension probe"

// Embedder is an [embed.Embedder] backed by an embedding server (see
// [NewOllama] and [NewOpenAI]). It is safe for concurrent use.
type Embedder struct {
	name    string
	dim     int
	opts    Options
	model   string
	baseURL string
	// batch embeds texts that are already prefixed and non-empty, at most
	// opts.BatchSize of them, returning raw vectors in input order.
	batch func(ctx context.Context, texts []string) ([][]float32, error)
}

// probe learns the dimension by embedding one text.
func (e *Embedder) probe(ctx context.Context) error {
	vecs, err := e.batch(ctx, []string{probeText})
	if err != nil {
		return err
	}
	if len(vecs) != 1 || len(vecs[0]) == 0 {
		return fmt.Errorf("%s returned no vector for a probe text", e.name)
	}
	e.dim = len(vecs[0])
	return nil
}

// Name returns "ollama:MODEL" or "openai:MODEL". The server's URL is not
// part of it: the same model served elsewhere gives the same vectors.
func (e *Embedder) Name() string { return e.name }

// Dim returns the dimension learned from the probe text on construction.
func (e *Embedder) Dim() int { return e.dim }

// Embed sends texts in batches and returns L2-normalized vectors in input
// order. Empty texts are sent as "." because servers reject empty input.
// It returns ctx.Err() when ctx is cancelled, an error wrapping
// [ErrModelNotFound] when the server does not know the model, one
// wrapping [ErrDimensionChanged] when a vector's length differs from
// Dim(), and otherwise an error naming the server and the model.
func (e *Embedder) Embed(ctx context.Context, kind embed.Kind, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	prefix := e.opts.PassagePrefix
	if kind == embed.Query {
		prefix = e.opts.QueryPrefix
	}
	in := make([]string, len(texts))
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			t = "."
		}
		in[i] = prefix + strings.ToValidUTF8(t, "\uFFFD")
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(in); start += e.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end := min(start+e.opts.BatchSize, len(in))
		vecs, err := e.batch(ctx, in[start:end])
		if err != nil {
			return nil, err
		}
		if len(vecs) != end-start {
			return nil, fmt.Errorf("%s returned %d vectors for %d texts", e.name, len(vecs), end-start)
		}
		for _, v := range vecs {
			if len(v) != e.dim {
				return nil, fmt.Errorf("%s returned a vector of length %d, earlier %d: %w", e.name, len(v), e.dim, ErrDimensionChanged)
			}
			out = append(out, embed.Normalize(v))
		}
	}
	return out, nil
}

// describe turns a final non-2xx answer into an error naming the model.
func (e *Embedder) describe(c *client, err error) error {
	var se *statusError
	if !errors.As(err, &se) {
		return fmt.Errorf("%s at %s: %w", e.name, e.baseURL, err)
	}
	msg := c.redact(serverMessage(se.body))
	lower := strings.ToLower(msg)
	missing := strings.Contains(lower, "model") && (strings.Contains(lower, "not found") || strings.Contains(lower, "does not exist"))
	if se.status == 404 || (se.status == 400 && missing) {
		return fmt.Errorf("%s server at %s does not have model %q (%s): %w", c.service, e.baseURL, e.model, msg, ErrModelNotFound)
	}
	if se.status == 401 || se.status == 403 {
		hint := ""
		if c.service == "openai" && e.opts.APIKey == "" {
			hint = " (no API key set: OPENAI_API_KEY)"
		}
		return fmt.Errorf("%s server at %s refused the request for model %q%s: %d %s", c.service, e.baseURL, e.model, hint, se.status, msg)
	}
	return fmt.Errorf("%s server at %s failed to embed with model %q: %w: %s", c.service, e.baseURL, e.model, err, msg)
}
