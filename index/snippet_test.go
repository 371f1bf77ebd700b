package index

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStemAndMatch(t *testing.T) {
	tests := []struct {
		question, word string
		want           bool
	}{
		{"meetings", "meeting", true},
		{"cooperation", "cooperate", true},
		{"cooperation", "cooperative", true},
		{"friend", "friendship", true},
		{"Delegations", "delegation", true},
		{"ports", "port", true},
		{"province", "provincial", true},
		{"ASEAN", "asean", true},
		{"port", "important", false},
		{"part", "party", false},
		{"art", "article", false},
		{"trade", "tradition", false},
	}
	for _, tc := range tests {
		t.Run(tc.question+"/"+tc.word, func(t *testing.T) {
			terms := queryTerms(tc.question)
			if got := matches(stem(tc.word), terms); got != tc.want {
				t.Errorf("matches(%q → %q, %v) = %v, want %v", tc.word, stem(tc.word), terms, got, tc.want)
			}
		})
	}
}

func TestQueryTermsSkipStopWords(t *testing.T) {
	got := queryTerms("What did the Provincial Party Committee say about the Belt and Road?")
	want := []string{"provincial", "party", "committee", "say", "belt", "road"}
	if len(got) != len(want) {
		t.Fatalf("terms = %v", got)
	}
	for i := range want {
		if !matches(stem(want[i]), got[i:i+1]) {
			t.Errorf("term %d = %q, want a stem of %q", i, got[i], want[i])
		}
	}
}

func TestWordsSplitGluedText(t *testing.T) {
	text := "the meeting.The delegation emphasizedIn-depth study"
	var got []string
	for _, w := range words(text) {
		got = append(got, text[w.start:w.end])
	}
	want := "the meeting The delegation emphasized In depth study"
	if strings.Join(got, " ") != want {
		t.Errorf("words = %q, want %q", got, want)
	}
}

// joined returns the snippet's text and its marked parts.
func joined(fs []Fragment) (text string, marked []string) {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Text)
		if f.Match {
			marked = append(marked, f.Text)
		}
	}
	return b.String(), marked
}

func TestLexicalSnippet(t *testing.T) {
	short := "Delegates discussed ice and snow tourism in Harbin, and the Asian Winter Games."
	long := strings.Repeat("The committee reviewed routine matters of the office. ", 12) +
		"Then the governor praised the ice and snow tourism season in Harbin. " +
		strings.Repeat("Other business followed without remark here. ", 12)
	tests := []struct {
		name        string
		text, q     string
		wantMarked  []string
		wantEllipse bool
		maxWords    int
	}{
		{"short passage shown whole", short, "ice snow tourism", []string{"ice and snow tourism"}, false, 60},
		{"stems match", short, "Winter Game", []string{"Winter Games"}, false, 60},
		{"long passage cut around matches", long, "Harbin tourism", []string{"tourism", "Harbin"}, true, windowWords + 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, ok := lexicalSnippet(tc.text, queryTerms(tc.q))
			if !ok {
				t.Fatal("no match found")
			}
			text, marked := joined(fs)
			if strings.Join(marked, "|") != strings.Join(tc.wantMarked, "|") {
				t.Errorf("marked %q, want %q", marked, tc.wantMarked)
			}
			if got := strings.Contains(text, ellipsis); got != tc.wantEllipse {
				t.Errorf("ellipsis = %v in %q", got, text)
			}
			if n := len(strings.Fields(text)); n > tc.maxWords {
				t.Errorf("snippet has %d words", n)
			}
			if !tc.wantEllipse && text != strings.TrimSpace(tc.text) {
				t.Errorf("short passage changed: %q", text)
			}
		})
	}
	if _, ok := lexicalSnippet(short, queryTerms("photovoltaic investors")); ok {
		t.Error("a passage without the question's words matched")
	}
}

func TestSentenceSnippet(t *testing.T) {
	first := "The meeting opened in the morning. "
	target := "Investors from Singapore toured the salt lake."
	text := strings.Repeat(first, 20) + target + " " + strings.Repeat("Lunch was served. ", 20)
	start := strings.Index(text, target)
	fs := sentenceSnippet(text, start, start+len(target))
	got, marked := joined(fs)
	if len(marked) != 1 || marked[0] != target {
		t.Fatalf("marked %q, want the sentence", marked)
	}
	if !strings.HasPrefix(got, ellipsis) || !strings.HasSuffix(got, ellipsis) {
		t.Errorf("a window inside a long passage should show both cuts: %q", got)
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("The meeting.The delegation of the Friendship Association", "friendship delegation")
	f.Add(strings.Repeat("word ", 100)+"target "+strings.Repeat("word ", 100), "target")
	f.Add("\xff\xfeé…", "é")
	f.Fuzz(func(t *testing.T, text, q string) {
		terms := queryTerms(q)
		fs, ok := lexicalSnippet(text, terms)
		if ok {
			for _, fr := range fs {
				if fr.Text == "" {
					t.Fatal("empty fragment")
				}
			}
		}
		if len(text) > 0 {
			a, b := len(text)/3, 2*len(text)/3
			_ = sentenceSnippet(text, a, b)
		}
		if utf8.ValidString(text) {
			got, _ := joined(fs)
			for _, part := range strings.Split(got, ellipsis) {
				if p := strings.TrimSpace(part); p != "" && !strings.Contains(text, p) {
					t.Fatalf("snippet text %q is not from the passage", p)
				}
			}
		}
	})
}
