package chunk

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index/clean"
)

// Options sets passage sizes in words. Zero or negative fields take the
// defaults, 40 and 200; a MinWords above MaxWords is lowered to it.
type Options struct {
	MinWords, MaxWords int
}

// Passage is a piece of a report's body.
type Passage struct {
	// Anchor is "p-" and 10 hex digits of the SHA-256 of the passage's
	// normalized text (Repair'ed, lower-cased), with "-2", "-3", ...
	// appended, in order, when an earlier passage of the same report has
	// the same anchor.
	Anchor string
	// Ord is the passage's position in the report, from 0.
	Ord int
	// Start and End are byte offsets into the text: Text == text[Start:End].
	Start, End int
	// Text is the passage as shown.
	Text string
	// Clean is clean.Repair(Text): what is indexed and embedded.
	Clean string
}

const (
	defaultMinWords = 40
	defaultMaxWords = 200
)

func (o Options) withDefaults() Options {
	if o.MinWords <= 0 {
		o.MinWords = defaultMinWords
	}
	if o.MaxWords <= 0 {
		o.MaxWords = defaultMaxWords
	}
	o.MinWords = min(o.MinWords, o.MaxWords)
	return o
}

// unit is a span of text that goes into a passage whole: a paragraph, or a
// window of a long one. joins tells whether it directly follows the
// previous unit (no furniture or dropped paragraph between), so that the
// two may share a passage.
type unit struct {
	start, end, words int
	joins             bool
}

// Split splits the body blocks of text into passages. Paragraphs of
// MinWords to MaxWords words are kept whole; consecutive short paragraphs
// are merged up to MaxWords; long paragraphs are cut into windows of at
// most MaxWords on sentence boundaries ([clean.Sentences]), and a single
// enormous sentence on word boundaries. A paragraph whose text, ignoring
// case, spacing and punctuation, equals the title or an earlier paragraph
// is dropped. Only blocks of Kind [clean.Body] are used, and passages never
// span furniture; a block of Kind [clean.Title] that is not the title
// given (nor begins with it, the title may be cut short) is body text. A
// single-sentence lead paragraph looks like a headline, but when the title
// came from elsewhere (an HTML <title>, a JSONL "title") it is the report's
// first paragraph, and dropping it would make its words unfindable. Blocks
// whose offsets do not fit text, or that overlap an earlier block, are
// ignored. A Chinese character counts as a word.
func Split(text string, blocks []clean.Block, title string, opts Options) []Passage {
	opts = opts.withDefaults()
	seen := map[string]bool{}
	titleKey := dedupKey(strings.TrimSuffix(title, "…"))
	if k := dedupKey(title); k != "" {
		seen[k] = true
	}
	var units []unit
	joins := false
	prevEnd := 0
	for _, b := range blocks {
		if b.Start < prevEnd || b.End > len(text) || b.Start >= b.End {
			joins = false
			continue
		}
		prevEnd = b.End
		kind := b.Kind
		if kind == clean.Title && titleKey != "" && !strings.HasPrefix(dedupKey(text[b.Start:b.End]), titleKey) {
			kind = clean.Body
		}
		if kind != clean.Body {
			joins = false
			continue
		}
		start, end := trimToRunes(text, b.Start, b.End)
		if start >= end {
			joins = false
			continue
		}
		p := text[start:end]
		k := dedupKey(p)
		if k == "" || seen[k] {
			joins = false
			continue
		}
		seen[k] = true
		w := countWords(p)
		if w <= opts.MaxWords {
			units = append(units, unit{start, end, w, joins})
		} else {
			units = appendWindows(units, text, start, end, w, joins, opts.MaxWords)
		}
		joins = true
	}
	return build(text, merge(units, opts))
}

// trimToRunes moves start and end inward to rune boundaries, so that a
// caller's odd offsets cannot produce invalid UTF-8.
func trimToRunes(text string, start, end int) (int, int) {
	for start < end && !utf8.RuneStart(text[start]) {
		start++
	}
	for end < len(text) && end > start && !utf8.RuneStart(text[end]) {
		end--
	}
	return start, end
}

// appendWindows cuts the long paragraph text[start:end] of w words into
// windows of at most maxWords words, of about equal size, on sentence
// boundaries.
func appendWindows(units []unit, text string, start, end, w int, joins bool, maxWords int) []unit {
	n := (w + maxWords - 1) / maxWords
	target := (w + n - 1) / n
	p := text[start:end]
	cur := unit{start: -1}
	first := true
	// The first window joins what came before as the paragraph would;
	// later windows follow it directly.
	next := func(a, b, words int) {
		if cur.start >= 0 {
			units = append(units, cur)
		}
		cur = unit{start: a, end: b, words: words, joins: joins || !first}
		first = false
	}
	for _, s := range clean.Sentences(p) {
		sw := countWords(p[s[0]:s[1]])
		switch {
		case sw > maxWords:
			forEachCut(p[s[0]:s[1]], maxWords, func(a, b, words int) {
				next(start+s[0]+a, start+s[0]+b, words)
			})
		case cur.start < 0 || cur.words+sw > maxWords || cur.words >= target:
			next(start+s[0], start+s[1], sw)
		default:
			cur.end, cur.words = start+s[1], cur.words+sw
		}
	}
	if cur.start >= 0 {
		units = append(units, cur)
	}
	return units
}

// forEachCut calls fn with consecutive spans of s holding at most maxWords
// words each, cut between words.
func forEachCut(s string, maxWords int, fn func(start, end, words int)) {
	start, end, n := -1, 0, 0
	forEachWord(s, func(a, b int) {
		if n == maxWords {
			fn(start, end, n)
			start, n = -1, 0
		}
		if start < 0 {
			start = a
		}
		end = b
		n++
	})
	if start >= 0 {
		fn(start, end, n)
	}
}

// isWordRune reports runes that are words on their own: Chinese, Japanese
// and Korean characters.
func isWordRune(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// maxWordBytes splits runs of non-space characters longer than this into
// several words, so that text without spaces (a scraped blob, a glued
// table) still cuts into passages of bounded size.
const maxWordBytes = 64

// forEachWord calls fn with the span of each word of s: a run of
// non-space characters (at most maxWordBytes long), or a single CJK
// character.
func forEachWord(s string, fn func(start, end int)) {
	start := -1
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			if start >= 0 {
				fn(start, i)
				start = -1
			}
		case isWordRune(r):
			if start >= 0 {
				fn(start, i)
				start = -1
			}
			fn(i, i+n)
		default:
			if start >= 0 && i+n-start > maxWordBytes {
				fn(start, i)
				start = -1
			}
			if start < 0 {
				start = i
			}
		}
		i += n
	}
	if start >= 0 {
		fn(start, len(s))
	}
}

// countWords counts words as forEachWord delimits them.
func countWords(s string) int {
	n := 0
	run := -1 // bytes in the current run of non-space characters; -1 outside
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c >= utf8.RuneSelf && unicode.IsSpace(r):
			run = -1
		case c >= utf8.RuneSelf && isWordRune(r):
			n++
			run = -1
		default:
			if run < 0 || run+size > maxWordBytes {
				n++
				run = 0
			}
			run += size
		}
		i += size
	}
	return n
}

// merge joins consecutive units into passages of up to MaxWords words
// when either is shorter than MinWords. Merging is greedy from the start, so
// a change to one paragraph only moves the passages next to it.
func merge(units []unit, opts Options) []unit {
	var out []unit
	for _, u := range units {
		if len(out) > 0 {
			last := &out[len(out)-1]
			if u.joins && (last.words < opts.MinWords || u.words < opts.MinWords) && last.words+u.words <= opts.MaxWords {
				last.end = u.end
				last.words += u.words
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

// build turns units into passages with their anchors.
func build(text string, units []unit) []Passage {
	out := make([]Passage, 0, len(units))
	used := make(map[string]int, len(units))
	for i, u := range units {
		t := text[u.start:u.end]
		c := clean.Repair(t)
		a := anchorOf(c)
		if n := used[a]; n > 0 {
			used[a] = n + 1
			a += "-" + strconv.Itoa(n+1)
		} else {
			used[a] = 1
		}
		out = append(out, Passage{Anchor: a, Ord: i, Start: u.start, End: u.end, Text: t, Clean: c})
	}
	return out
}

// anchorOf hashes a passage's repaired text, lower-cased.
func anchorOf(repaired string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(repaired)))
	return "p-" + hex.EncodeToString(sum[:5])
}

// dedupKey reduces a paragraph to its lower-cased letters and digits, words
// separated by single spaces, so that a headline repeated with different
// punctuation or spacing is recognised. Invisible format characters are
// ignored.
func dedupKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				b.WriteByte(byte(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		case unicode.Is(unicode.Cf, r):
		default:
			space = true
		}
	}
	return b.String()
}
