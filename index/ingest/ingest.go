package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Doc is a document as read from a file, before cleaning.
type Doc struct {
	// ID is the path relative to the folder given, without extension,
	// with forward slashes ("sub/report"); for a file given directly, its
	// base name without extension; for JSONL, the line's "id".
	ID string
	// Root is the absolute, cleaned path of the argument (folder or file)
	// the document came from.
	Root string
	// Path is the file the document came from, as given or joined.
	Path string
	// Format is "txt", "md", "html" or "jsonl".
	Format string
	// Title is the JSONL "title", or the HTML <title> or <h1>; "" otherwise.
	Title string
	// Text is the visible text: valid UTF-8, "\n" line endings, and for
	// HTML paragraphs separated by blank lines.
	Text string
	// Date, URL and Source are the JSONL "date" (as given), "url" and
	// "source"; "" otherwise.
	Date, URL, Source string
}

// Problem is a file or JSONL line that was skipped, and why.
type Problem struct {
	Path string
	Line int // 1-based line of a JSONL file; 0 when not applicable
	Err  error
}

// Error returns "path:line: reason", or "path: reason" without a line.
func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", p.Path, p.Line, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.Path, p.Err)
}

// Unwrap returns the reason, so that errors.Is finds the sentinel errors.
func (p Problem) Unwrap() error { return p.Err }

// Reasons a file or line is skipped; Problem.Err wraps one of them.
var (
	// ErrTooLarge: a file, or a JSONL line, is larger than MaxFileSize.
	ErrTooLarge = errors.New("file is too large")
	// ErrBinary: a file holds NUL bytes or mostly control characters.
	ErrBinary = errors.New("file is binary, not text")
	// ErrEncoding: text is neither UTF-8 nor UTF-16 with a byte-order
	// mark, nor HTML in a charset it declares.
	ErrEncoding = errors.New("text is not valid UTF-8")
	// ErrEmpty: a file, or a JSONL "text", has nothing but whitespace.
	ErrEmpty = errors.New("no text")
	// ErrUnsupported: a file named explicitly has an extension Walk does
	// not read.
	ErrUnsupported = errors.New("unsupported file type")
	// ErrDuplicateID: a document's ID was already used in this walk.
	ErrDuplicateID = errors.New("duplicate document id")
	// ErrBadLine: a JSONL line is not a JSON object or has no usable "id".
	ErrBadLine = errors.New("bad JSONL line")
)

// Options tunes Walk.
type Options struct {
	// MaxFileSize is the largest file read, in bytes; for JSONL it is
	// the longest line. 0 means 32 MiB.
	MaxFileSize int64
}

const defaultMaxFileSize = 32 << 20

// formats maps file extensions to formats.
var formats = map[string]string{
	".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
	".html": "html", ".htm": "html", ".xhtml": "html", ".jsonl": "jsonl",
}

// Walk reads every path, a file or a folder searched recursively, and calls
// fn for each document, in order of path within each argument. Hidden files
// and folders (named ".*") are skipped, as are files of other types inside a
// folder; a file of another type named explicitly is a Problem. onProblem
// is called for each file or JSONL line skipped: too large, binary, not
// UTF-8 (UTF-16 with a byte-order mark is decoded), empty, malformed, or
// with an ID already used in this walk. onProblem may be nil.
//
// Walk returns an error only if ctx is cancelled (ctx.Err()), fn returns an
// error (returned as is), or a path does not exist or cannot be read.
func Walk(ctx context.Context, paths []string, opts Options, fn func(Doc) error, onProblem func(Problem)) error {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = defaultMaxFileSize
	}
	if onProblem == nil {
		onProblem = func(Problem) {}
	}
	w := walker{opts: opts, fn: fn, problem: onProblem, seen: map[string]string{}}
	for _, arg := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.walkArg(ctx, arg); err != nil {
			return err
		}
	}
	return nil
}

type walker struct {
	opts    Options
	fn      func(Doc) error
	problem func(Problem)
	seen    map[string]string // document ID → file that first used it
}

// fileRef is a file to read and the ID its document takes.
type fileRef struct {
	path, id, format string
}

func (w *walker) walkArg(ctx context.Context, arg string) error {
	fi, err := os.Stat(arg)
	if err != nil {
		return fmt.Errorf("read %s: %w", arg, err)
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", arg, err)
	}
	root := filepath.Clean(abs)
	if !fi.IsDir() {
		ext := strings.ToLower(filepath.Ext(arg))
		format, ok := formats[ext]
		if !ok {
			w.problem(Problem{Path: arg, Err: fmt.Errorf("%w %q", ErrUnsupported, ext)})
			return nil
		}
		base := filepath.Base(arg)
		return w.readFile(ctx, root, fileRef{path: arg, id: strings.TrimSuffix(base, filepath.Ext(base)), format: format})
	}
	var files []fileRef
	err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == arg {
				return err
			}
			w.problem(Problem{Path: path, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != arg && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		format, ok := formats[strings.ToLower(filepath.Ext(path))]
		if !ok {
			return nil
		}
		if !d.Type().IsRegular() {
			// A symlink is read when it leads to a regular file;
			// links to folders are not followed, to avoid cycles.
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
		}
		rel, err := filepath.Rel(arg, path)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		files = append(files, fileRef{path: path, id: strings.TrimSuffix(rel, filepath.Ext(rel)), format: format})
		return nil
	})
	if err != nil {
		return fmt.Errorf("read folder %s: %w", arg, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.readFile(ctx, root, f); err != nil {
			return err
		}
	}
	return nil
}

// readFile reads one file and delivers its documents. It returns only
// errors that end the walk.
func (w *walker) readFile(ctx context.Context, root string, f fileRef) error {
	if f.format == "jsonl" {
		return w.readJSONL(ctx, root, f)
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		w.problem(Problem{Path: f.path, Err: err})
		return nil
	}
	if fi.Size() > w.opts.MaxFileSize {
		w.problem(Problem{Path: f.path, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), w.opts.MaxFileSize)})
		return nil
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		w.problem(Problem{Path: f.path, Err: err})
		return nil
	}
	if int64(len(b)) > w.opts.MaxFileSize {
		// The file grew after Stat.
		w.problem(Problem{Path: f.path, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), w.opts.MaxFileSize)})
		return nil
	}
	doc := Doc{ID: f.id, Root: root, Path: f.path, Format: f.format}
	switch f.format {
	case "html":
		doc.Title, doc.Text, err = decodeHTML(b)
	case "md":
		doc.Text, err = decodeText(b)
		doc.Text = stripMarkdown(doc.Text)
	default:
		doc.Text, err = decodeText(b)
	}
	if err == nil && strings.TrimSpace(doc.Text) == "" {
		err = ErrEmpty
	}
	if err != nil {
		w.problem(Problem{Path: f.path, Err: err})
		return nil
	}
	return w.deliver(doc, 0)
}

// deliver passes doc to fn unless its ID was already used.
func (w *walker) deliver(doc Doc, line int) error {
	if first, ok := w.seen[doc.ID]; ok {
		w.problem(Problem{Path: doc.Path, Line: line, Err: fmt.Errorf("%w %q, first used by %s", ErrDuplicateID, doc.ID, first)})
		return nil
	}
	where := doc.Path
	if line > 0 {
		where = fmt.Sprintf("%s:%d", doc.Path, line)
	}
	w.seen[doc.ID] = where
	return w.fn(doc)
}
