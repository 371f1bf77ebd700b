package wordvec

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plenary-search/plenary/embed"
)

// TestTokensTiny checks the tokenizer's rules on a made-up vocabulary, so
// each case shows one rule independently of what GloVe happens to contain.
func TestTokensTiny(t *testing.T) {
	m := tinyModel(t, "the", "meeting", "in-depth", "in", "depth", "study", "xi", "jinping",
		"'s", "n't", "do", "ca", "u.s.", "mr", "1,000", "2023", "people", "to", "province",
		"wang", "emphasized", "cafe", "youtube", "g20", "vice-premier")
	tests := []struct {
		name, in string
		want     []string
	}{
		{"lower case", "The MEETING", []string{"the", "meeting"}},
		{"punctuation dropped", "“the” (meeting) -- study!?", []string{"the", "meeting", "study"}},
		{"hyphenated whole", "in-depth study", []string{"in-depth", "study"}},
		{"hyphenated parts", "people-to-people", []string{"people", "to", "people"}},
		{"glued sentence", "meeting.The meeting", []string{"meeting", "the", "meeting"}},
		{"glued by case", "emphasizedIn-depth study", []string{"emphasized", "in-depth", "study"}},
		{"glued names", "ProvinceWang", []string{"province", "wang"}},
		{"case inside known word", "YouTube", []string{"youtube"}},
		{"clitic", "Xi Jinping's", []string{"xi", "jinping", "'s"}},
		{"typographic apostrophe", "Xi Jinping’s", []string{"xi", "jinping", "'s"}},
		{"negation", "don't, can't", []string{"do", "n't", "ca", "n't"}},
		{"abbreviation keeps dot", "the U.S. meeting", []string{"the", "u.s.", "meeting"}},
		{"sentence dot is not kept", "Mr. Wang", []string{"mr", "wang"}},
		{"digit group", "1,000 people in 2023", []string{"1,000", "people", "in", "2023"}},
		{"comma between words splits", "meeting,study", []string{"meeting", "study"}},
		{"alphanumeric", "G20", []string{"g20"}},
		{"accent folded", "Café", []string{"cafe"}},
		{"unknown dropped", "the zqxv meeting", []string{"the", "meeting"}},
		{"dash is a separator", "the meeting–study", []string{"the", "meeting", "study"}},
		{"non-breaking hyphen", "in\u2011depth", []string{"in-depth"}},
		{"nested clitic and hyphen", "vice-premier's", []string{"vice-premier", "'s"}},
		{"empty", "", []string{}},
		{"invalid utf-8", "the\xffmeeting", []string{"the", "meeting"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := m.Tokens(tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestTokensGloVe checks the reading of typical report text against the
// shipped vocabulary (wink's GloVe subset has no numbers, clitics or dotted
// abbreviations, so those are left out here).
func TestTokensGloVe(t *testing.T) {
	m := newTestModel(t)
	tests := []struct {
		in   string
		want []string
	}{
		{"Xi Jinping Thought on Diplomacy", []string{"xi", "jinping", "thought", "on", "diplomacy"}},
		{"Yunnan’s contribution", []string{"yunnan", "contribution"}},
		{"meeting.The meeting emphasizedIn-depth study", []string{"meeting", "the", "meeting", "emphasized", "in-depth", "study"}},
		{"ProvinceWang Ning presided", []string{"province", "wang", "ning", "presided"}},
		{"win-win co-operation", []string{"win", "win", "co-operation"}},
		{"Copyright © 2023 Kunming", []string{"copyright", "kunming"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := m.Tokens(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenCountsUnknown(t *testing.T) {
	m := tinyModel(t, "the", "meeting")
	sc := newScratch(m.Dim())
	m.t.tokenize("the zqxv meeting qqq", sc)
	if sc.tokens != 4 || len(sc.ids) != 2 || len(sc.unknown) != 2 {
		t.Errorf("tokens %d, known %d, unknown %d; want 4, 2, 2", sc.tokens, len(sc.ids), len(sc.unknown))
	}
}

func TestLongTokenIsCut(t *testing.T) {
	m := tinyModel(t, "the")
	got := m.Tokens(strings.Repeat("x", 10000) + " the")
	if !slices.Equal(got, []string{"the"}) {
		t.Errorf("got %q", got)
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "the U.S. meeting", "don't", "a-b-c", "1,000", "x’s", "ÉcoleÀ", "\xff\xfe", "emphasizedIn-depth", "--", "''s"} {
		f.Add(s)
	}
	m := tinyModel(f, "the", "u.s.", "'s", "n't", "do", "in-depth", "ecole", "a", "b")
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range m.Tokens(s) {
			if _, ok := m.t.index[w]; !ok {
				t.Fatalf("token %q is not in the vocabulary", w)
			}
		}
		sc := newScratch(m.Dim())
		m.t.tokenize(s, sc)
		if sc.tokens < len(sc.ids) || sc.tokens > utf8.RuneCountInString(s)+1 {
			t.Fatalf("%d tokens, %d known, for %d runes", sc.tokens, len(sc.ids), utf8.RuneCountInString(s))
		}
		vecs, err := m.Embed(context.Background(), embed.Query, []string{s})
		if err != nil {
			t.Fatal(err)
		}
		checkUnit(t, vecs, m.Dim())
	})
}

func TestKnows(t *testing.T) {
	m := newTestModel(t)
	for s, want := range map[string]bool{
		"":                     false,
		"   ,;: ":              false,
		"zzzqqqxx vvkkwwj":     false,
		"meeting":              true,
		"zzzqqqxx meeting":     true,
		"the":                  true,
		"Foreign Affairs Work": true,
	} {
		if got := m.Knows(s); got != want {
			t.Errorf("Knows(%q) = %v, want %v", s, got, want)
		}
	}
}
