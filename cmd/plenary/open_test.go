package main

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plenary-search/plenary/web"
)

// fakeOllama speaks Ollama's POST /api/embed: it embeds each text as a
// hashed bag of words, so that texts sharing words get similar vectors.
func fakeOllama(t *testing.T, calls *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/embed" {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "fake-embed" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"model not found"}`))
			return
		}
		out := make([][]float32, len(req.Input))
		for i, text := range req.Input {
			v := make([]float32, 16)
			for _, word := range strings.Fields(strings.ToLower(text)) {
				h := fnv.New32a()
				_, _ = h.Write([]byte(word))
				v[h.Sum32()%16]++
			}
			v[0] += 0.01 // never the zero vector
			out[i] = v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunWithEmbedderSpec(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	ollama := fakeOllama(t, &calls)
	data := t.TempDir()
	docs := copyFixtures(t)
	fake := "ollama:fake-embed@" + ollama.URL

	stdout, stderr, err := cli(t, ctx, map[string]string{envData: data, envEmbedder: fake}, "index", docs)
	if err != nil {
		t.Fatalf("index with %s: %v\n%s", fake, err, stderr)
	}
	if s := parseSummary(t, stdout); s["added"] != "3" || s["embedded"] == "0" {
		t.Errorf("summary = %v", s)
	}
	if calls.Load() == 0 {
		t.Fatal("the fake Ollama was never asked to embed")
	}

	tests := []struct {
		name    string
		args    []string
		wantErr string // empty: success
	}{
		{"same embedder", []string{"search", "--embedder", fake, "--json", "panda"}, ""},
		{"built-in on an ollama index", []string{"search", "panda"}, "built with another embedder"},
		{"unknown spec", []string{"search", "--embedder", "telepathy:x", "panda"}, "unknown embedder spec"},
		{"model the server lacks", []string{"search", "--embedder", "ollama:other@" + ollama.URL, "panda"}, "build embedder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := cli(t, ctx, map[string]string{envData: data}, tt.args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v\n%s", err, stderr)
				}
				var resp web.SearchResponse
				if err := json.Unmarshal([]byte(stdout), &resp); err != nil || len(resp.Results) == 0 {
					t.Errorf("no results (%v):\n%s", err, stdout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
