package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"no": true, "nos": true, "jan": true, "feb": true, "mar": true, "apr": true,
	"jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true,
	"nov": true, "dec": true, "gen": true, "col": true, "lt": true, "sgt": true,
	"gov": true, "sen": true, "rep": true, "rev": true, "hon": true, "vol": true,
	"fig": true, "vs": true, "co": true, "corp": true, "inc": true, "ltd": true,
	"jr": true, "sr": true, "approx": true, "art": true, "pp": true, "ft": true,
	"mt": true, "capt": true, "cmdr": true, "adm": true, "amb": true, "e.g": true,
	"i.e": true, "u.s": true, "u.k": true, "u.n": true, "p.m": true, "a.m": true,
}

// closers may follow a sentence's final punctuation and belong to it.
func isCloser(r rune) bool {
	switch r {
	case '.', '!', '?', '"', '\'', ')', ']', '”', '’', '»', '…', '。', '！', '？', '」', '』', '）':
		return true
	}
	return false
}

func isTerminal(r rune) bool {
	switch r {
	case '.', '!', '?', '。', '！', '？', '…':
		return true
	}
	return false
}

// Sentences returns the byte spans of the sentences of s, trimmed of
// surrounding whitespace. Besides the usual "end. Start" boundaries it
// recognises sentences glued by scraping ("meeting.The meeting") and blank
// lines; single line breaks are treated as spaces because hard-wrapped text
// breaks lines inside sentences. Abbreviations ("Mr.", "Dec.", "U.S.") and
// initials do not end sentences. The spans cover every visible character
// of s.
func Sentences(s string) [][2]int {
	var out [][2]int
	emit := func(a, b int) {
		if a, b = trimSpan(s, a, b); a < b {
			out = append(out, [2]int{a, b})
		}
	}
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			// A blank line ends a sentence.
			j := i + n
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < len(s) && s[j] == '\n' {
				emit(start, i)
				start = j
			}
			i = j
			continue
		case isTerminal(r):
			j := i + n
			for j < len(s) {
				c, m := utf8.DecodeRuneInString(s[j:])
				if !isCloser(c) {
					break
				}
				j += m
			}
			if isBoundary(s, i, r, j) {
				emit(start, j)
				start = j
			}
			i = j
			continue
		}
		i += n
	}
	emit(start, len(s))
	return out
}

// isBoundary decides whether the terminal punctuation r at s[i], with its
// closers ending at j, ends a sentence.
func isBoundary(s string, i int, r rune, j int) bool {
	if r == '。' || r == '！' || r == '？' {
		return true
	}
	if j >= len(s) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(s[j:])
	if isSpaceLike(next) {
		k := j
		for k < len(s) {
			c, m := utf8.DecodeRuneInString(s[k:])
			if !isSpaceLike(c) {
				break
			}
			k += m
		}
		if k >= len(s) {
			return true
		}
		next, _ = utf8.DecodeRuneInString(s[k:])
		if !(unicode.IsUpper(next) || unicode.IsDigit(next) || next == '"' || next == '“' ||
			next == '‘' || next == '(' || next == '[' || next == '\'' || next >= 0x2E80 && unicode.Is(unicode.Han, next)) {
			return false
		}
		if r == '.' && j == i+1 && isAbbreviation(s, i) {
			return false
		}
		return true
	}
	// Glued: "meeting.The meeting" but not "anhuinews.com", "U.S.A" or "3.5".
	if !isGluedStart(s, j) {
		return false
	}
	if i == 0 {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	if isSpaceLike(prev) {
		return true
	}
	if !unicode.IsLower(prev) {
		return false
	}
	return !isAbbreviation(s, i) && wordLenBefore(s, i) >= 2
}

// isGluedStart reports an upper-case letter followed by a lower-case one
// ("The", "It", "Xi") at s[j].
func isGluedStart(s string, j int) bool {
	a, n := utf8.DecodeRuneInString(s[j:])
	if !unicode.IsUpper(a) || j+n >= len(s) {
		return false
	}
	b, _ := utf8.DecodeRuneInString(s[j+n:])
	return unicode.IsLower(b)
}

// wordLenBefore counts the letters immediately before s[i].
func wordLenBefore(s string, i int) int {
	n := 0
	for i > 0 && n < 64 {
		r, m := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(r) {
			break
		}
		n++
		i -= m
	}
	return n
}

// isAbbreviation reports whether the period at s[i] ends an abbreviation
// or an initial ("Mr.", "Dec.", "U.S.", "J.").
func isAbbreviation(s string, i int) bool {
	k := i
	for k > 0 && i-k < 8 {
		c := s[k-1]
		if !isASCIILetter(c) && c != '.' {
			break
		}
		k--
	}
	w := s[k:i]
	if w == "" {
		return false
	}
	if len(w) == 1 && isASCIIUpper(w[0]) {
		return true
	}
	return abbreviations[lowerASCII(strings.TrimLeft(w, "."))]
}

// camelWords are real words with an inner capital that must not be split.
var camelWords = []string{
	"PowerPoint", "JavaScript", "LinkedIn", "YouTube", "GitHub", "WeChat",
	"WhatsApp", "TikTok", "DeepSeek", "PetroChina", "BlackRock", "PayPal",
	"FedEx", "MasterCard", "HarmonyOS", "McDonald", "MacBook", "iPhone", "iPad",
	"eBay", "OpenAI", "SinoChem", "ChinaDaily", "AliExpress", "TaoBao", "WeiBo",
	"DreamWorks", "PlayStation", "SkyTeam", "StarAlliance",
}

// camelFirst reports whether some camelWords entry starts with byte c.
func camelFirst(c byte) bool {
	switch c {
	case 'A', 'B', 'C', 'D', 'F', 'G', 'H', 'J', 'L', 'M', 'O', 'P', 'S', 'T', 'W', 'Y', 'e', 'i':
		return true
	}
	return false
}

// Repair returns s prepared for indexing: sentences glued by scraping are
// separated ("meeting.The meeting" → "meeting. The meeting"), lower-case
// words glued to a capitalised one are split ("emphasizedIn-depth" →
// "emphasized In-depth"; "McDonald", "iPhone" and "CPC" are left alone),
// invisible characters and invalid bytes are removed and whitespace is
// collapsed to single spaces. The result is valid UTF-8. It is meant for
// the indexed and embedded text only, never for display.
func Repair(s string) string {
	// Drop what is invisible first, so that glue is judged on the
	// characters a reader sees: "aaaA\u200bb" is "aaaAb".
	s = dropInvisible(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/32)
	space := false    // a space is pending
	var prev rune     // last rune written, 0 at the start
	lowerRun := 0     // lower-case letters just written in the current word
	digitRun := 0     // digits just written
	wordStart := -1   // input offset where the current word began
	prevPunctAt := -1 // input offset of a '.', '!', '?', ',' or ';' just written
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || isInvisible(r) || unicode.IsControl(r) && !unicode.IsSpace(r) {
			i += n
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			lowerRun, digitRun, wordStart, prevPunctAt = 0, 0, -1, -1
			i += n
			continue
		}
		if !space && b.Len() > 0 && needsSpace(s, i, r, prev, lowerRun, digitRun, wordStart, prevPunctAt) {
			space = true
		}
		if space {
			b.WriteByte(' ')
			space = false
			lowerRun, digitRun, wordStart = 0, 0, -1
		}
		b.WriteRune(r)
		prevPunctAt = -1
		switch {
		case unicode.IsLower(r):
			lowerRun++
			digitRun = 0
		case unicode.IsLetter(r):
			lowerRun = 0
			digitRun = 0
		case unicode.IsDigit(r):
			digitRun++
			lowerRun = 0
		default:
			lowerRun, digitRun = 0, 0
			if r == '.' || r == '!' || r == '?' || r == ',' || r == ';' {
				prevPunctAt = i
			}
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if wordStart < 0 {
				wordStart = i
			}
		} else if r != '-' && r != '\'' && r != '’' {
			wordStart = -1
		}
		prev = r
		i += n
	}
	return b.String()
}

// dropInvisible removes invalid bytes, invisible characters and control
// characters other than whitespace; it returns s itself when there are none.
func dropInvisible(s string) string {
	drop := func(r rune, n int) bool {
		return r == utf8.RuneError && n <= 1 || isInvisible(r) || unicode.IsControl(r) && !unicode.IsSpace(r)
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if drop(r, n) {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !drop(r, n) {
					b.WriteString(s[i : i+n])
				}
				i += n
			}
			return b.String()
		}
		i += n
	}
	return s
}

// needsSpace decides whether a space belongs before rune r at s[i], given
// what was written before it.
func needsSpace(s string, i int, r, prev rune, lowerRun, digitRun, wordStart, punctAt int) bool {
	if !isGluedStart(s, i) {
		// Only ", " and "; " glue of two words: "Strategy,next".
		if punctAt >= 0 && (prev == ',' || prev == ';') && unicode.IsLetter(r) && r < 0x2E80 && punctAt > 0 {
			before, _ := utf8.DecodeLastRuneInString(s[:punctAt])
			return unicode.IsLetter(before) && before < 0x2E80
		}
		return false
	}
	if punctAt >= 0 {
		// "meeting.The" but not "U.S.The" or "e.g.The".
		if prev == ',' || prev == ';' || prev == '!' || prev == '?' {
			return true
		}
		if punctAt == 0 {
			return false
		}
		before, _ := utf8.DecodeLastRuneInString(s[:punctAt])
		return unicode.IsLower(before) && wordLenBefore(s, punctAt) >= 2 && !isAbbreviation(s, punctAt)
	}
	if digitRun >= 4 && unicode.IsDigit(prev) {
		return true // "in 2023The"
	}
	if lowerRun < 3 || !unicode.IsLower(prev) {
		return false
	}
	if wordStart >= 0 && camelFirst(s[wordStart]) {
		for _, w := range camelWords {
			if strings.HasPrefix(s[wordStart:], w) && i < wordStart+len(w) {
				return false
			}
		}
	}
	return true
}
