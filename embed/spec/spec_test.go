package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/hub"
	"github.com/plenary-search/plenary/embed/internal/testmodel"
	"github.com/plenary-search/plenary/embed/onnx"
)

// constEmbedder stands in for the built-in model.
type constEmbedder struct{}

func (constEmbedder) Name() string { return "builtin:test" }
func (constEmbedder) Dim() int     { return 2 }
func (constEmbedder) Embed(_ context.Context, _ embed.Kind, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func closeIfCloser(t *testing.T, e embed.Embedder) {
	t.Helper()
	if c, ok := e.(io.Closer); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
}

func TestBuiltinAndUnknown(t *testing.T) {
	builtin := func() (embed.Embedder, error) { return constEmbedder{}, nil }
	for _, tc := range []struct {
		spec    string
		builtin func() (embed.Embedder, error)
		want    string // Name, or error text
		wantErr bool
	}{
		{"", builtin, "builtin:test", false},
		{"builtin", builtin, "builtin:test", false},
		{" builtin ", builtin, "builtin:test", false},
		{"builtin", nil, "no built-in embedder", true},
		{"builtin", func() (embed.Embedder, error) { return nil, errors.New("boom") }, "load built-in embedder: boom", true},
		{"word2vec:x", builtin, "unknown embedder spec", true},
		{"onnx:", builtin, "unknown embedder spec", true},
		{"nonsense", builtin, "unknown embedder spec", true},
		{"onnx:/does/not/exist", builtin, "no tokenizer.json", true},
		{"hf:not a repo", builtin, "invalid hugging face model", true},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			e, err := Parse(context.Background(), tc.spec, Options{Builtin: tc.builtin, CacheDir: t.TempDir()})
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != tc.want {
				t.Fatalf("Name() = %q, want %q", e.Name(), tc.want)
			}
		})
	}
}

func writeToy(t *testing.T, dir string) {
	t.Helper()
	toy := testmodel.NewToy(3, 8)
	if _, err := testmodel.WriteFolder(dir, toy.ONNX(), toy.Vocab, 8, testmodel.Folder{Pooling: "mean", Normalize: true, ONNXSubdir: true}); err != nil {
		t.Fatal(err)
	}
}

func TestONNXAndHub(t *testing.T) {
	local := filepath.Join(t.TempDir(), "toy-minilm")
	writeToy(t, local)
	e, err := Parse(context.Background(), "onnx:"+local, Options{})
	if err != nil {
		t.Fatal(err)
	}
	closeIfCloser(t, e)
	if !strings.HasPrefix(e.Name(), "onnx:toy-minilm@sha256:") || e.Dim() != 8 {
		t.Fatalf("Name, Dim = %q, %d", e.Name(), e.Dim())
	}

	// Serve the same folder as a hub repository.
	var mu sync.Mutex
	var auth []string
	files := map[string][]byte{}
	err = filepath.WalkDir(local, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Path == "/api/models/acme/toy-minilm" {
			var sib []map[string]any
			for name, data := range files {
				sib = append(sib, map[string]any{"rfilename": name, "size": len(data)})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"siblings": sib})
			return
		}
		if name, ok := strings.CutPrefix(r.URL.Path, "/acme/toy-minilm/resolve/main/"); ok && files[name] != nil {
			_, _ = w.Write(files[name])
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cache := t.TempDir()
	var progressed []string
	opts := Options{
		Getenv: env(map[string]string{
			"HF_ENDPOINT":            srv.URL,
			"HUGGING_FACE_HUB_TOKEN": "hf_fallback_token",
			"PLENARY_CACHE":          cache,
		}),
		Progress: func(p hub.Progress) { progressed = append(progressed, p.File) },
	}
	h, err := Parse(context.Background(), "hf:acme/toy-minilm", opts)
	if err != nil {
		t.Fatal(err)
	}
	closeIfCloser(t, h)
	// Same files, same label: the same name, so either spec can search an
	// index the other built.
	if h.Name() != e.Name() {
		t.Fatalf("hf Name %q, onnx Name %q", h.Name(), e.Name())
	}
	if _, err := os.Stat(filepath.Join(cache, "models", "acme", "toy-minilm", "main", "onnx", "model.onnx")); err != nil {
		t.Fatalf("not cached under PLENARY_CACHE: %v", err)
	}
	if len(progressed) == 0 {
		t.Fatal("no progress reported")
	}
	for _, a := range auth {
		if a != "Bearer hf_fallback_token" {
			t.Fatalf("Authorization %q", a)
		}
	}
	v1, err := e.Embed(context.Background(), embed.Query, []string{"the plenary session"})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := h.Embed(context.Background(), embed.Query, []string{"the plenary session"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(v1) != fmt.Sprint(v2) {
		t.Fatalf("hf and onnx embed differently: %v vs %v", v1, v2)
	}

	_, err = Parse(context.Background(), "hf:acme/missing", opts)
	if !errors.Is(err, hub.ErrNotFound) || !strings.Contains(err.Error(), "acme/missing") {
		t.Fatalf("missing model: %v", err)
	}
}

func TestRemoteSpecs(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+req.Model+" "+r.Header.Get("Authorization")+" "+strings.Join(req.Input, "|"))
		mu.Unlock()
		switch r.URL.Path {
		case "/api/embed":
			vecs := make([][]float32, len(req.Input))
			for i := range vecs {
				vecs[i] = []float32{3, 4, 0}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"embeddings": vecs})
		case "/v1/embeddings":
			data := make([]map[string]any, len(req.Input))
			for i := range data {
				data[i] = map[string]any{"object": "embedding", "index": i, "embedding": []float32{0, 0, 1, 0}}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	hostport := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		spec     string
		vars     map[string]string
		wantName string
		wantDim  int
		wantSeen string
	}{
		{"ollama:nomic-embed-text@" + srv.URL, nil, "ollama:nomic-embed-text", 3, "/api/embed nomic-embed-text  search_document: x"},
		{"ollama:all-minilm", map[string]string{"OLLAMA_HOST": hostport}, "ollama:all-minilm", 3, "/api/embed all-minilm  x"},
		{"openai:text-embedding-3-small@" + srv.URL + "/v1", map[string]string{"OPENAI_API_KEY": "sk-1"}, "openai:text-embedding-3-small", 4, "/v1/embeddings text-embedding-3-small Bearer sk-1 x"},
		{"openai:e5-large", map[string]string{"OPENAI_BASE_URL": srv.URL + "/v1"}, "openai:e5-large", 4, "/v1/embeddings e5-large  passage: x"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			e, err := Parse(context.Background(), tc.spec, Options{Getenv: env(tc.vars)})
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != tc.wantName || e.Dim() != tc.wantDim {
				t.Fatalf("Name, Dim = %q, %d", e.Name(), e.Dim())
			}
			mu.Lock()
			seen = nil
			mu.Unlock()
			if _, err := e.Embed(context.Background(), embed.Passage, []string{"x"}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[0] != tc.wantSeen {
				t.Fatalf("requests %q, want %q", seen, tc.wantSeen)
			}
		})
	}
}

func TestOllamaHost(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "http://localhost:11434",
		"0.0.0.0":               "http://127.0.0.1:11434",
		"0.0.0.0:8080":          "http://127.0.0.1:8080",
		"gpu-box":               "http://gpu-box:11434",
		"https://ollama.lan/":   "https://ollama.lan",
		"http://10.0.0.2:11434": "http://10.0.0.2:11434",
	} {
		if got := ollamaHost(in); got != want {
			t.Errorf("ollamaHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzOllamaHost(f *testing.F) {
	for _, s := range []string{"", "0.0.0.0", "host:1", "https://x/", "[::1]", "http://[::1]:8080"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ollamaHost(s)
		if !strings.Contains(got, "://") {
			t.Fatalf("ollamaHost(%q) = %q has no scheme", s, got)
		}
	})
}

func TestCanonical(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec    string
		want    string
		wantErr error // nil: success
	}{
		{"", "builtin", nil},
		{"  builtin ", "builtin", nil},
		{"onnx:models/minilm", "onnx:" + filepath.Join(wd, "models", "minilm"), nil},
		{"onnx:/abs/model/", "onnx:/abs/model", nil},
		{"hf:sentence-transformers/all-MiniLM-L6-v2@main", "hf:sentence-transformers/all-MiniLM-L6-v2@main", nil},
		{"ollama:nomic-embed-text", "ollama:nomic-embed-text", nil},
		{"ollama:nomic-embed-text@http://127.0.0.1:11434", "ollama:nomic-embed-text@http://127.0.0.1:11434", nil},
		{"openai:text-embedding-3-small@https://api.example.org/v1", "openai:text-embedding-3-small@https://api.example.org/v1", nil},
		{"openai:m@https://sk-secret:x@api.example.org/v1", "", ErrSecretInSpec},
		{"openai:m@https://sk-secret@api.example.org/v1", "", ErrSecretInSpec},
		{"openai:m@https://api.example.org/v1?api-key=sk-secret", "", ErrSecretInSpec},
		{"ollama:m@http://host:1/#sk-secret", "", ErrSecretInSpec},
		{"telepathy:x", "", ErrUnknownSpec},
		{"onnx:", "", ErrUnknownSpec},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := Canonical(tt.spec)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Canonical(%q) = %q, %v; want error %v", tt.spec, got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "sk-secret") {
					t.Fatalf("the error repeats the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Canonical(%q) = %q, %v; want %q", tt.spec, got, err, tt.want)
			}
		})
	}
}

func TestONNXRuntimeFromEnvironment(t *testing.T) {
	local := filepath.Join(t.TempDir(), "toy-minilm")
	writeToy(t, local)
	env := map[string]string{"PLENARY_ONNX_RUNTIME": " Go "}
	e, err := Parse(context.Background(), "onnx:"+local, Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	closeIfCloser(t, e)
	if m, ok := e.(*onnx.Model); !ok || m.Runtime() != onnx.RuntimeGo {
		t.Fatalf("embedder %T with PLENARY_ONNX_RUNTIME=go", e)
	}
	env["PLENARY_ONNX_RUNTIME"] = "tpu"
	if _, err := Parse(context.Background(), "onnx:"+local, Options{Getenv: func(k string) string { return env[k] }}); err == nil {
		t.Fatal("PLENARY_ONNX_RUNTIME=tpu accepted")
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"", "builtin", "onnx:m", "hf:a/b@v1", "ollama:m@http://h:1", "openai:m@https://u:p@h/v1?k=1", "x:", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			return
		}
		again, err := Canonical(c)
		if err != nil || again != c {
			t.Fatalf("Canonical(%q) = %q, but Canonical of that = %q, %v", s, c, again, err)
		}
	})
}
