package wordvec

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The tokenizer mimics the Stanford (PTB-style) tokenization GloVe 6B was
// trained on, as far as a lookup in its vocabulary needs: lower case; words
// and numbers as tokens; punctuation dropped (the vector file keeps none);
// clitics split off ("china's" → "china" "'s", "don't" → "do" "n't");
// hyphenated, dotted and comma-grouped forms kept whole when the vocabulary
// has them ("in-depth", "u.s.", "1,000") and split into their parts when it
// has not. Scraped reports glue words together ("meeting.The",
// "emphasizedIn-depth", "ProvinceWang"); a lower-to-upper case change inside
// a token the vocabulary does not know is taken as a word boundary.
//
// The shipped vocabulary (wink's subset of GloVe 6B) has no pure numbers, no
// clitics and no dotted abbreviations, and is ASCII only: "2023", "'s" and
// "u.s." are unknown tokens (counted, not embedded), accents are folded
// ("café" → "cafe"). The rules for them still apply, so a vocabulary that
// has them is read the GloVe way.

// maxTokenBytes bounds one token; longer runs (base64, URLs without
// punctuation) are cut, as no vocabulary word is that long.
const maxTokenBytes = 64

// maxUnknown bounds how many unknown tokens of one text are remembered for
// the fallback direction.
const maxUnknown = 64

// scratch holds one worker's buffers, reused from text to text.
type scratch struct {
	tok     []byte  // the current token, lower-cased
	cuts    []int   // case-change positions in tok
	ids     []int32 // known words of the text
	unknown []uint64
	tokens  int // all tokens, known or not
	acc     []float32
}

func newScratch(dim int) *scratch {
	return &scratch{
		tok:  make([]byte, 0, maxTokenBytes+8),
		cuts: make([]int, 0, 8),
		ids:  make([]int32, 0, 256),
		acc:  make([]float32, dim),
	}
}

// tokenize fills sc.ids with the vocabulary words of s, and sc.unknown with
// hashes of the tokens it does not know.
func (t *table) tokenize(s string, sc *scratch) {
	sc.ids = sc.ids[:0]
	sc.unknown = sc.unknown[:0]
	sc.tokens = 0
	i := 0
	for i < len(s) {
		r, n := decode(s, i)
		if !isWordRune(r) {
			i += n
			continue
		}
		sc.tok = sc.tok[:0]
		sc.cuts = sc.cuts[:0]
		prevLower := false
		for i < len(s) {
			r, n = decode(s, i)
			switch {
			case isWordRune(r):
				if unicode.IsUpper(r) && prevLower && len(sc.tok) > 0 {
					sc.cuts = append(sc.cuts, len(sc.tok))
				}
				prevLower = unicode.IsLower(r) || isDigit(r)
				if len(sc.tok) < maxTokenBytes {
					sc.tok = appendLower(sc.tok, r)
				}
				i += n
				continue
			case isJoiner(r):
				next, _ := decode(s, i+n)
				j := joinerByte(r)
				ok := i+n < len(s) && isWordRune(next)
				if j == ',' {
					// Only digit groups: "1,000", not "china,the".
					ok = ok && isDigit(next) && len(sc.tok) > 0 && isDigit(rune(sc.tok[len(sc.tok)-1]))
				}
				if ok {
					if len(sc.tok) < maxTokenBytes {
						sc.tok = append(sc.tok, j)
					}
					prevLower = false
					i += n
					continue
				}
			}
			break
		}
		dotNext := i < len(s) && s[i] == '.'
		t.resolve(sc, dotNext)
	}
}

// resolve looks up the token in sc.tok, splitting it when the vocabulary
// does not know it whole.
func (t *table) resolve(sc *scratch, dotNext bool) {
	tok := sc.tok
	// Abbreviations keep their final dot in GloVe ("u.s.", "mr."); a dotted
	// token prefers that form, a plain one only falls back to it.
	if dotNext && hasByte(tok, '.') && t.lookupDotted(sc, tok) {
		return
	}
	if t.lookup(sc, tok) || dotNext && t.lookupDotted(sc, tok) {
		return
	}
	if len(sc.cuts) == 0 {
		t.resolvePart(sc, tok)
		return
	}
	start := 0
	for _, c := range sc.cuts {
		t.resolvePart(sc, tok[start:c])
		start = c
	}
	t.resolvePart(sc, tok[start:])
}

// clitics are split off the way the PTB tokenizer does.
var clitics = [...]string{"'s", "'re", "'ve", "'ll", "'d", "'m"}

// resolvePart resolves a piece of a token that has no case change left.
func (t *table) resolvePart(sc *scratch, p []byte) {
	if len(p) == 0 || t.lookup(sc, p) {
		return
	}
	if k := lastByte(p, '\''); k >= 0 {
		suffix := p[k:]
		for _, c := range clitics {
			if string(suffix) == c {
				t.resolvePart(sc, p[:k])
				t.lookupOrUnknown(sc, suffix)
				return
			}
		}
		if k >= 1 && p[k-1] == 'n' && string(suffix) == "'t" {
			t.resolvePart(sc, p[:k-1])
			t.lookupOrUnknown(sc, p[k-1:])
			return
		}
	}
	if !hasJoiner(p) {
		t.unknownToken(sc, p)
		return
	}
	start := 0
	for k, c := range p {
		if c == '-' || c == '.' || c == ',' || c == '\'' {
			if k > start {
				t.lookupOrUnknown(sc, p[start:k])
			}
			start = k + 1
		}
	}
	if start < len(p) {
		t.lookupOrUnknown(sc, p[start:])
	}
}

func (t *table) lookup(sc *scratch, w []byte) bool {
	id, ok := t.index[string(w)]
	if ok {
		t.emit(sc, id)
	}
	return ok
}

func (t *table) lookupDotted(sc *scratch, w []byte) bool {
	// sc.tok has spare capacity, so this does not allocate.
	wd := append(w, '.')
	return t.lookup(sc, wd)
}

func (t *table) lookupOrUnknown(sc *scratch, w []byte) {
	if !t.lookup(sc, w) {
		t.unknownToken(sc, w)
	}
}

func (t *table) emit(sc *scratch, id int32) {
	sc.ids = append(sc.ids, id)
	sc.tokens++
}

func (t *table) unknownToken(sc *scratch, w []byte) {
	sc.tokens++
	if len(sc.unknown) < maxUnknown {
		sc.unknown = append(sc.unknown, fnv64(w))
	}
}

// Tokens returns the vocabulary words the model sees in s, in order; tokens
// it does not know are left out. It is meant for inspecting and testing how
// a text is read.
func (m *Model) Tokens(s string) []string {
	sc := newScratch(m.t.dim)
	m.t.tokenize(s, sc)
	out := make([]string, len(sc.ids))
	for i, id := range sc.ids {
		out[i] = m.t.words[id]
	}
	return out
}

// Knows reports whether s holds at least one word of the vocabulary. A text
// without any is embedded as a deterministic placeholder direction, whose
// neighbours mean nothing; callers use Knows to say "no answer" instead.
func (m *Model) Knows(s string) bool {
	sc := newScratch(m.t.dim)
	m.t.tokenize(s, sc)
	return len(sc.ids) > 0
}

// decode returns the rune at s[i:] and its width, with typographic
// apostrophes and hyphens mapped to their ASCII forms. Past the end it
// returns 0, 0; invalid UTF-8 decodes as utf8.RuneError, a non-word rune.
func decode(s string, i int) (rune, int) {
	if i >= len(s) {
		return 0, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	switch r {
	case '\u2019', '\u2018', '\u02bc', '\u2032': // ’ ‘ ʼ ′
		r = '\''
	case '\u2010', '\u2011': // hyphen, non-breaking hyphen
		r = '-'
	}
	return r, n
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func isJoiner(r rune) bool { return r == '-' || r == '.' || r == ',' || r == '\'' }

func joinerByte(r rune) byte { return byte(r) }

func appendLower(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	// The vocabulary is ASCII only ("cafe", not "café"), so accents are
	// stripped: decompose, drop the combining marks.
	var in, dec [16]byte
	for _, c := range string(norm.NFD.Append(dec[:0], utf8.AppendRune(in[:0], unicode.ToLower(r))...)) {
		if !unicode.Is(unicode.Mn, c) {
			b = utf8.AppendRune(b, c)
		}
	}
	return b
}

func hasByte(b []byte, c byte) bool { return lastByte(b, c) >= 0 }

func lastByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func hasJoiner(b []byte) bool {
	for _, c := range b {
		if c == '-' || c == '.' || c == ',' || c == '\'' {
			return true
		}
	}
	return false
}

// fnv64 is FNV-1a, used to give unknown words a stable direction.
func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
