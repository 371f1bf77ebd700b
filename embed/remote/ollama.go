package remote

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
)

// DefaultOllamaURL is where Ollama listens by default.
const DefaultOllamaURL = "http://localhost:11434"

// ollamaBatch is the default number of texts per /api/embed request.
const ollamaBatch = 32

// NewOllama returns an embedder for model served by Ollama at baseURL
// (DefaultOllamaURL if empty). It uses POST /api/embed with batches and
// falls back to the older POST /api/embeddings, one text per request, when
// the server answers 404 without a model error. It embeds a probe text to
// learn the dimension, so it returns an error when the server is down,
// does not have the model (wrapping [ErrModelNotFound]) or fails.
func NewOllama(ctx context.Context, model, baseURL string, opts Options) (*Embedder, error) {
	if model == "" {
		return nil, errors.New("ollama model name is empty")
	}
	if baseURL == "" {
		baseURL = DefaultOllamaURL
	}
	baseURL = strings.TrimRight(baseURL, "/")
	opts = opts.withDefaults(ollamaBatch)
	c := &client{opts: opts, service: "ollama"}
	e := &Embedder{name: "ollama:" + model, opts: opts, model: model, baseURL: baseURL}
	var legacy atomic.Bool
	e.batch = func(ctx context.Context, texts []string) ([][]float32, error) {
		if !legacy.Load() {
			var resp struct {
				Embeddings [][]float32 `json:"embeddings"`
			}
			err := c.post(ctx, baseURL+"/api/embed", map[string]any{"model": model, "input": texts}, &resp)
			if err == nil {
				return resp.Embeddings, nil
			}
			var se *statusError
			if !errors.As(err, &se) || se.status != http.StatusNotFound || isJSONError(se.body) {
				return nil, e.describe(c, err)
			}
			// Ollama before 0.3 has no /api/embed: its router answers a
			// plain "404 page not found", unlike a missing model.
			legacy.Store(true)
			opts.Logger.Info("ollama has no /api/embed, using /api/embeddings", "url", baseURL)
		}
		out := make([][]float32, len(texts))
		for i, t := range texts {
			var resp struct {
				Embedding []float32 `json:"embedding"`
			}
			if err := c.post(ctx, baseURL+"/api/embeddings", map[string]any{"model": model, "prompt": t}, &resp); err != nil {
				return nil, e.describe(c, err)
			}
			out[i] = resp.Embedding
		}
		return out, nil
	}
	if err := e.probe(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// isJSONError says whether body is a JSON object with an "error" field.
func isJSONError(body []byte) bool {
	s := strings.TrimSpace(string(body))
	return strings.HasPrefix(s, "{") && strings.Contains(s, `"error"`)
}
