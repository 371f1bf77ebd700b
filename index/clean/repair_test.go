package clean

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRepair(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"glued sentence", "the meeting.The meeting", "the meeting. The meeting"},
		{"glued camel", "emphasizedIn-depth study", "emphasized In-depth study"},
		{"glued heading", "on DiplomacyMake progress", "on Diplomacy Make progress"},
		{"glued name", "surrounding areasWang Ning", "surrounding areas Wang Ning"},
		{"McDonald kept", "McDonald and MacBook", "McDonald and MacBook"},
		{"iPhone kept", "an iPhone and iPad", "an iPhone and iPad"},
		{"acronym kept", "the CPC Central Committee", "the CPC Central Committee"},
		{"Xi'an kept", "held in Xi'an.The city", "held in Xi'an. The city"},
		{"brand kept", "a PowerPoint on WeChat via LinkedIn", "a PowerPoint on WeChat via LinkedIn"},
		{"abbreviation kept", "the U.S.Army and e.g.The", "the U.S.Army and e.g.The"},
		{"domain kept", "visit anhuinews.com today", "visit anhuinews.com today"},
		{"decimal kept", "grew 3.5 percent", "grew 3.5 percent"},
		{"comma glue", "the strategy,next year", "the strategy, next year"},
		{"number glue", "in 2023The meeting", "in 2023 The meeting"},
		{"whitespace", "  a\t\tb\n\nc\u00a0d\u3000e  ", "a b c d e"},
		{"invisible", "zero\u200bwidth\ufeff soft\u00adhyphen", "zerowidth softhyphen"},
		{"invalid utf8", "bad\xffbyte", "badbyte"},
		{"control", "a\x01b", "ab"},
		{"chinese", "来源：新华社。会议强调", "来源：新华社。会议强调"},
		{"question glue", "why?Because", "why? Because"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Repair(tt.in); got != tt.want {
				t.Errorf("Repair(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "One here. Two there! Three?", []string{"One here.", "Two there!", "Three?"}},
		{"glued", "the meeting.The meeting was held.It ended.", []string{"the meeting.", "The meeting was held.", "It ended."}},
		{"abbreviations", "Mr. Wang met Dr. Li on Dec. 28 in the U.S. Capital. Then he left.", []string{"Mr. Wang met Dr. Li on Dec. 28 in the U.S. Capital.", "Then he left."}},
		{"initials", "J. Smith spoke. He agreed.", []string{"J. Smith spoke.", "He agreed."}},
		{"quotes", "He said, “We agree.” Then left.", []string{"He said, “We agree.”", "Then left."}},
		{"lower after period", "version 2.0 released. and more", []string{"version 2.0 released. and more"}},
		{"chinese", "会议强调。要加强合作！", []string{"会议强调。", "要加强合作！"}},
		{"blank line", "A heading\n\nA sentence.", []string{"A heading", "A sentence."}},
		{"wrapped line", "a sentence that\ncontinues here.", []string{"a sentence that\ncontinues here."}},
		{"stray period", "future period. .When presiding", []string{"future period. .", "When presiding"}},
		{"no terminal", "no full stop at all", []string{"no full stop at all"}},
		{"only spaces", "   ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sp := range Sentences(tt.in) {
				got = append(got, tt.in[sp[0]:sp[1]])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Sentences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzRepair(f *testing.F) {
	for _, s := range []string{"meeting.The meeting", "emphasizedIn-depth", "McDonald iPhone", "a\u200bb\xff", readFixture(f, "glued.txt")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Repair(s)
		if !utf8.ValidString(r) {
			t.Fatalf("Repair(%q) = %q: invalid UTF-8", s, r)
		}
		if strings.Contains(r, "  ") || strings.TrimSpace(r) != r {
			t.Fatalf("Repair(%q) = %q: whitespace not collapsed", s, r)
		}
		if Repair(r) != r {
			t.Fatalf("Repair is not idempotent on %q: %q then %q", s, r, Repair(r))
		}
	})
}

func FuzzSentences(f *testing.F) {
	for _, s := range []string{"One. Two.", "the meeting.The meeting", "Mr. Wang. U.S. Army", "会议。合作！", readFixture(f, "glued.txt")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bounds := runeBounds(s)
		prev := 0
		covered := 0
		for _, sp := range Sentences(s) {
			a, b := sp[0], sp[1]
			if a < prev || b > len(s) || a >= b {
				t.Fatalf("span %v out of order or range (len %d)", sp, len(s))
			}
			if !bounds[a] || !bounds[b] {
				t.Fatalf("span %v not on rune boundaries", sp)
			}
			covered += len(strings.TrimFunc(s[prev:a], isSpaceLike))
			prev = b
		}
		covered += len(strings.TrimFunc(s[prev:], isSpaceLike))
		if covered != 0 {
			t.Fatalf("visible text outside the sentences of %q", s)
		}
	})
}

func TestCamelFirst(t *testing.T) {
	for _, w := range camelWords {
		if !camelFirst(w[0]) {
			t.Errorf("camelFirst(%q) = false; add it so that %q is not split", w[0], w)
		}
	}
}
