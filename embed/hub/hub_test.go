package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeHub serves /api/models/{repo} and /{repo}/resolve/{rev}/{path} for
// the repositories in repos, like huggingface.co does.
type fakeHub struct {
	t     *testing.T
	repos map[string]map[string][]byte
	token string // required when set
	// cutAfter makes the first download of a file stop after that many
	// bytes, by aborting the connection.
	cutAfter map[string]int

	mu       sync.Mutex
	requests []string
	auth     []string
	ranges   []string
	cut      map[string]bool
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, r.URL.Path)
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	h.mu.Unlock()
	if h.token != "" && r.Header.Get("Authorization") != "Bearer "+h.token {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"Invalid credentials in Authorization header"}`)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/api/models/"); ok {
		files, ok := h.repos[rest]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"Repository not found"}`)
			return
		}
		type sibling struct {
			RFilename string `json:"rfilename"`
			Size      int64  `json:"size"`
		}
		var sib []sibling
		for name, data := range files {
			sib = append(sib, sibling{name, int64(len(data))})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": rest, "siblings": sib})
		return
	}
	for repo, files := range h.repos {
		prefix := "/" + repo + "/resolve/main/"
		name, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			continue
		}
		data, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		start := 0
		if rg := r.Header.Get("Range"); rg != "" {
			h.mu.Lock()
			h.ranges = append(h.ranges, name+" "+rg)
			h.mu.Unlock()
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			if err != nil || n > len(data) {
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			start = n
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(data)-1, len(data)))
			w.Header().Set("Content-Length", strconv.Itoa(len(data)-n))
			w.WriteHeader(http.StatusPartialContent)
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		}
		h.mu.Lock()
		cut, shouldCut := h.cutAfter[name]
		if shouldCut && !h.cut[name] {
			h.cut[name] = true
			h.mu.Unlock()
			_, _ = w.Write(data[start : start+cut])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		h.mu.Unlock()
		_, _ = w.Write(data[start:])
		return
	}
	http.NotFound(w, r)
}

func modelFiles() map[string][]byte {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	return map[string][]byte{
		"onnx/model.onnx":            big,
		"model.onnx":                 []byte("the root export, not preferred"),
		"onnx/model_qint8_avx2.onnx": []byte("not needed"),
		"tokenizer.json":             []byte(`{"model":{}}`),
		"config.json":                []byte(`{"max_position_embeddings":512}`),
		"1_Pooling/config.json":      []byte(`{"pooling_mode_mean_tokens":true}`),
		"modules.json":               []byte(`[]`),
		"sentence_bert_config.json":  []byte(`{"max_seq_length":256}`),
		"README.md":                  []byte("# not needed"),
		"pytorch_model.bin":          []byte("not needed"),
	}
}

func newHub(t *testing.T) (*fakeHub, *httptest.Server) {
	t.Helper()
	h := &fakeHub{t: t, repos: map[string]map[string][]byte{
		"sentence-transformers/all-MiniLM-L6-v2": modelFiles(),
		"someone/no-onnx":                        {"tokenizer.json": []byte("{}"), "pytorch_model.bin": []byte("x")},
	}, cut: map[string]bool{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func TestDownload(t *testing.T) {
	h, srv := newHub(t)
	h.token = "hf_secret_token"
	cache := t.TempDir()
	var logs bytes.Buffer
	var progress []Progress
	opts := Options{
		CacheDir: cache, Endpoint: srv.URL, Token: h.token,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		Progress: func(p Progress) { progress = append(progress, p) },
	}
	dir, err := Download(context.Background(), "sentence-transformers/all-MiniLM-L6-v2", opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "sentence-transformers", "all-MiniLM-L6-v2", "main"); dir != want {
		t.Fatalf("dir = %s, want %s", dir, want)
	}
	files := modelFiles()
	for _, name := range []string{"onnx/model.onnx", "tokenizer.json", "config.json", "1_Pooling/config.json", "modules.json", "sentence_bert_config.json"} {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, files[name]) {
			t.Fatalf("%s differs", name)
		}
	}
	for _, name := range []string{"model.onnx", "README.md", "pytorch_model.bin", "onnx/model_qint8_avx2.onnx"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
			t.Errorf("%s downloaded but not needed", name)
		}
	}
	for _, a := range h.auth {
		if a != "Bearer hf_secret_token" {
			t.Fatalf("request without the token: %q", a)
		}
	}
	if strings.Contains(logs.String(), "hf_secret_token") {
		t.Fatalf("token logged: %s", logs.String())
	}
	last := map[string]Progress{}
	for _, p := range progress {
		last[p.File] = p
	}
	if p := last["onnx/model.onnx"]; p.Done != int64(len(files["onnx/model.onnx"])) || p.Total != p.Done {
		t.Fatalf("final progress for the model: %+v", p)
	}

	// A second call needs no network at all.
	srv.Close()
	again, err := Download(context.Background(), "sentence-transformers/all-MiniLM-L6-v2", opts)
	if err != nil || again != dir {
		t.Fatalf("cached call: %q, %v", again, err)
	}
}

func TestDownloadErrors(t *testing.T) {
	h, srv := newHub(t)
	for _, tc := range []struct {
		name, repo, token, want string
		notFound                bool
	}{
		{"unknown model", "nobody/nothing", "", `"nobody/nothing"`, true},
		{"no onnx export", "someone/no-onnx", "", "no ONNX export", true},
		{"bad name", "../../etc", "", "invalid hugging face model", false},
		{"gated without token", "sentence-transformers/all-MiniLM-L6-v2", "", "set HF_TOKEN", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.token = ""
			if tc.name == "gated without token" {
				h.token = "needed"
			}
			cache := t.TempDir()
			_, err := Download(context.Background(), tc.repo, Options{CacheDir: cache, Endpoint: srv.URL, Token: tc.token})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Fatalf("errors.Is(err, ErrNotFound) = %v, want %v", !tc.notFound, tc.notFound)
			}
		})
	}
}

func TestDownloadInterruptedThenResumed(t *testing.T) {
	h, srv := newHub(t)
	h.cutAfter = map[string]int{"onnx/model.onnx": 300_000}
	cache := t.TempDir()
	opts := Options{CacheDir: cache, Endpoint: srv.URL}
	_, err := Download(context.Background(), "sentence-transformers/all-MiniLM-L6-v2", opts)
	if err == nil {
		t.Fatal("interrupted download succeeded")
	}
	dir := filepath.Join(cache, "sentence-transformers", "all-MiniLM-L6-v2", "main")
	if _, err := os.Stat(filepath.Join(dir, "onnx", "model.onnx")); err == nil {
		t.Fatal("a truncated model.onnx is in the cache")
	}
	if complete(dir) {
		t.Fatal("interrupted folder marked complete")
	}
	if st, err := os.Stat(filepath.Join(dir, "onnx", "model.onnx.part")); err != nil || st.Size() != 300_000 {
		t.Fatalf("partial file: %v, %v", st, err)
	}

	got, err := Download(context.Background(), "sentence-transformers/all-MiniLM-L6-v2", opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(got, "onnx", "model.onnx"))
	if err != nil || !bytes.Equal(data, modelFiles()["onnx/model.onnx"]) {
		t.Fatalf("resumed file differs (%d bytes, %v)", len(data), err)
	}
	if len(h.ranges) != 1 || h.ranges[0] != "onnx/model.onnx bytes=300000-" {
		t.Fatalf("range requests %v", h.ranges)
	}
	if _, err := os.Stat(filepath.Join(dir, "onnx", "model.onnx.part")); err == nil {
		t.Fatal("part file left behind")
	}
}

func TestDownloadCancelled(t *testing.T) {
	_, srv := newHub(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Download(ctx, "sentence-transformers/all-MiniLM-L6-v2", Options{CacheDir: t.TempDir(), Endpoint: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	got, err := DefaultCacheDir(func(k string) string {
		if k == "PLENARY_CACHE" {
			return "/x/cache"
		}
		return ""
	})
	if err != nil || got != filepath.Join("/x/cache", "models") {
		t.Fatalf("DefaultCacheDir = %q, %v", got, err)
	}
}
