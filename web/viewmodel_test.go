package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web/view"
)

// passagesOf makes passages of text at the given byte ranges, as the
// index would.
func passagesOf(t *testing.T, docID, text string, ranges ...[2]int) []index.Passage {
	t.Helper()
	var ps []index.Passage
	for i, r := range ranges {
		a := "p" + string(rune('a'+i))
		ps = append(ps, index.Passage{
			ID: docID + "#" + a, DocID: docID, Anchor: a, Ord: i,
			Start: r[0], End: r[1], Text: text[r[0]:r[1]],
		})
	}
	return ps
}

// flatten writes segments as "[passage]" and "(between)" for comparison.
func flatten(segs []view.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.IsPassage {
			b.WriteString("[" + s.Anchor + ":" + s.Text + "]")
		} else {
			b.WriteString("(" + s.Text + ")")
		}
	}
	return b.String()
}

func TestSegments(t *testing.T) {
	const text = "Header\n\nFirst part. Second part.\n\nRelated News"
	//            0     6 8          19           32 34
	tests := []struct {
		name     string
		passages func(t *testing.T) []index.Passage
		want     string
	}{
		{
			name:     "gaps kept, whitespace gaps dropped",
			passages: func(t *testing.T) []index.Passage { return passagesOf(t, "d", text, [2]int{8, 19}, [2]int{20, 32}) },
			want:     "(Header)[pa:First part.][pb:Second part.](Related News)",
		},
		{
			name: "unsorted input",
			passages: func(t *testing.T) []index.Passage {
				ps := passagesOf(t, "d", text, [2]int{8, 19}, [2]int{20, 32})
				ps[0], ps[1] = ps[1], ps[0]
				return ps
			},
			want: "(Header)[pa:First part.][pb:Second part.](Related News)",
		},
		{
			name:     "overlap shown once",
			passages: func(t *testing.T) []index.Passage { return passagesOf(t, "d", text, [2]int{8, 26}, [2]int{20, 32}) },
			want:     "(Header)[pa:First part. Second][pb: part.](Related News)",
		},
		{
			name:     "contained passage keeps its anchor",
			passages: func(t *testing.T) []index.Passage { return passagesOf(t, "d", text, [2]int{8, 32}, [2]int{20, 25}) },
			want:     "(Header)[pa:First part. Second part.][pb:](Related News)",
		},
		{
			name: "offsets outside the text fall back to the passage text",
			passages: func(t *testing.T) []index.Passage {
				ps := passagesOf(t, "d", text, [2]int{8, 19})
				ps[0].Start, ps[0].End = 500, 400
				return ps
			},
			want: "[pa:First part.](Header\n\nFirst part. Second part.\n\nRelated News)",
		},
		{
			name:     "no passages",
			passages: func(t *testing.T) []index.Passage { return nil },
			want:     "(Header\n\nFirst part. Second part.\n\nRelated News)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flatten(segments("d", text, tt.passages(t)))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSegmentsURLs(t *testing.T) {
	text := "One. Two."
	segs := segments("a b/c", text, passagesOf(t, "a b/c", text, [2]int{0, 4}, [2]int{5, 9}))
	for _, s := range segs {
		if want := "/doc/a%20b/c#" + s.Anchor; s.URL != want {
			t.Errorf("URL %q, want %q", s.URL, want)
		}
	}
	if segs[1].Ord != 2 {
		t.Errorf("second passage shown as %d, want 2", segs[1].Ord)
	}
}

func TestSnippetHTML(t *testing.T) {
	frags := []view.Fragment{
		{Text: "Talks on "},
		{Text: "<b>trade</b>", Match: true},
		{Text: " & \"investment\""},
	}
	want := `Talks on <mark>&lt;b&gt;trade&lt;/b&gt;</mark> &amp; &#34;investment&#34;`
	if got := snippetHTML(frags); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSnippetFragmentsFallback(t *testing.T) {
	h := index.Hit{Passage: index.Passage{Text: "Line one.\n\nLine   two " + strings.Repeat("word ", 200)}}
	frags := snippetFragments(h)
	if len(frags) != 1 || frags[0].Match {
		t.Fatalf("got %+v, want one plain fragment", frags)
	}
	s := frags[0].Text
	if !strings.HasPrefix(s, "Line one. Line two word") || !strings.HasSuffix(s, "…") {
		t.Errorf("fallback snippet %q", s)
	}
	if n := len([]rune(s)); n > maxSnippetRunes+1 {
		t.Errorf("snippet has %d runes, want at most %d", n, maxSnippetRunes+1)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one two three four five", 16, "one two three…"},
		{"one two three four", 12, "one two thre…"},
		{"外事办公室会议", 3, "外事办…"},
		{"averyveryverylongword", 5, "avery…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := truncate(tt.in, tt.n); got != tt.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestDocMetaSourceURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.org/news/1.html", "https://example.org/news/1.html"},
		{"http://example.org", "http://example.org"},
		{"javascript:alert(1)", ""},
		{"example.org/page", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := docMeta(index.Document{ID: "x", URL: tt.in}).SourceURL; got != tt.want {
				t.Errorf("SourceURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatScore(t *testing.T) {
	for in, want := range map[float64]string{0.12345: "0.123", 1: "1.000", -0.5: "-0.500"} {
		if got := formatScore(in); got != want {
			t.Errorf("formatScore(%v) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSegments checks that any passage offsets, however wrong, neither
// panic nor lose a passage's anchor, and that valid, non-overlapping
// passages reproduce the text.
func FuzzSegments(f *testing.F) {
	f.Add("Title\n\nOne. Two.\n\nFooter", 7, 11, 12, 16)
	f.Add("abc", -1, 5, 2, 1)
	f.Add("外事会议", 1, 4, 0, 12)
	f.Add("外事会议", 0, 3, 6, 12)
	f.Fuzz(func(t *testing.T, text string, s1, e1, s2, e2 int) {
		ps := []index.Passage{
			{Anchor: "a", Ord: 0, Start: s1, End: e1},
			{Anchor: "b", Ord: 1, Start: s2, End: e2},
		}
		segs := segments("d", text, ps)
		anchors := map[string]bool{}
		for _, s := range segs {
			if s.IsPassage {
				anchors[s.Anchor] = true
			}
		}
		if !anchors["a"] || !anchors["b"] {
			t.Fatalf("anchors lost: %v", anchors)
		}
		valid := 0 <= s1 && s1 <= e1 && e1 <= s2 && s2 <= e2 && e2 <= len(text) && utf8.ValidString(text)
		for _, i := range []int{s1, e1, s2, e2} {
			// The index cuts passages between runes.
			valid = valid && (i == len(text) || i < len(text) && utf8.RuneStart(text[i]))
		}
		if !valid {
			return
		}
		var got strings.Builder
		for _, s := range segs {
			got.WriteString(s.Text)
		}
		if strings.Join(strings.Fields(got.String()), "") != strings.Join(strings.Fields(text), "") {
			t.Errorf("text not reproduced: %q from %q", got.String(), text)
		}
	})
}
