package web

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/plenary-search/plenary/index"
)

// WhyLines explains in plain words, one line per reason, why the hit h was
// returned by a search in mode ("" means hybrid): which retrievers found
// it, at what rank among the passages and with what score, the words of
// the question it contains and how many near-duplicates were folded into
// it.
// The result pages show these lines and "plenary search --why" prints
// them, so that both say the same. A retriever that the mode does not
// use is not mentioned; one that was used but did not rank the passage
// near the top is said to have missed it. It returns no error.
func WhyLines(mode index.Mode, h index.Hit) []string {
	w := h.Why
	if m, err := index.ParseMode(string(mode)); err == nil {
		mode = m
	}
	var out []string
	if mode != index.ModeVector {
		if w.LexicalRank > 0 {
			out = append(out, fmt.Sprintf("Keyword match: rank %d (BM25 %.1f)", w.LexicalRank, finite(w.LexicalScore)))
		} else {
			out = append(out, "Keyword match: not among the top keyword matches")
		}
	}
	if mode != index.ModeLexical {
		if w.VectorRank > 0 {
			out = append(out, fmt.Sprintf("Meaning match: rank %d (cosine %.2f)", w.VectorRank, finite(w.VectorScore)))
		} else {
			out = append(out, "Meaning match: not among the top meaning matches")
		}
	}
	if len(w.Terms) > 0 {
		out = append(out, "Matched words: "+strings.Join(surfaceWords(w.Terms, h.Text), ", "))
	}
	switch {
	case w.Collapsed == 1:
		out = append(out, "1 near-duplicate passage folded in")
	case w.Collapsed > 1:
		out = append(out, fmt.Sprintf("%d near-duplicate passages folded in", w.Collapsed))
	}
	return out
}

// surfaceWords replaces each analysed term (a stem such as "countri") by
// the first word of text that it is the stem of ("countries"), which
// means more to a reader; a term whose word cannot be found this way, as
// when stemming changed a letter, is kept as it is. Repeats are dropped.
func surfaceWords(terms []string, text string) []string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	seen := make(map[string]bool, len(terms))
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		show := t
		for _, w := range words {
			if strings.HasPrefix(strings.ToLower(w), t) {
				show = w
				break
			}
		}
		if key := strings.ToLower(show); !seen[key] {
			seen[key] = true
			out = append(out, show)
		}
	}
	return out
}
