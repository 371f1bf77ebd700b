package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hugging Face hub.
const DefaultEndpoint = "https://huggingface.co"

// ErrNotFound is wrapped when the hub has no such model, or no ONNX export
// or tokenizer in it.
var ErrNotFound = errors.New("model not found on the hub")

// markerName is written last into a complete download; its absence means
// the folder is not (yet) usable.
const markerName = ".plenary-complete.json"

// Progress reports the download of one file.
type Progress struct {
	// File is the path inside the repository, e.g. "onnx/model.onnx".
	File string
	// Done and Total are bytes; Total is -1 when unknown.
	Done, Total int64
}

// Options configure Download.
type Options struct {
	// CacheDir holds downloaded models, as CacheDir/ORG/NAME/REVISION.
	CacheDir string
	// Endpoint is the hub's base URL; empty means DefaultEndpoint.
	Endpoint string
	// Token, when set, is sent as "Authorization: Bearer" (gated and
	// private models). It is never logged.
	Token string
	// Revision is a branch, tag or commit; empty means "main".
	Revision string
	// Client sends the requests; nil uses a new http.Client.
	Client *http.Client
	// Logger receives what is downloaded; nil discards it.
	Logger *slog.Logger
	// Progress, when set, is called as files download (at most about ten
	// times a second per file, and once when each file is complete).
	Progress func(Progress)
}

// repoPattern is what the hub allows in ORG/NAME; it also keeps the cache
// path inside CacheDir.
var repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

var revisionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// wanted lists what a sentence-transformers ONNX model needs, in the order
// downloaded; the ONNX file is chosen separately.
var optionalFiles = []string{
	"config.json",
	"1_Pooling/config.json",
	"modules.json",
	"sentence_bert_config.json",
}

type file struct {
	Path string `json:"path"`
	Size int64  `json:"size"` // -1 when the hub did not say
}

// Download fetches what a sentence-transformers ONNX model needs from the
// hub repository repo ("ORG/NAME") into the cache, and returns the folder.
// A complete earlier download is returned without any network access.
//
// It fetches onnx/model.onnx (or model.onnx, and an external-data file next
// to it if the repository has one), tokenizer.json, and config.json,
// 1_Pooling/config.json, modules.json and sentence_bert_config.json when
// present. Each file is written to a ".part" file, resumed with a Range
// request after an interruption, checked against the expected size and
// renamed into place; a marker written last tells a complete folder.
//
// It returns an error wrapping [ErrNotFound] when the repository does not
// exist or lacks an ONNX export or a tokenizer, ctx.Err() when cancelled,
// and an error naming the file and the URL otherwise.
func Download(ctx context.Context, repo string, opts Options) (string, error) {
	if !repoPattern.MatchString(repo) || strings.Contains(repo, "..") {
		return "", fmt.Errorf("invalid hugging face model %q: want ORG/NAME", repo)
	}
	if opts.CacheDir == "" {
		return "", errors.New("no cache directory for downloaded models")
	}
	rev := opts.Revision
	if rev == "" {
		rev = "main"
	}
	if !revisionPattern.MatchString(rev) || strings.Contains(rev, "..") {
		return "", fmt.Errorf("invalid hugging face revision %q", rev)
	}
	endpoint := strings.TrimRight(opts.Endpoint, "/")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Join(opts.CacheDir, filepath.FromSlash(repo), rev)
	if complete(dir) {
		return dir, nil
	}

	d := &downloader{opts: opts, endpoint: endpoint, repo: repo, rev: rev}
	files, err := d.listing(ctx)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create model cache folder: %w", err)
	}
	for _, f := range files {
		if err := d.fetch(ctx, dir, f); err != nil {
			return "", err
		}
	}
	marker, err := json.Marshal(files)
	if err != nil {
		return "", fmt.Errorf("encode download marker: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, markerName), marker); err != nil {
		return "", err
	}
	opts.Logger.Info("model downloaded", "repo", repo, "revision", rev, "dir", dir)
	return dir, nil
}

// complete says whether dir holds a finished download whose files all
// still have their recorded sizes.
func complete(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		return false
	}
	var files []file
	if json.Unmarshal(data, &files) != nil || len(files) == 0 {
		return false
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil || (f.Size >= 0 && st.Size() != f.Size) {
			return false
		}
	}
	return true
}

type downloader struct {
	opts     Options
	endpoint string
	repo     string
	rev      string
}

func (d *downloader) get(ctx context.Context, u string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if d.opts.Token != "" {
		// net/http drops it on redirects to another host (the CDN).
		req.Header.Set("Authorization", "Bearer "+d.opts.Token)
	}
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("couldn't reach %s: %w", u, err)
	}
	return resp, nil
}

// listing asks the hub which files the repository has and picks those to
// download.
func (d *downloader) listing(ctx context.Context) ([]file, error) {
	u := d.endpoint + "/api/models/" + d.repo
	if d.rev != "main" {
		u += "/revision/" + url.PathEscape(d.rev)
	}
	resp, err := d.get(ctx, u+"?blobs=true", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("hugging face model %q (revision %s) at %s: %w", d.repo, d.rev, d.endpoint, ErrNotFound)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		hint := "set HF_TOKEN"
		if d.opts.Token != "" {
			hint = "the token in HF_TOKEN has no access to it"
		}
		return nil, fmt.Errorf("hugging face model %q at %s does not exist or needs access (%s): %w", d.repo, d.endpoint, hint, ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("list files of hugging face model %q at %s: status %d", d.repo, d.endpoint, resp.StatusCode)
	}
	var info struct {
		Siblings []struct {
			RFilename string `json:"rfilename"`
			Size      *int64 `json:"size"`
		} `json:"siblings"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("decode file list of hugging face model %q: %w", d.repo, err)
	}
	have := map[string]int64{}
	for _, s := range info.Siblings {
		size := int64(-1)
		if s.Size != nil {
			size = *s.Size
		}
		have[s.RFilename] = size
	}
	var files []file
	onnxPath := ""
	for _, p := range []string{"onnx/model.onnx", "model.onnx"} {
		if size, ok := have[p]; ok {
			onnxPath = p
			files = append(files, file{p, size})
			// Models over 2 GB keep their weights in a side file.
			if size, ok := have[p+"_data"]; ok {
				files = append(files, file{p + "_data", size})
			}
			break
		}
	}
	if onnxPath == "" {
		return nil, fmt.Errorf("hugging face model %q has no ONNX export (onnx/model.onnx or model.onnx): %w", d.repo, ErrNotFound)
	}
	size, ok := have["tokenizer.json"]
	if !ok {
		return nil, fmt.Errorf("hugging face model %q has no tokenizer.json: %w", d.repo, ErrNotFound)
	}
	files = append(files, file{"tokenizer.json", size})
	for _, p := range optionalFiles {
		if size, ok := have[p]; ok {
			files = append(files, file{p, size})
		}
	}
	return files, nil
}

// fetch downloads one file into dir unless it is already there with the
// expected size, resuming a ".part" file left by an interruption.
func (d *downloader) fetch(ctx context.Context, dir string, f file) error {
	dst := filepath.Join(dir, filepath.FromSlash(f.Path))
	if st, err := os.Stat(dst); err == nil && f.Size >= 0 && st.Size() == f.Size {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create folder for %s: %w", f.Path, err)
	}
	part := dst + ".part"
	var offset int64
	if st, err := os.Stat(part); err == nil {
		offset = st.Size()
		if f.Size >= 0 && offset > f.Size {
			offset = 0
		}
	}
	u := d.endpoint + "/" + d.repo + "/resolve/" + url.PathEscape(d.rev) + "/" + f.Path
	header := http.Header{}
	if offset > 0 {
		header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := d.get(ctx, u, header)
	if err != nil {
		return fmt.Errorf("download %s: %w", f.Path, err)
	}
	defer resp.Body.Close()
	flags := os.O_WRONLY | os.O_CREATE
	switch resp.StatusCode {
	case http.StatusPartialContent:
		flags |= os.O_APPEND
	case http.StatusOK:
		// The server ignored Range: start over.
		offset = 0
		flags |= os.O_TRUNC
	case http.StatusRequestedRangeNotSatisfiable:
		// The part file is already whole (or stale): start over next time.
		_ = os.Remove(part)
		return fmt.Errorf("download %s from %s: range not satisfiable, removed partial file; try again", f.Path, u)
	case http.StatusNotFound:
		return fmt.Errorf("download %s from %s: %w", f.Path, u, ErrNotFound)
	default:
		return fmt.Errorf("download %s from %s: status %d", f.Path, u, resp.StatusCode)
	}
	total := f.Size
	if total < 0 && resp.ContentLength >= 0 {
		total = offset + resp.ContentLength
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", part, err)
	}
	d.opts.Logger.Info("downloading", "file", f.Path, "url", u, "bytes", total, "resume_from", offset)
	w := &progressWriter{w: out, done: offset, total: total, file: f.Path, report: d.opts.Progress}
	_, copyErr := io.Copy(w, resp.Body)
	closeErr := out.Close()
	if copyErr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("download %s from %s (%d bytes kept for resuming): %w", f.Path, u, w.done, copyErr)
	}
	if closeErr != nil {
		return fmt.Errorf("write %s: %w", part, closeErr)
	}
	if total >= 0 && w.done != total {
		return fmt.Errorf("download %s from %s: got %d bytes, want %d (kept for resuming)", f.Path, u, w.done, total)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("move %s into place: %w", f.Path, err)
	}
	w.flush()
	return nil
}

type progressWriter struct {
	w           io.Writer
	done, total int64
	file        string
	report      func(Progress)
	last        time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.report != nil && time.Since(p.last) >= 100*time.Millisecond {
		p.last = time.Now()
		p.report(Progress{File: p.file, Done: p.done, Total: p.total})
	}
	return n, err
}

func (p *progressWriter) flush() {
	if p.report != nil {
		p.report(Progress{File: p.file, Done: p.done, Total: p.total})
	}
}

// writeAtomic writes data to path through a temporary file and a rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// DefaultCacheDir returns $PLENARY_CACHE/models when getenv gives
// PLENARY_CACHE, else the user cache directory + /plenary/models. It
// returns an error when neither is known.
func DefaultCacheDir(getenv func(string) string) (string, error) {
	if getenv != nil {
		if c := getenv("PLENARY_CACHE"); c != "" {
			return filepath.Join(c, "models"), nil
		}
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory (set PLENARY_CACHE): %w", err)
	}
	return filepath.Join(c, "plenary", "models"), nil
}
