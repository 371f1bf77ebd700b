package e2e_test

import (
	"bufio"
	"bytes"
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// utf16LE encodes s as UTF-16 little-endian with a byte-order mark.
func utf16LE(s string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binenc.Write(&b, binenc.LittleEndian, u)
	}
	return b.Bytes()
}

// utf16BE encodes s as UTF-16 big-endian with a byte-order mark.
func utf16BE(s string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFE, 0xFF})
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binenc.Write(&b, binenc.BigEndian, u)
	}
	return b.Bytes()
}

// noPanic fails the test if a run of the binary shows a Go panic or a
// runtime error.
func noPanic(t *testing.T, what, stderr string) {
	t.Helper()
	for _, sign := range []string{"panic:", "goroutine ", "runtime error", "fatal error:"} {
		if strings.Contains(stderr, sign) {
			t.Fatalf("%s: stderr shows %q:\n%s", what, sign, tail(stderr, 4000))
		}
	}
}

// TestBadFiles indexes a folder where most files are broken in some way and
// checks that each broken file or line is reported by name with its reason,
// that every good file is still indexed, and that nothing panics.
func TestBadFiles(t *testing.T) {
	need(t)
	dir := filepath.Join(t.TempDir(), "reports")
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 8<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	deep := "<html><head><title>Deep nesting in Lhasa</title></head><body>" +
		strings.Repeat("<div><span>", 20000) + "<p>The Lhasa conference on deeply nested friendship markup.</p>" +
		strings.Repeat("</span></div>", 20000) + "</body></html>"
	unclosed := "<html><head><title>Unclosed tags in Nanning</title></head><body><p>Nanning friendship association <b>met <i>on border trade. It was a long meeting, and it was chaired by Huang Tao." +
		"<table><tr><td>cell one<td>cell two</p></div></span></table><p>Second paragraph about the sister-city ties</ul></li>"
	good := map[string]string{ // document ID → a phrase of its text
		"good":           "Xining foreign affairs office held a plenary session on tourism",
		"utf16le":        "Urumqi meeting on border trade decoded from UTF-16",
		"utf16be":        "Fuzhou meeting on port logistics decoded from big-endian UTF-16",
		"deep":           "Lhasa conference on deeply nested friendship markup",
		"unclosed":       "Nanning friendship association",
		"lines-ok-1":     "Wuhan plenary session on science and technology parks",
		"lines-ok-2":     "Hefei friendship meeting after broken lines",
		"charset":        "Qingdao report in Latin-1 with café",
		"nested/good-md": "Chengdu panda exchange meeting in markdown",
		// A one-sentence lead paragraph looks like a headline; with the
		// title taken from <title> it must still be searchable.
		"lead": "Lhasa delegation signed a memorandum on green energy",
	}
	files := map[string][]byte{
		"good.txt":          []byte("Xining report\n\nThe Xining foreign affairs office held a plenary session on tourism.\n"),
		"utf16le.txt":       utf16LE("Urumqi report\n\nThe Urumqi meeting on border trade decoded from UTF-16.\n"),
		"utf16be.txt":       utf16BE("Fuzhou report\n\nThe Fuzhou meeting on port logistics decoded from big-endian UTF-16.\n"),
		"deep.html":         []byte(deep),
		"unclosed.html":     []byte(unclosed),
		"charset.html":      append([]byte(`<html><head><meta charset="iso-8859-1"><title>Qingdao</title></head><body><p>Qingdao report in Latin-1 with caf`), 0xE9, '<', '/', 'p', '>'),
		"nested/good-md.md": []byte("# Chengdu\n\nThe Chengdu panda exchange meeting in **markdown**.\n"),
		"lead.html": []byte("<html><head><title>Lhasa news</title></head><body><p>The Lhasa delegation signed a memorandum on green energy.</p>" +
			"<p>A second paragraph with more words about the visit, the talks that followed and the dinner.</p></body></html>"),
		"binary.txt":         random,
		"nul.html":           []byte("<html><body>text\x00with NUL bytes\x00</body></html>"),
		"invalid-utf8.txt":   []byte("Title\n\nSome text \xff\xfe\xc3 with invalid UTF-8 bytes in the middle.\n"),
		"empty.txt":          nil,
		"blank.md":           []byte("  \n\n\t \n"),
		"empty-body.html":    []byte("<html><head></head><body>   <div></div></body></html>"),
		"lines.jsonl":        []byte(`{"id":"lines-ok-1","title":"Wuhan","text":"The Wuhan plenary session on science and technology parks."}` + "\n{broken json\n\n[1,2,3]\n" + `{"title":"no id","text":"orphan"}` + "\n" + `{"id":"lines-no-text"}` + "\n" + `{"id":"lines-ok-1","text":"duplicate id"}` + "\n" + `{"id":"lines-ok-2","text":"The Hefei friendship meeting after broken lines."}` + "\n" + `{"id":"trunc","text":"cut off in the mid`),
		"empty.jsonl":        nil,
		"ignored.pdf":        []byte("%PDF-1.4 not read inside a folder"),
		".hidden/secret.txt": []byte("Hidden folders are not read.\n"),
	}
	for name, b := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), b)
	}

	data := t.TempDir()
	r := runBinary(t, 2*time.Minute, "index", "--data", data, dir)
	noPanic(t, "index", r.stderr)
	if r.err != nil {
		t.Fatalf("plenary index: %v, want success with skipped files\nstderr:\n%s", r.err, r.stderr)
	}
	m := summaryRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no summary:\n%s", r.stdout)
	}

	// Every skipped file or line is named, with its reason.
	skipped := []struct{ where, reason string }{
		{"binary.txt", "binary"},
		{"nul.html", "binary"},
		{"invalid-utf8.txt", "not valid UTF-8"},
		{"empty.txt", "no text"},
		{"blank.md", "no text"},
		{"empty-body.html", "no text"},
		{"empty.jsonl", "no text"},
		{"lines.jsonl:2", "bad JSONL line"},
		{"lines.jsonl:4", "bad JSONL line"},
		{"lines.jsonl:5", `no "id"`},
		{"lines.jsonl:6", "no text"},
		{"lines.jsonl:7", "duplicate document id"},
		{"lines.jsonl:9", "bad JSONL line"},
	}
	for _, s := range skipped {
		re := regexp.MustCompile(`(?m)^skipped: \S*` + regexp.QuoteMeta(s.where) + `: .*` + regexp.QuoteMeta(s.reason))
		if !re.MatchString(r.stderr) {
			t.Errorf("stderr has no line %q naming %s with reason %q\nstderr:\n%s", re, s.where, s.reason, r.stderr)
		}
	}
	if got := strings.Count(r.stderr, "skipped: "); got != len(skipped) {
		t.Errorf("%d skipped lines, want %d:\n%s", got, len(skipped), r.stderr)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("added=%d ", len(good))) || !strings.Contains(r.stdout, fmt.Sprintf("skipped=%d ", len(skipped))) {
		t.Errorf("summary %q, want added=%d skipped=%d", m[0], len(good), len(skipped))
	}

	srv := startServer(t, data)
	for id, phrase := range good {
		status, body := srv.get(t, "/api/docs/"+id)
		if status != http.StatusOK {
			t.Errorf("good file %s not indexed: GET /api/docs/%s = %d", id, id, status)
			continue
		}
		var d struct {
			Passages []struct {
				Text string `json:"text"`
			} `json:"passages"`
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, p := range d.Passages {
			text.WriteString(p.Text + " ")
		}
		if !strings.Contains(collapse(text.String()), phrase) {
			t.Errorf("report %s does not read %q (decoded wrongly?): %.300s", id, phrase, text.String())
		}
		if res := srv.search(t, phrase); len(res.Results) == 0 || res.Results[0].DocID != id {
			t.Errorf("searching %q does not find %s first: %+v", phrase, id, res.Results)
		}
	}
	for _, id := range []string{"binary", "nul", "invalid-utf8", "empty", "ignored", ".hidden/secret", "lines-no-text", "trunc"} {
		if status, _ := srv.get(t, "/api/docs/"+id); status != http.StatusNotFound {
			t.Errorf("bad file %s: GET /api/docs/%s = %d, want 404", id, id, status)
		}
	}
	srv.stop(t)

	t.Run("unsupported file named explicitly", func(t *testing.T) {
		r := runBinary(t, time.Minute, "index", "--data", data, filepath.Join(dir, "ignored.pdf"))
		noPanic(t, "index", r.stderr)
		if r.err != nil || !regexp.MustCompile(`(?m)^skipped: \S*ignored\.pdf: unsupported file type`).MatchString(r.stderr) {
			t.Errorf("plenary index FILE.pdf: %v, want success and a skipped line\nstderr:\n%s", r.err, r.stderr)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		r := runBinary(t, time.Minute, "index", "--data", data, filepath.Join(dir, "does-not-exist"))
		noPanic(t, "index", r.stderr)
		if r.err == nil || !strings.Contains(r.stderr, "does-not-exist") {
			t.Errorf("plenary index of a missing path: %v, want an error naming it\nstderr:\n%s", r.err, r.stderr)
		}
	})
}

// TestLargeFiles checks that files above --max-file-size are refused by
// name without being read whole, that the limit is configurable, and that
// a JSONL file with one huge line still yields its other lines.
func TestLargeFiles(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("writes 80 MB")
	}
	dir := filepath.Join(t.TempDir(), "big")
	const size = 40 << 20
	// Written in pieces: the test process must stay small, since the
	// child's peak RSS measured below includes what the parent had when it
	// forked.
	writeLarge(t, filepath.Join(dir, "huge.txt"), "A very long report\n\n", size, "")
	writeLarge(t, filepath.Join(dir, "huge.jsonl"), `{"id":"huge-line","text":"`, size,
		`"}`+"\n"+`{"id":"after-huge","title":"After","text":"The Harbin ice festival meeting after a huge line."}`+"\n")
	writeFile(t, filepath.Join(dir, "small.txt"), []byte("Small\n\nThe Xining office met on tourism.\n"))

	cases := []struct {
		name    string
		args    []string
		skipped []string // regexps that must appear in stderr
		added   int
	}{
		{
			name:    "default 32 MiB limit",
			skipped: []string{`skipped: \S*huge\.jsonl:1: file is too large: line longer than 33554432 bytes`, `skipped: \S*huge\.txt: file is too large: 419\d+ bytes, limit 33554432`},
			added:   2,
		},
		{
			name:    "--max-file-size 1MiB",
			args:    []string{"--max-file-size", "1MiB"},
			skipped: []string{`skipped: \S*huge\.jsonl:1: file is too large: line longer than 1048576 bytes`, `skipped: \S*huge\.txt: file is too large: 419\d+ bytes, limit 1048576`},
			added:   2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := t.TempDir()
			r := runBinary(t, 2*time.Minute, append(append([]string{"index", "--data", data}, c.args...), dir)...)
			noPanic(t, "index", r.stderr)
			if r.err != nil {
				t.Fatalf("plenary index: %v\n%s", r.err, r.stderr)
			}
			for _, s := range c.skipped {
				if !regexp.MustCompile(`(?m)^` + s).MatchString(r.stderr) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("added=%d ", c.added)) {
				t.Errorf("summary %q, want added=%d", r.stdout, c.added)
			}
			// Refusing must not mean reading: the peak stays well under
			// the 80 MB of input (the JSONL line is read up to the limit,
			// then discarded).
			t.Logf("peak RSS %d MB", r.maxRSS>>20)
			if r.maxRSS > 250<<20 {
				t.Errorf("peak RSS %d MB while refusing two 40 MB inputs, want < 250 MB", r.maxRSS>>20)
			}
		})
	}
	t.Run("environment limit", func(t *testing.T) {
		data := t.TempDir()
		cmdEnvLimit(t, data, dir)
	})
}

// cmdEnvLimit checks that PLENARY_MAX_FILE_SIZE sets the limit.
func cmdEnvLimit(t *testing.T, data, dir string) {
	t.Helper()
	r := runBinaryEnv(t, time.Minute, []string{"PLENARY_MAX_FILE_SIZE=10KiB"}, "index", "--data", data, dir)
	noPanic(t, "index", r.stderr)
	if r.err != nil || !strings.Contains(r.stderr, "limit 10240") {
		t.Errorf("PLENARY_MAX_FILE_SIZE=10KiB: %v\n%s", r.err, r.stderr)
	}
}

// writeLarge writes head, then about size bytes of plausible text (so that
// the file is refused for its size, not its bytes), then tail, without
// holding the text in memory. Lines end with a period and a space, so the
// text is also a valid JSON string.
func writeLarge(t *testing.T, path, head string, size int, tail string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	sentence := "The meeting of the provincial foreign affairs office on friendship and cooperation was held in Kunming. "
	for n := 0; n < size; n += len(sentence) {
		w.WriteString(sentence)
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
