package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// wholePassageWords is the longest passage shown whole in a snippet.
	wholePassageWords = 60
	// windowWords is the length of the window cut from longer passages.
	windowWords = 50
	ellipsis    = "…"
)

// word is a token of a text with its byte range.
type word struct {
	start, end int
	stem       string
}

// words splits s into runs of letters and digits, also breaking where a
// lower-case letter is directly followed by an upper-case one, since
// scraped reports glue sentences and headings together ("emphasizedIn").
func words(s string) []word {
	var out []word
	start := -1
	var prev rune
	for i, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if start >= 0 && (!alnum || (unicode.IsLower(prev) && unicode.IsUpper(r))) {
			out = append(out, word{start: start, end: i, stem: stem(s[start:i])})
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, word{start: start, end: len(s), stem: stem(s[start:])})
	}
	return out
}

// suffixes are stripped, longest first, by stem. The list is a small,
// conservative subset of English inflections and derivations: enough for
// "meetings" to find "meeting" and "cooperation" to find "cooperate".
var suffixes = []string{
	"ational", "ations", "ation", "ators", "ator", "ments", "ment", "ness",
	"ings", "ing", "ives", "ive", "ies", "ied", "ers", "er", "ed", "es", "ly", "s", "e",
}

// stem lower-cases w and strips one common suffix, keeping at least three
// letters.
func stem(w string) string {
	w = strings.ToLower(w)
	w = strings.TrimSuffix(w, "’s")
	w = strings.TrimSuffix(w, "'s")
	for _, suf := range suffixes {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w)-utf8.RuneCountInString(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			if suf == "ies" || suf == "ied" {
				w += "y" // parties, party; applied, apply
			}
			return w
		}
	}
	return w
}

// stopWords are question words that say nothing about the answer. It is
// built once and only read.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does
		for from had has have he her his how i if in into is it its me my of on or our
		she should so than that the their them then there these they this those to
		us was we were what when where which while who whom whose why will with would
		you your about any all also more most some such tell me show find give list`) {
		m[w] = true
	}
	return m
}()

// queryTerms returns the stems of the question's content words.
func queryTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range words(q) {
		if stopWords[strings.ToLower(q[w.start:w.end])] || seen[w.stem] {
			continue
		}
		seen[w.stem] = true
		out = append(out, w.stem)
	}
	return out
}

// matches reports whether a text word's stem answers a question stem:
// equal, or one a prefix of the other when the shorter has at least five
// letters and is most of the longer ("friend" in "friendship", but not
// "part" in "party").
func matches(stem string, terms []string) bool {
	for _, t := range terms {
		if stem == t {
			return true
		}
		short, long := t, stem
		if len(short) > len(long) {
			short, long = long, short
		}
		if len(short) >= 5 && strings.HasPrefix(long, short) && 10*len(short) >= 6*len(long) {
			return true
		}
	}
	return false
}

// lexicalSnippet marks the question's words in text, cut to the densest
// window if text is long. It returns false if no word matched.
func lexicalSnippet(text string, terms []string) ([]Fragment, bool) {
	ws := words(text)
	hit := make([]bool, len(ws))
	n := 0
	for i, w := range ws {
		if matches(w.stem, terms) {
			hit[i] = true
			n++
		}
	}
	if n == 0 {
		return nil, false
	}
	lo, hi := 0, len(ws)
	if len(ws) > wholePassageWords {
		lo = densestWindow(hit, windowWords)
		hi = lo + windowWords
	}
	return fragments(text, ws, lo, hi, func(i int) bool { return hit[i] }), true
}

// densestWindow returns the start of the size-word window with the most
// hits, preferring the one whose hits are most central among equals.
func densestWindow(hit []bool, size int) int {
	if len(hit) <= size {
		return 0
	}
	count := 0
	for i := range size {
		if hit[i] {
			count++
		}
	}
	best, bestCount := 0, count
	for s := 1; s+size <= len(hit); s++ {
		if hit[s-1] {
			count--
		}
		if hit[s+size-1] {
			count++
		}
		if count > bestCount {
			best, bestCount = s, count
		}
	}
	// Slide the window so that its hits sit in the middle rather than at
	// an edge: readers need the words around a match.
	first, last := -1, -1
	for i := best; i < best+size; i++ {
		if hit[i] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first >= 0 {
		centred := (first+last)/2 - size/2
		centred = max(0, min(centred, len(hit)-size))
		// Keep the move only if it loses no hit.
		if centred <= first && centred+size > last {
			best = centred
		}
	}
	return best
}

// sentenceSnippet marks text[start:end], the sentence closest to the
// question, and cuts text to a window around it if text is long.
func sentenceSnippet(text string, start, end int) []Fragment {
	ws := words(text)
	lo, hi := 0, len(ws)
	if len(ws) > wholePassageWords {
		first := 0
		for first < len(ws) && ws[first].start < start {
			first++
		}
		// Start a little before the sentence, for context.
		lo = max(0, min(first-5, len(ws)-windowWords))
		hi = lo + windowWords
	}
	return render(text, ws, lo, hi, [][2]int{{start, end}})
}

// fragments renders words [lo,hi) of text; mark says which words are
// matches. Marked words separated only by spaces, or by one stop word, form
// one span, so "foreign affairs" and "ice and snow" are one highlight each.
func fragments(text string, ws []word, lo, hi int, mark func(int) bool) []Fragment {
	var spans [][2]int
	last := -1 // index of the last marked word
	for i := lo; i < min(hi, len(ws)); i++ {
		if !mark(i) {
			continue
		}
		w := ws[i]
		n := len(spans)
		join := n > 0 && strings.TrimSpace(text[spans[n-1][1]:w.start]) == ""
		if !join && n > 0 && last == i-2 {
			mid := ws[i-1]
			join = stopWords[strings.ToLower(text[mid.start:mid.end])] &&
				strings.TrimSpace(text[spans[n-1][1]:mid.start]) == "" &&
				strings.TrimSpace(text[mid.end:w.start]) == ""
		}
		if join {
			spans[n-1][1] = w.end
		} else {
			spans = append(spans, [2]int{w.start, w.end})
		}
		last = i
	}
	return render(text, ws, lo, hi, spans)
}

// render cuts text to words [lo,hi) (the whole text when they are all the
// words), with an ellipsis at each cut end, and marks the byte spans
// (sorted, not overlapping) as matches.
func render(text string, ws []word, lo, hi int, spans [][2]int) []Fragment {
	hi = min(hi, len(ws))
	from, to := 0, len(text)
	if lo > 0 && lo < len(ws) {
		from = ws[lo].start
	}
	if hi > 0 && hi < len(ws) {
		to = ws[hi-1].end
	}
	var out []Fragment
	emit := func(s string, m bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == m {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s, Match: m})
	}
	if from > 0 {
		emit(ellipsis+" ", false)
	}
	pos := from
	for _, sp := range spans {
		a, b := max(sp[0], pos), min(sp[1], to)
		if a >= b {
			continue
		}
		emit(text[pos:a], false)
		emit(text[a:b], true)
		pos = b
	}
	emit(text[pos:to], false)
	if to < len(text) {
		emit(" "+ellipsis, false)
	}
	// Trim outer whitespace so that the template controls spacing.
	if len(out) > 0 {
		out[0].Text = strings.TrimLeftFunc(out[0].Text, unicode.IsSpace)
		last := len(out) - 1
		out[last].Text = strings.TrimRightFunc(out[last].Text, unicode.IsSpace)
		out = slices.DeleteFunc(out, func(f Fragment) bool { return f.Text == "" })
	}
	return out
}
