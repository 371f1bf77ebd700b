package spec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/plenary-search/plenary/embed"
	"github.com/plenary-search/plenary/embed/hub"
	"github.com/plenary-search/plenary/embed/onnx"
	"github.com/plenary-search/plenary/embed/remote"
)

// Usage describes the accepted specs, for --help texts and error messages.
const Usage = `builtin | onnx:DIR | hf:ORG/NAME[@REVISION] | ollama:MODEL[@URL] | openai:MODEL[@BASEURL]`

// ErrUnknownSpec is wrapped when a spec has no known form.
var ErrUnknownSpec = errors.New("unknown embedder spec")

// Options carry what building an embedder may need. Nothing is read from
// the process environment: Getenv supplies HF_ENDPOINT, HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN, PLENARY_CACHE, OLLAMA_HOST, OPENAI_API_KEY,
// OPENAI_BASE_URL, PLENARY_ONNX_RUNTIME (go or ort, see onnx.Options.Runtime)
// and PLENARY_ORT_LIBRARY (the path of libonnxruntime.so).
type Options struct {
	// Builtin builds the default embedder; Parse fails on "builtin" when nil.
	Builtin func() (embed.Embedder, error)
	// CacheDir holds models downloaded from the hub; empty means
	// hub.DefaultCacheDir(Getenv).
	CacheDir string
	// Logger receives load and download information; nil discards it.
	Logger *slog.Logger
	// Client sends hub and remote requests; nil uses a new http.Client.
	Client *http.Client
	// Getenv looks up configuration; nil means every variable is unset.
	Getenv func(string) string
	// Progress, when set, reports hub downloads.
	Progress func(hub.Progress)
}

// Parse builds the embedder a spec names:
//
//	builtin (or empty)       the built-in model, from opts.Builtin
//	onnx:DIR                 a sentence-transformers ONNX folder
//	hf:ORG/NAME[@REVISION]   the same, downloaded from the Hugging Face hub
//	ollama:MODEL[@URL]       an Ollama server (default $OLLAMA_HOST or http://localhost:11434)
//	openai:MODEL[@BASEURL]   an OpenAI-compatible API (default $OPENAI_BASE_URL or https://api.openai.com/v1)
//
// Remote embedders embed a probe text, so Parse fails when the server is
// unreachable or lacks the model. An embedder that holds resources (ONNX)
// implements io.Closer. Parse returns an error wrapping [ErrUnknownSpec]
// for an unknown form, and the backend's error otherwise.
func Parse(ctx context.Context, spec string, opts Options) (embed.Embedder, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "builtin" {
		if opts.Builtin == nil {
			return nil, errors.New("no built-in embedder available")
		}
		e, err := opts.Builtin()
		if err != nil {
			return nil, fmt.Errorf("load built-in embedder: %w", err)
		}
		return e, nil
	}
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok || rest == "" {
		return nil, fmt.Errorf("%w %q: want %s", ErrUnknownSpec, spec, Usage)
	}
	switch kind {
	case "onnx":
		m, err := onnx.Open(ctx, rest, onnxOptions(getenv, log, ""))
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", spec, err)
		}
		return m, nil

	case "hf":
		repo, rev, _ := strings.Cut(rest, "@")
		cache := opts.CacheDir
		if cache == "" {
			var err error
			if cache, err = hub.DefaultCacheDir(getenv); err != nil {
				return nil, err
			}
		}
		token := getenv("HF_TOKEN")
		if token == "" {
			token = getenv("HUGGING_FACE_HUB_TOKEN")
		}
		dir, err := hub.Download(ctx, repo, hub.Options{
			CacheDir: cache,
			Endpoint: getenv("HF_ENDPOINT"),
			Token:    token,
			Revision: rev,
			Client:   opts.Client,
			Logger:   log,
			Progress: opts.Progress,
		})
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", spec, err)
		}
		m, err := onnx.Open(ctx, dir, onnxOptions(getenv, log, path.Base(repo)))
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", spec, err)
		}
		return m, nil

	case "ollama":
		model, url, _ := strings.Cut(rest, "@")
		if url == "" {
			url = ollamaHost(getenv("OLLAMA_HOST"))
		}
		e, err := remote.NewOllama(ctx, model, url, remoteOptions(opts, log, "", model))
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", spec, err)
		}
		return e, nil

	case "openai":
		model, url, _ := strings.Cut(rest, "@")
		if url == "" {
			url = getenv("OPENAI_BASE_URL")
		}
		e, err := remote.NewOpenAI(ctx, model, url, remoteOptions(opts, log, getenv("OPENAI_API_KEY"), model))
		if err != nil {
			return nil, fmt.Errorf("embedder %s: %w", spec, err)
		}
		return e, nil
	}
	return nil, fmt.Errorf("%w %q: want %s", ErrUnknownSpec, spec, Usage)
}

// ErrSecretInSpec is wrapped by [Canonical] when a spec carries a
// credential. Specs are recorded in the index's manifest, a plain file;
// keys and tokens come from the environment (OPENAI_API_KEY, HF_TOKEN).
var ErrSecretInSpec = errors.New("embedder spec must not carry credentials")

// Canonical returns spec in the form an index records so that a later
// process can build the same embedder from any working directory:
// "builtin" for the empty spec, and onnx:DIR with DIR made absolute. It
// builds nothing and reads no file. It returns an error wrapping
// [ErrUnknownSpec] for an unknown form, and one wrapping [ErrSecretInSpec]
// when a URL in the spec holds a user, password or query string.
func Canonical(spec string) (string, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "builtin" {
		return "builtin", nil
	}
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok || rest == "" {
		return "", fmt.Errorf("%w %q: want %s", ErrUnknownSpec, spec, Usage)
	}
	switch kind {
	case "onnx":
		abs, err := filepath.Abs(rest)
		if err != nil {
			return "", fmt.Errorf("embedder %s: make the model folder absolute: %w", spec, err)
		}
		return "onnx:" + abs, nil
	case "hf":
		return spec, nil
	case "ollama", "openai":
		// Model names hold no "@", so the first one starts the URL.
		_, raw, hasURL := strings.Cut(rest, "@")
		if !hasURL {
			return spec, nil
		}
		u, err := url.Parse(raw)
		if err != nil {
			// Not a URL we can vet; showing it could show a secret.
			return "", fmt.Errorf("embedder %s: invalid server URL", kind)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return "", fmt.Errorf("%w: %s: put the key in the environment, not in the server URL", ErrSecretInSpec, kind)
		}
		return spec, nil
	}
	return "", fmt.Errorf("%w %q: want %s", ErrUnknownSpec, spec, Usage)
}

// onnxOptions are the options of a local model, with the runtime chosen
// by the environment.
func onnxOptions(getenv func(string) string, log *slog.Logger, label string) onnx.Options {
	return onnx.Options{
		Logger: log, Label: label,
		Runtime:    strings.ToLower(strings.TrimSpace(getenv("PLENARY_ONNX_RUNTIME"))),
		ORTLibrary: strings.TrimSpace(getenv("PLENARY_ORT_LIBRARY")),
	}
}

func remoteOptions(opts Options, log *slog.Logger, key, model string) remote.Options {
	ro := remote.Options{Client: opts.Client, Logger: log, APIKey: key}
	// Servers do not add the prefixes instruction-trained models expect.
	if q, p, err := onnx.FamilyPrefixes(onnx.DetectFamily(model)); err == nil {
		ro.QueryPrefix, ro.PassagePrefix = q, p
	}
	return ro
}

// ollamaHost turns OLLAMA_HOST ("host:port", "0.0.0.0", a URL) into a base
// URL; empty gives the default.
func ollamaHost(h string) string {
	h = strings.TrimSpace(h)
	if h == "" {
		return remote.DefaultOllamaURL
	}
	if !strings.Contains(h, "://") {
		h = "http://" + h
	}
	scheme, hostport, _ := strings.Cut(h, "://")
	hostport = strings.TrimRight(hostport, "/")
	if scheme == "http" && (!strings.Contains(hostport, ":") || strings.HasSuffix(hostport, "]")) {
		hostport += ":11434"
	}
	// 0.0.0.0 is where the server listens, not an address to call.
	hostport = strings.Replace(hostport, "0.0.0.0:", "127.0.0.1:", 1)
	return scheme + "://" + hostport
}
