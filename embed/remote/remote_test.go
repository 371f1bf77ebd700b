package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenary-search/plenary/embed"
)

// fakeVector is what the fake servers return for a text: unnormalized and
// different for different texts.
func fakeVector(text string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64()*3 + 1)
	}
	return v
}

func normalized(text string, dim int) []float32 {
	return embed.Normalize(fakeVector(text, dim))
}

// fastOpts keeps retries quick and captures logs.
func fastOpts(t *testing.T, logs *bytes.Buffer) Options {
	t.Helper()
	return Options{
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BaseDelay: time.Millisecond,
		MaxDelay:  10 * time.Millisecond,
		Timeout:   2 * time.Second,
	}
}

// ollamaServer fakes Ollama. dim may change between calls via setDim;
// legacy makes /api/embed answer like an old Ollama.
type ollamaServer struct {
	mu        sync.Mutex
	dim       int
	model     string
	legacy    bool
	embedHits int
	oldHits   int
	batches   []int
}

func (s *ollamaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var req struct {
		Model  string   `json:"model"`
		Input  []string `json:"input"`
		Prompt string   `json:"prompt"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	switch r.URL.Path {
	case "/api/embed":
		s.embedHits++
		if s.legacy {
			http.NotFound(w, r) // "404 page not found", as Go's mux writes it
			return
		}
		if req.Model != s.model {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"model %q not found, try pulling it first"}`, req.Model)
			return
		}
		s.batches = append(s.batches, len(req.Input))
		out := make([][]float32, len(req.Input))
		for i, t := range req.Input {
			out[i] = fakeVector(t, s.dim)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
	case "/api/embeddings":
		s.oldHits++
		if req.Model != s.model {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"model %q not found, try pulling it first"}`, req.Model)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"embedding": fakeVector(req.Prompt, s.dim)})
	default:
		http.NotFound(w, r)
	}
}

func TestOllamaBatchesAndPrefixes(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			fake := &ollamaServer{dim: 6, model: "nomic-embed-text", legacy: legacy}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			var logs bytes.Buffer
			opts := fastOpts(t, &logs)
			opts.BatchSize = 3
			opts.QueryPrefix, opts.PassagePrefix = "search_query: ", "search_document: "
			e, err := NewOllama(context.Background(), "nomic-embed-text", srv.URL, opts)
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != "ollama:nomic-embed-text" || e.Dim() != 6 {
				t.Fatalf("Name, Dim = %q, %d", e.Name(), e.Dim())
			}
			texts := []string{"a", "b", "", "d", "e", "f", "g"}
			got, err := e.Embed(context.Background(), embed.Passage, texts)
			if err != nil {
				t.Fatal(err)
			}
			for i, text := range texts {
				if text == "" {
					text = "."
				}
				assertVec(t, got[i], normalized("search_document: "+text, 6))
			}
			q, err := e.Embed(context.Background(), embed.Query, []string{"who met"})
			if err != nil {
				t.Fatal(err)
			}
			assertVec(t, q[0], normalized("search_query: who met", 6))

			fake.mu.Lock()
			defer fake.mu.Unlock()
			if legacy {
				// One probe of /api/embed, then never again.
				if fake.embedHits != 1 || fake.oldHits != 1+len(texts)+1 {
					t.Fatalf("embed hits %d, embeddings hits %d", fake.embedHits, fake.oldHits)
				}
				if !strings.Contains(logs.String(), "/api/embeddings") {
					t.Errorf("fallback not logged: %s", logs.String())
				}
			} else {
				want := []int{1, 3, 3, 1, 1}
				if fmt.Sprint(fake.batches) != fmt.Sprint(want) {
					t.Fatalf("batch sizes %v, want %v", fake.batches, want)
				}
				if fake.oldHits != 0 {
					t.Fatalf("legacy endpoint used %d times", fake.oldHits)
				}
			}
		})
	}
}

func assertVec(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("len %d, want %d", len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestOllamaModelNotFound(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			srv := httptest.NewServer(&ollamaServer{dim: 4, model: "all-minilm", legacy: legacy})
			defer srv.Close()
			var logs bytes.Buffer
			_, err := NewOllama(context.Background(), "nomic-embed-textt", srv.URL, fastOpts(t, &logs))
			if !errors.Is(err, ErrModelNotFound) {
				t.Fatalf("err = %v, want ErrModelNotFound", err)
			}
			if !strings.Contains(err.Error(), `"nomic-embed-textt"`) {
				t.Errorf("error does not name the model: %v", err)
			}
		})
	}
}

func TestDimensionChange(t *testing.T) {
	fake := &ollamaServer{dim: 4, model: "m"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var logs bytes.Buffer
	e, err := NewOllama(context.Background(), "m", srv.URL, fastOpts(t, &logs))
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	fake.dim = 8
	fake.mu.Unlock()
	_, err = e.Embed(context.Background(), embed.Passage, []string{"x"})
	if !errors.Is(err, ErrDimensionChanged) {
		t.Fatalf("err = %v, want ErrDimensionChanged", err)
	}
}

func TestServerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	for _, tc := range []struct {
		name string
		new  func(context.Context, string, string, Options) (*Embedder, error)
	}{
		{"ollama", NewOllama},
		{"openai", NewOpenAI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			opts := fastOpts(t, &logs)
			opts.MaxRetries = 2
			_, err := tc.new(context.Background(), "m", url, opts)
			if err == nil || !strings.Contains(err.Error(), "couldn't reach "+url) || !strings.Contains(err.Error(), "after 3 attempts") {
				t.Fatalf("err = %v, want a clear unreachable error after 3 attempts", err)
			}
			if n := strings.Count(logs.String(), "retrying"); n != 2 {
				t.Errorf("%d retries logged, want 2", n)
			}
		})
	}
}

// scripted answers /embeddings with the statuses in order, then 200.
type scripted struct {
	statuses   []int
	retryAfter string
	calls      atomic.Int32
	auth       atomic.Value
	body       string
	shuffle    bool
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1)) - 1
	s.auth.Store(r.Header.Get("Authorization"))
	if n < len(s.statuses) {
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		w.WriteHeader(s.statuses[n])
		body := s.body
		if body == "" {
			body = `{"error":{"message":"try later","type":"server_error"}}`
		}
		fmt.Fprint(w, body)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]item, len(req.Input))
	for i, t := range req.Input {
		data[i] = item{"embedding", i, fakeVector(t, 5)}
	}
	if s.shuffle {
		rand.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": 3, "total_tokens": 3},
	})
}

func TestOpenAIRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int
		retries   int
		wantErr   string
		wantCalls int
	}{
		{"success", nil, 3, "", 1},
		{"503 then 429 then ok", []int{503, 429}, 3, "", 3},
		{"500 until retries run out", []int{500, 502, 503, 504}, 3, "after 4 attempts", 4},
		{"400 is not retried", []int{400}, 3, "status 400", 1},
		{"401 is not retried", []int{401}, 3, "refused", 1},
		{"no retries", []int{503}, -1, "status 503", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &scripted{statuses: tc.statuses}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			var logs bytes.Buffer
			opts := fastOpts(t, &logs)
			opts.MaxRetries = tc.retries
			e, err := NewOpenAI(context.Background(), "text-embedding-3-small", srv.URL+"/v1", opts)
			if got := int(fake.calls.Load()); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if e.Dim() != 5 || e.Name() != "openai:text-embedding-3-small" {
					t.Fatalf("Name, Dim = %q, %d", e.Name(), e.Dim())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), "text-embedding-3-small") {
				t.Errorf("error does not name the model: %v", err)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	fake := &scripted{statuses: []int{429}, retryAfter: "1"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var logs bytes.Buffer
	opts := fastOpts(t, &logs)
	opts.MaxDelay = 5 * time.Second
	start := time.Now()
	if _, err := NewOpenAI(context.Background(), "m", srv.URL, opts); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, want at least the 1 s Retry-After", d)
	}
}

func TestBackoffBounds(t *testing.T) {
	c := &client{opts: Options{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}}
	for attempt := range 8 {
		full := min(100*time.Millisecond<<attempt, time.Second)
		for range 20 {
			d := c.backoff(attempt, 0)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
	if d := c.backoff(0, 3*time.Second); d != time.Second {
		t.Fatalf("Retry-After 3s with MaxDelay 1s: delay %v, want 1s", d)
	}
	if d := c.backoff(0, 300*time.Millisecond); d != 300*time.Millisecond {
		t.Fatalf("Retry-After 300ms: delay %v", d)
	}
	for in, want := range map[string]time.Duration{"": 0, "2": 2 * time.Second, "x": 0, "-1": 0} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	if got := parseRetryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); got < 59*time.Minute {
		t.Errorf("HTTP-date Retry-After parsed as %v", got)
	}
}

func TestOpenAIShuffledIndexAndBatches(t *testing.T) {
	fake := &scripted{shuffle: true}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var logs bytes.Buffer
	opts := fastOpts(t, &logs)
	opts.BatchSize = 4
	e, err := NewOpenAI(context.Background(), "m", srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, 10)
	for i := range texts {
		texts[i] = fmt.Sprintf("passage %d", i)
	}
	got, err := e.Embed(context.Background(), embed.Passage, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		assertVec(t, got[i], normalized(text, 5))
	}
	if n := fake.calls.Load(); n != 1+3 {
		t.Fatalf("%d requests, want probe + 3 batches", n)
	}
	empty, err := e.Embed(context.Background(), embed.Query, nil)
	if err != nil || len(empty) != 0 || fake.calls.Load() != 4 {
		t.Fatalf("empty batch: %v, %v, %d calls", empty, err, fake.calls.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, embed.Query, texts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
}

func TestOpenAIModelNotFound(t *testing.T) {
	fake := &scripted{statuses: []int{404}, body: `{"error":{"message":"The model ` + "`text-embedding-4`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var logs bytes.Buffer
	_, err := NewOpenAI(context.Background(), "text-embedding-4", srv.URL, fastOpts(t, &logs))
	if !errors.Is(err, ErrModelNotFound) || !strings.Contains(err.Error(), `"text-embedding-4"`) {
		t.Fatalf("err = %v, want ErrModelNotFound naming the model", err)
	}
	if fake.calls.Load() != 1 {
		t.Fatalf("404 retried: %d calls", fake.calls.Load())
	}
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	const key = "sk-test-DO-NOT-LEAK-1234567890"
	for _, tc := range []struct {
		name     string
		statuses []int
	}{
		{"401 echoing the key", []int{401}},
		{"5xx echoing the key, retried then failing", []int{500, 500, 500}},
		{"success after a retry", []int{503}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &scripted{statuses: tc.statuses, body: `{"error":{"message":"Incorrect API key provided: ` + key + `"}}`}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			var logs bytes.Buffer
			opts := fastOpts(t, &logs)
			opts.APIKey = key
			opts.MaxRetries = 2
			_, err := NewOpenAI(context.Background(), "m", srv.URL, opts)
			if got, _ := fake.auth.Load().(string); got != "Bearer "+key {
				t.Fatalf("Authorization header %q", got)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Fatalf("error leaks the key: %v", err)
			}
			if strings.Contains(logs.String(), key) {
				t.Fatalf("logs leak the key: %s", logs.String())
			}
			if len(tc.statuses) > 0 && tc.statuses[0] >= 500 && !strings.Contains(logs.String(), "retrying") {
				t.Fatalf("retry not logged: %s", logs.String())
			}
		})
	}
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	var logs bytes.Buffer
	opts := fastOpts(t, &logs)
	opts.Timeout = 50 * time.Millisecond
	opts.MaxRetries = 1
	start := time.Now()
	_, err := NewOllama(context.Background(), "m", srv.URL, opts)
	if err == nil || !strings.Contains(err.Error(), "within 50ms") {
		t.Fatalf("err = %v, want a timeout error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// FuzzServerAnswer feeds arbitrary bodies and headers to what parses
// server answers: it must never panic, and messages stay short.
func FuzzServerAnswer(f *testing.F) {
	for _, s := range []string{``, `{"error":"model \"x\" not found"}`, `{"error":{"message":"m"}}`, `{"error":42}`, `<html>`, `{"error":null}`, "120", "Wed, 21 Oct 2015 07:28:00 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msg := serverMessage([]byte(s))
		if !isJSONError([]byte(s)) && len(msg) > 200+len("…") {
			t.Fatalf("message of %d bytes", len(msg))
		}
		if d := parseRetryAfter(s); d < 0 {
			t.Fatalf("negative Retry-After %v", d)
		}
	})
}
