package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeText checks that any bytes read as a .txt or .md file either
// are refused with a reason or become valid UTF-8 with "\n" line endings.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("Title\r\n\r\nBody text.\r"))
	f.Add([]byte("\xef\xbb\xbfBOM then text"))
	f.Add([]byte("\xff\xfeT\x00i\x00t\x00l\x00e\x00\n\x00"))
	f.Add([]byte("\xfe\xff\x00T\x00i\xd8\x00")) // big-endian, lone surrogate
	f.Add([]byte("\xff\xfe\x00"))               // odd length
	f.Add([]byte("text \xff\xfe\xc3 invalid"))
	f.Add([]byte("# Heading\n\n**bold** [link](http://x) ![img](y)\n```\ncode\n```\n---\n"))
	f.Add([]byte("\x01\x02\x03 control"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := decodeText(b)
		if err != nil {
			if !errors.Is(err, ErrBinary) && !errors.Is(err, ErrEncoding) {
				t.Fatalf("decodeText(%q): error %v wraps neither ErrBinary nor ErrEncoding", b, err)
			}
			return
		}
		for _, s := range []string{text, stripMarkdown(text)} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 out of %q: %q", b, s)
			}
			if strings.Contains(s, "\r") {
				t.Fatalf("carriage return left in %q", s)
			}
		}
	})
}

// FuzzJSONL walks a JSONL file of any content: the walk itself never
// fails, and every document it delivers has an ID and valid UTF-8 text,
// while every line it skips is reported with its line number.
func FuzzJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"a","title":"T","text":"Body"}` + "\n" + `{"id":2,"text":"x"}` + "\n"))
	f.Add([]byte("\xef\xbb\xbf" + `{"_id":"b","text":"bom"}` + "\r\n{broken\n\n[1]\n"))
	f.Add([]byte(`{"id":"c","text":"no newline at end"}`))
	f.Add([]byte(`{"id":"d","text":"` + strings.Repeat("long ", 100) + `"}` + "\n" + `{"id":"e","text":"after"}`))
	f.Add([]byte(`{"id":"f","text":"\ud800 lone surrogate \u0000 nul"}` + "\n" + `{"id":1e400,"text":"x"}`))
	f.Add([]byte(`{"id":"g","text":"inv` + "\xff" + `alid"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "c.jsonl")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var docs []Doc
		var problems []Problem
		err := Walk(context.Background(), []string{path}, Options{MaxFileSize: 256},
			func(d Doc) error { docs = append(docs, d); return nil },
			func(p Problem) { problems = append(problems, p) })
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		lines := bytes.Count(b, []byte("\n")) + 1
		for _, d := range docs {
			if strings.TrimSpace(d.ID) == "" || strings.TrimSpace(d.Text) == "" {
				t.Fatalf("delivered a document without ID or text: %+v", d)
			}
			for _, s := range []string{d.ID, d.Title, d.Text, d.Date, d.URL, d.Source} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 delivered: %q", s)
				}
			}
			if strings.Contains(d.Text, "\r") {
				t.Fatalf("carriage return in text %q", d.Text)
			}
		}
		for _, p := range problems {
			if p.Err == nil || p.Line < 0 || p.Line > lines {
				t.Fatalf("problem %+v out of %d lines", p, lines)
			}
		}
	})
}

// FuzzReadLine checks that readLine never returns more than the limit and
// never loses the line after an over-long one.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("short\nline\n"), uint8(4))
	f.Add([]byte("a very long line indeed\nok\n"), uint8(5))
	f.Add([]byte("no newline"), uint8(100))
	f.Fuzz(func(t *testing.T, b []byte, limit uint8) {
		lim := int64(limit) + 1
		r := bufio.NewReaderSize(bytes.NewReader(b), 16)
		want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) == 0 {
			want = nil
		}
		for i := 0; ; i++ {
			line, err := readLine(r, lim)
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%d lines read from %q, want %d", i, b, len(want))
				}
				return
			}
			if i >= len(want) {
				t.Fatalf("more lines than %d in %q", len(want), b)
			}
			switch {
			case errors.Is(err, errLineTooLong):
				if int64(len(want[i])) <= lim {
					t.Fatalf("line %d %q (%d bytes) refused with limit %d", i, want[i], len(want[i]), lim)
				}
			case err != nil:
				t.Fatalf("readLine: %v", err)
			case string(line) != want[i]:
				t.Fatalf("line %d = %q, want %q", i, line, want[i])
			}
		}
	})
}
