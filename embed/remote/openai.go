package remote

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// DefaultOpenAIURL is the OpenAI API base URL.
const DefaultOpenAIURL = "https://api.openai.com/v1"

// openAIBatch is the default number of texts per request (the API takes
// up to 2048).
const openAIBatch = 128

// NewOpenAI returns an embedder for model served by an OpenAI-compatible
// API at baseURL (DefaultOpenAIURL if empty), using POST {baseURL}/embeddings.
// opts.APIKey, when set, is sent as a bearer token and never appears in
// errors or logs. It embeds a probe text to learn the dimension, so it
// returns an error when the server is down, refuses the key, does not have
// the model (wrapping [ErrModelNotFound]) or fails.
func NewOpenAI(ctx context.Context, model, baseURL string, opts Options) (*Embedder, error) {
	if model == "" {
		return nil, errors.New("openai model name is empty")
	}
	if baseURL == "" {
		baseURL = DefaultOpenAIURL
	}
	baseURL = strings.TrimRight(baseURL, "/")
	opts = opts.withDefaults(openAIBatch)
	c := &client{opts: opts, service: "openai"}
	e := &Embedder{name: "openai:" + model, opts: opts, model: model, baseURL: baseURL}
	e.batch = func(ctx context.Context, texts []string) ([][]float32, error) {
		var resp struct {
			Data []struct {
				Index     int       `json:"index"`
				Embedding []float32 `json:"embedding"`
			} `json:"data"`
		}
		req := map[string]any{"model": model, "input": texts, "encoding_format": "float"}
		if err := c.post(ctx, baseURL+"/embeddings", req, &resp); err != nil {
			return nil, e.describe(c, err)
		}
		if len(resp.Data) != len(texts) {
			return nil, fmt.Errorf("%s at %s returned %d embeddings for %d texts", e.name, baseURL, len(resp.Data), len(texts))
		}
		// The API does not promise that data is in input order.
		sort.Slice(resp.Data, func(i, j int) bool { return resp.Data[i].Index < resp.Data[j].Index })
		out := make([][]float32, len(texts))
		for i, d := range resp.Data {
			if d.Index != i {
				return nil, fmt.Errorf("%s at %s returned embedding indexes that are not 0..%d", e.name, baseURL, len(texts)-1)
			}
			out[i] = d.Embedding
		}
		return out, nil
	}
	if err := e.probe(ctx); err != nil {
		return nil, err
	}
	return e, nil
}
