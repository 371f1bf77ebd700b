package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// writeFiles creates files under dir; names may contain slashes.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// walk runs Walk and collects its documents and problems.
func walk(t *testing.T, paths []string, opts Options) ([]Doc, []Problem, error) {
	t.Helper()
	var docs []Doc
	var probs []Problem
	err := Walk(context.Background(), paths, opts, func(d Doc) error {
		docs = append(docs, d)
		return nil
	}, func(p Problem) { probs = append(probs, p) })
	return docs, probs, err
}

func TestWalkFolder(t *testing.T) {
	dir := t.TempDir()
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "Hi there" {
		utf16 = append(utf16, byte(r), 0)
	}
	writeFiles(t, dir, map[string]string{
		"b.txt":           "Second\r\nline two\r\n",
		"a.md":            "# Heading\n\nSome **bold** text.",
		"a.txt":           "duplicate id with a.md",
		"sub/c.htm":       "<p>Para one</p><p>Para two</p>",
		"sub/d.jsonl":     `{"id":"j1","title":"T","text":"x","date":"2023-12-28","url":"http://e/1","source":"S"}` + "\n",
		"bom.txt":         "\xEF\xBB\xBFbom text",
		"u16.txt":         string(utf16),
		"empty.txt":       " \n\t\n",
		"binary.txt":      "abc\x00def",
		"latin1.txt":      "caf\xe9",
		"big.txt":         strings.Repeat("x", 200),
		"image.png":       "\x89PNG",
		".hidden.txt":     "hidden",
		".git/config.txt": "hidden dir",
	})
	docs, probs, err := walk(t, []string{dir}, Options{MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]Doc{}
	for _, d := range docs {
		ids = append(ids, d.ID)
		byID[d.ID] = d
		if d.Root != dir {
			t.Errorf("%s: Root = %q, want %q", d.ID, d.Root, dir)
		}
		if !utf8.ValidString(d.Text) || strings.Contains(d.Text, "\r") {
			t.Errorf("%s: text not normalized: %q", d.ID, d.Text)
		}
	}
	if got, want := strings.Join(ids, ","), "a,b,bom,sub/c,j1,u16"; got != want {
		t.Errorf("ids = %s, want %s", got, want)
	}
	checks := []struct{ id, field, got, want string }{
		{"a", "Format", byID["a"].Format, "md"},
		{"a", "Text", byID["a"].Text, "Heading\n\nSome bold text."},
		{"b", "Text", byID["b"].Text, "Second\nline two\n"},
		{"bom", "Text", byID["bom"].Text, "bom text"},
		{"u16", "Text", byID["u16"].Text, "Hi there"},
		{"sub/c", "Text", byID["sub/c"].Text, "Para one\n\nPara two"},
		{"sub/c", "Format", byID["sub/c"].Format, "html"},
		{"j1", "Title", byID["j1"].Title, "T"},
		{"j1", "Date", byID["j1"].Date, "2023-12-28"},
		{"j1", "URL", byID["j1"].URL, "http://e/1"},
		{"j1", "Source", byID["j1"].Source, "S"},
		{"j1", "Path", byID["j1"].Path, filepath.Join(dir, "sub", "d.jsonl")},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s.%s = %q, want %q", c.id, c.field, c.got, c.want)
		}
	}
	wantProbs := map[string]error{
		"a.txt":      ErrDuplicateID,
		"empty.txt":  ErrEmpty,
		"binary.txt": ErrBinary,
		"latin1.txt": ErrEncoding,
		"big.txt":    ErrTooLarge,
	}
	if len(probs) != len(wantProbs) {
		t.Errorf("got %d problems, want %d: %v", len(probs), len(wantProbs), probs)
	}
	for _, p := range probs {
		want, ok := wantProbs[filepath.Base(p.Path)]
		if !ok || !errors.Is(p, want) {
			t.Errorf("unexpected problem %v", p)
		}
		if !strings.HasPrefix(p.Error(), p.Path+": ") {
			t.Errorf("problem message %q does not start with its path", p.Error())
		}
	}
}

func TestWalkArguments(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"one.txt": "text one", "two.pdf": "%PDF", "three.html": "<title>Three</title><p>body</p>"})
	docs, probs, err := walk(t, []string{filepath.Join(dir, "one.txt"), filepath.Join(dir, "two.pdf"), filepath.Join(dir, "three.html")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].ID != "one" || docs[1].ID != "three" || docs[1].Title != "Three" {
		t.Errorf("docs = %+v", docs)
	}
	if docs[0].Root != filepath.Join(dir, "one.txt") {
		t.Errorf("Root of a file argument = %q, want the file", docs[0].Root)
	}
	if len(probs) != 1 || !errors.Is(probs[0], ErrUnsupported) {
		t.Errorf("problems = %v, want one unsupported file", probs)
	}
	if _, _, err := walk(t, []string{filepath.Join(dir, "missing")}, Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: err = %v, want not exist", err)
	}
}

func TestWalkStops(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "a", "b.txt": "b"})
	stop := errors.New("stop")
	n := 0
	err := Walk(context.Background(), []string{dir}, Options{}, func(Doc) error { n++; return stop }, nil)
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn error: err = %v after %d docs, want stop after 1", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Walk(ctx, []string{dir}, Options{}, func(Doc) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestJSONL(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("word ", 30000) // a line of 150 KB, beyond bufio.Scanner's default
	lines := []string{
		`{"id":"a","title":"A","text":"alpha"}`,
		`{"id":"b","text":` + `"` + long + `"}`,
		`not json`,
		``,
		`{"id":"","text":"no id"}`,
		`{"id":"c","text":"  "}`,
		`{"_id":"d","text":"beir style"}`,
		`{"id":42,"text":"numeric id"}`,
		`{"id":"a","text":"duplicate"}`,
		`{"id":"e","text":"crlf\r\nline"}`,
		`{"id":"f","text":"` + strings.Repeat("y", 300) + `"}`,
	}
	writeFiles(t, dir, map[string]string{"c.jsonl": strings.Join(lines, "\r\n")})
	docs, probs, err := walk(t, []string{dir}, Options{MaxFileSize: 200 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
		if d.Format != "jsonl" {
			t.Errorf("%s: Format %q", d.ID, d.Format)
		}
	}
	if got := strings.Join(ids, ","); got != "a,b,d,42,e,f" {
		t.Errorf("ids = %s", got)
	}
	if len(docs) > 1 && docs[1].Text != long {
		t.Errorf("long line truncated to %d bytes", len(docs[1].Text))
	}
	if len(docs) > 4 && docs[4].Text != "crlf\nline" {
		t.Errorf("CRLF in text not normalized: %q", docs[4].Text)
	}
	wantLines := map[int]error{3: ErrBadLine, 5: ErrBadLine, 6: ErrEmpty, 9: ErrDuplicateID}
	if len(probs) != len(wantLines) {
		t.Errorf("problems = %v", probs)
	}
	for _, p := range probs {
		if want := wantLines[p.Line]; want == nil || !errors.Is(p, want) {
			t.Errorf("unexpected problem %v", p)
		}
		if !strings.Contains(p.Error(), "c.jsonl:") {
			t.Errorf("problem %q lacks path:line", p.Error())
		}
	}
	// A line over the size limit is skipped, the next still read.
	_, probs, _ = walk(t, []string{dir}, Options{MaxFileSize: 250})
	found := false
	for _, p := range probs {
		if p.Line == 2 && errors.Is(p, ErrTooLarge) {
			found = true
		}
	}
	if !found {
		t.Errorf("long line not reported as too large: %v", probs)
	}
}
