package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index"
)

func TestSnippetText(t *testing.T) {
	frags := []index.Fragment{
		{Text: "The meeting was held in\n"},
		{Text: "Kunming", Match: true},
		{Text: " on February 2; "},
		{Text: "Wang Ning ", Match: true},
		{Text: "presided."},
	}
	tests := []struct {
		name string
		hit  index.Hit
		em   emphasis
		want string
	}{
		{"asterisks off a terminal", index.Hit{Snippet: frags}, false, "The meeting was held in **Kunming** on February 2; **Wang Ning** presided."},
		{"bold on a terminal", index.Hit{Snippet: frags[:3]}, true, "The meeting was held in \x1b[1mKunming\x1b[0m on February 2;"},
		{"passage text when no snippet", index.Hit{Passage: index.Passage{Text: "Line one\n\nline   two"}}, false, "Line one line two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippetText(tt.hit, tt.em); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWriteHits(t *testing.T) {
	res := index.Results{Query: "q", Hits: []index.Hit{{
		Passage: index.Passage{ID: "a/b c#p-1", DocID: "a/b c", Anchor: "p-1", Text: "x"},
		Title:   "A\nTitle", Date: "2024-02-02", Place: "Kunming", Score: 0.8125,
		Snippet: []index.Fragment{{Text: "hello "}, {Text: "world", Match: true}},
	}}}
	var buf bytes.Buffer
	if err := writeHits(&buf, res, false, ""); err != nil {
		t.Fatal(err)
	}
	want := "1. A Title\n   2024-02-02 · Kunming · score 0.812\n   /doc/a/b%20c#p-1\n   hello **world**\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	// --why adds the explanation the result pages show.
	res.Hits[0].Text = "hello world"
	res.Hits[0].Why = index.Why{LexicalRank: 2, LexicalScore: 11.34, VectorRank: 7, VectorScore: 0.41, Terms: []string{"world"}, Collapsed: 2}
	buf.Reset()
	if err := writeHits(&buf, res, false, index.ModeHybrid); err != nil {
		t.Fatal(err)
	}
	wantWhy := want + "   why: Keyword match: rank 2 (BM25 11.3) · Meaning match: rank 7 (cosine 0.41) · Matched words: world · 2 near-duplicate passages folded in\n"
	if buf.String() != wantWhy {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), wantWhy)
	}

	buf.Reset()
	if err := writeHits(&buf, index.Results{Query: "nothing"}, false, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `No passages answer "nothing"`) {
		t.Errorf("empty result: %q", buf.String())
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("héllo wörld and more", 7)
	f.Add("no-spaces-at-all-here", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 1000 || !utf8.ValidString(s) {
			return
		}
		got := truncate(s, n)
		if !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q is not valid UTF-8", s, n, got)
		}
		if len(s) > n && len(strings.TrimSuffix(got, "…")) > n {
			t.Errorf("truncate(%q, %d) = %q is too long", s, n, got)
		}
	})
}
