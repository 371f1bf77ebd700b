package web

import (
	"strings"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index"
)

func TestWhyLines(t *testing.T) {
	const text = "The Universiade in Changchun: winter sports and WINTER tourism; happiness."
	tests := []struct {
		name string
		mode index.Mode
		why  index.Why
		want []string
	}{
		{
			name: "hybrid, both retrievers, terms and duplicates",
			mode: "",
			why:  index.Why{LexicalRank: 2, LexicalScore: 11.34, VectorRank: 7, VectorScore: 0.4149, Terms: []string{"universiad", "winter"}, Collapsed: 2},
			want: []string{
				"Keyword match: rank 2 (BM25 11.3)",
				"Meaning match: rank 7 (cosine 0.41)",
				"Matched words: Universiade, winter",
				"2 near-duplicate passages folded in",
			},
		},
		{
			name: "hybrid, found by meaning only",
			mode: index.ModeHybrid,
			why:  index.Why{VectorRank: 1, VectorScore: 0.5, Collapsed: 1},
			want: []string{
				"Keyword match: not among the top keyword matches",
				"Meaning match: rank 1 (cosine 0.50)",
				"1 near-duplicate passage folded in",
			},
		},
		{
			name: "lexical mode does not mention meaning",
			mode: index.ModeLexical,
			why:  index.Why{LexicalRank: 1, LexicalScore: 3, Terms: []string{"happi", "zzz"}},
			want: []string{"Keyword match: rank 1 (BM25 3.0)", "Matched words: happiness, zzz"},
		},
		{
			name: "vector mode does not mention keywords",
			mode: index.ModeVector,
			why:  index.Why{VectorRank: 3, VectorScore: 0.2},
			want: []string{"Meaning match: rank 3 (cosine 0.20)"},
		},
		{
			name: "unknown mode is read as hybrid",
			mode: "magic",
			why:  index.Why{LexicalRank: 4, LexicalScore: 1},
			want: []string{"Keyword match: rank 4 (BM25 1.0)", "Meaning match: not among the top meaning matches"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WhyLines(tt.mode, index.Hit{Passage: index.Passage{Text: text}, Why: tt.why})
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSurfaceWords(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		text  string
		want  string
	}{
		{"stems become words", []string{"cooper", "countri"}, "Cooperation with neighbouring countries.", "Cooperation, countries"},
		{"first occurrence wins", []string{"meet"}, "meetings and a meeting", "meetings"},
		{"repeats dropped", []string{"winter", "winter"}, "Winter", "Winter"},
		{"not found kept", []string{"xyz"}, "nothing", "xyz"},
		{"no text", []string{"a"}, "", "a"},
		{"non-latin", []string{"外事"}, "省外事工作会议", "外事"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(surfaceWords(tt.terms, tt.text), ", "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewSearchResponse(t *testing.T) {
	hits := []index.Hit{{
		Passage: index.Passage{ID: "a/b c#p-1", DocID: "a/b c", Anchor: "p-1", Text: "x <y>"},
		Title:   "T", Score: 0.5,
		Snippet: []index.Fragment{{Text: "x "}, {Text: "<y>", Match: true}},
		Why:     index.Why{LexicalRank: 1, LexicalScore: 2, Terms: []string{"y"}},
	}}
	tests := []struct {
		mode index.Mode
		want index.Mode
	}{{"", index.ModeHybrid}, {index.ModeVector, index.ModeVector}, {index.ModeLexical, index.ModeLexical}}
	for _, tt := range tests {
		t.Run(string(tt.want), func(t *testing.T) {
			r := NewSearchResponse("q", tt.mode, hits, 1500*time.Microsecond)
			if r.Query != "q" || r.Mode != tt.want || r.TookMS != 1.5 || len(r.Results) != 1 {
				t.Fatalf("got %+v", r)
			}
			h := r.Results[0]
			if h.URL != "/doc/a/b%20c#p-1" || h.PassageID != "a/b c#p-1" || h.Snippet != "x <mark>&lt;y&gt;</mark>" || h.Why.LexicalRank != 1 || h.Why.Terms[0] != "y" {
				t.Errorf("hit %+v", h)
			}
		})
	}
	t.Run("no hits is an empty list", func(t *testing.T) {
		if r := NewSearchResponse("q", "", nil, 0); r.Results == nil {
			t.Error("nil results would encode as null")
		}
	})
}
