package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plenary-search/plenary/index"
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
			out[i] = bagOfWords(text)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// bagOfWords embeds text as a hashed bag of words in 16 dimensions, so
// that texts sharing words get similar vectors.
func bagOfWords(text string) []float32 {
	v := make([]float32, 16)
	for _, word := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		_, _ = h.Write([]byte(word))
		v[h.Sum32()%16]++
	}
	v[0] += 0.01 // never the zero vector
	return v
}

// fakeOpenAI speaks the OpenAI POST /embeddings API and accepts only the
// bearer token key.
func fakeOpenAI(t *testing.T, key string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"message":"bad key"}}`))
			return
		}
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		data := make([]item, len(req.Input))
		for i, text := range req.Input {
			data[i] = item{Index: i, Embedding: bagOfWords(text)}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
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
	if info, err := index.ReadInfo(data); err != nil || info.Spec != fake {
		t.Fatalf("the index records spec %q (err %v), want %q", info.Spec, err, fake)
	}

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr []string // empty: success
	}{
		{name: "same embedder", args: []string{"search", "--embedder", fake, "--json", "panda"}},
		{name: "embedder read from the index", args: []string{"search", "--json", "panda"}},
		{name: "index again without --embedder", args: []string{"index", docs}},
		{
			name: "built-in on an ollama index", args: []string{"search", "--embedder", "builtin", "panda"},
			wantErr: []string{"built with " + fake, "plenary reindex --data " + data + " --embedder builtin"},
		},
		{
			name: "built-in from the environment", args: []string{"search", "panda"}, env: map[string]string{envEmbedder: "builtin"},
			wantErr: []string{"built with " + fake, "plenary reindex"},
		},
		{name: "unknown spec", args: []string{"search", "--embedder", "telepathy:x", "panda"}, wantErr: []string{"unknown embedder spec"}},
		{name: "model the server lacks", args: []string{"search", "--embedder", "ollama:other@" + ollama.URL, "panda"}, wantErr: []string{"build embedder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{envData: data}
			for k, v := range tt.env {
				env[k] = v
			}
			stdout, stderr, err := cli(t, ctx, env, tt.args...)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("err = %v\n%s", err, stderr)
				}
				if tt.args[0] != "search" {
					return
				}
				var resp web.SearchResponse
				if err := json.Unmarshal([]byte(stdout), &resp); err != nil || len(resp.Results) == 0 {
					t.Errorf("no results (%v):\n%s", err, stdout)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; want one containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want one containing %q", err, want)
				}
			}
			if len(tt.wantErr) > 1 && !errors.Is(err, index.ErrEmbedderMismatch) {
				t.Errorf("err = %v, want it to wrap ErrEmbedderMismatch", err)
			}
		})
	}

	// When the recorded model is gone, the error says it was the
	// recorded one.
	ollama.Close()
	if _, _, err := cli(t, ctx, map[string]string{envData: data}, "search", "panda"); err == nil || !strings.Contains(err.Error(), "the embedder the index in") {
		t.Errorf("search with the recorded embedder unreachable: err = %v", err)
	}
}

func TestSpecNeverRecordsSecrets(t *testing.T) {
	ctx := context.Background()
	const key = "sk-test-0123456789abcdef"
	srv := fakeOpenAI(t, key)
	data := t.TempDir()
	spec := "openai:fake-small@" + srv.URL + "/v1"
	env := map[string]string{envData: data, "OPENAI_API_KEY": key}
	if _, stderr, err := cli(t, ctx, env, "index", "--embedder", spec, copyFixtures(t)); err != nil {
		t.Fatalf("index with %s: %v\n%s", spec, err, stderr)
	}
	if info, err := index.ReadInfo(data); err != nil || info.Spec != spec {
		t.Fatalf("recorded spec %q (err %v), want %q", info.Spec, err, spec)
	}
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("%s holds the API key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The recorded spec is enough with the key in the environment.
	if _, stderr, err := cli(t, ctx, env, "search", "panda"); err != nil {
		t.Fatalf("search with the recorded spec: %v\n%s", err, stderr)
	}
	// A key put into the server URL is refused before anything is built
	// or recorded.
	withKey := "openai:fake-small@" + strings.Replace(srv.URL, "://", "://user:"+key+"@", 1) + "/v1"
	_, _, err = cli(t, ctx, map[string]string{envData: t.TempDir()}, "index", "--embedder", withKey, copyFixtures(t))
	if err == nil || !strings.Contains(err.Error(), "must not carry credentials") || strings.Contains(err.Error(), key) {
		t.Fatalf("index with a key in the URL: err = %v, want a refusal that does not repeat the key", err)
	}
}
