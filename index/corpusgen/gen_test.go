package corpusgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB) []string {
	t.Helper()
	s, err := LoadSentences([]string{filepath.Join("testdata", "sentences.txt")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSentences(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "corpus.jsonl")
	body := `{"id":"1","text":"Short one. The delegation visited the port and the border trade zone.The governor met them at noon in the city hall."}
not json at all
{"id":"2","title":"t","text":"Too short."}
`
	if err := os.WriteFile(jsonl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		limit int
		want  int
	}{
		{"plain text fixture", []string{filepath.Join("testdata", "sentences.txt")}, 0, 40},
		{"limit", []string{filepath.Join("testdata", "sentences.txt")}, 7, 7},
		// Glued sentences are split; short ones and bad lines skipped.
		{"jsonl", []string{jsonl}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSentences(tt.paths, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("got %d sentences, want %d: %q", len(got), tt.want, got)
			}
			for _, s := range got {
				if n := len(strings.Fields(s)); n < minWords || n > maxWords {
					t.Errorf("sentence of %d words kept: %q", n, s)
				}
			}
		})
	}
	if _, err := LoadSentences([]string{filepath.Join(dir, "missing.jsonl")}, 0); err == nil {
		t.Error("missing file: want an error")
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name      string
		sentences []string
		opts      Options
	}{
		{"no sentences", nil, Options{}},
		{"negative passages", []string{"a b c d e f"}, Options{PassagesPerReport: -1}},
		{"max below min", []string{"a b c d e f"}, Options{MinSentences: 4, MaxSentences: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.sentences, tt.opts); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestReport(t *testing.T) {
	sents := fixture(t)
	g, err := New(sents, Options{Seed: 42, PassagesPerReport: 7, MinSentences: 1, MaxSentences: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, b := g.Report(5), g.Report(5)
	if a.Text != b.Text || a.Title != b.Title || a.ID != b.ID {
		t.Error("the same report number gave different reports")
	}
	if g.Report(6).Text == a.Text {
		t.Error("two report numbers gave the same text")
	}
	other, _ := New(sents, Options{Seed: 43, PassagesPerReport: 7, MinSentences: 1, MaxSentences: 3})
	if other.Report(5).Text == a.Text {
		t.Error("another seed gave the same text")
	}
	if len(a.Paragraphs) != 7 {
		t.Fatalf("%d paragraphs, want 7", len(a.Paragraphs))
	}
	if got := strings.Count(a.Text, "\n\n"); got != 7 {
		t.Errorf("text has %d paragraph breaks, want 7", got)
	}
	for _, p := range a.Paragraphs {
		if !strings.Contains(a.Text, p) {
			t.Errorf("paragraph missing from the text: %q", p)
		}
	}
	if len(a.Date) != len("2006-01-02") || a.Title == "" || strings.HasSuffix(a.Title, ".") {
		t.Errorf("bad metadata: title %q, date %q", a.Title, a.Date)
	}
}

func TestWriteJSONL(t *testing.T) {
	g, err := New(fixture(t), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := g.WriteJSONL(&buf, 25); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var r Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if want := g.Report(n); r.ID != want.ID || r.Text != want.Text {
			t.Fatalf("line %d is not report %d", n+1, n)
		}
		n++
	}
	if n != 25 {
		t.Errorf("%d lines, want 25", n)
	}
}

func BenchmarkReport(b *testing.B) {
	g, err := New(fixture(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		g.Report(i)
		i++
	}
}

// FuzzAppendSentences checks that any text splits without panicking and
// that every sentence kept has 6 to 60 words and no line breaks.
func FuzzAppendSentences(f *testing.F) {
	f.Add("The delegation visited the port and the border trade zone.The governor met them.")
	f.Add("a\n\nb. c d e f g h i j.\u00a0\u2028 …")
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range appendSentences(nil, text) {
			if n := len(strings.Fields(s)); n < minWords || n > maxWords {
				t.Fatalf("kept a sentence of %d words: %q", n, s)
			}
			if strings.ContainsAny(s, "\n\r\t") {
				t.Fatalf("kept a sentence with a line break: %q", s)
			}
		}
	})
}
