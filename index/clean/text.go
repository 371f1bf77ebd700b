package clean

import (
	"unicode"
	"unicode/utf8"
)

// isInvisible reports runes that render as nothing but break word matching:
// zero-width spaces and joiners, direction marks, soft hyphens, the BOM.
func isInvisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064, r == 0xFEFF, r == 0x00AD, r == 0x180E:
		return true
	}
	return false
}

// isSpaceLike reports whitespace, including the em spaces and ideographic
// spaces scraped pages use for indentation, and invisible characters.
func isSpaceLike(r rune) bool {
	return unicode.IsSpace(r) || isInvisible(r) || r == utf8.RuneError
}

// trimSpan narrows [start,end) of s so that it begins and ends with a
// visible character. It returns start == end when nothing visible is left.
func trimSpan(s string, start, end int) (int, int) {
	for start < end {
		r, n := utf8.DecodeRuneInString(s[start:end])
		if !isSpaceLike(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isSpaceLike(r) {
			break
		}
		end -= n
	}
	return start, end
}

// countWords counts runs of letters or digits; a CJK ideograph counts as a
// word of its own, since Chinese is not written with spaces.
func countWords(s string) int {
	n := 0
	in := false
	for _, r := range s {
		switch {
		case r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			n++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !in {
				n++
				in = true
			}
		case r == '\'' || r == '’' || r == '-':
			// Keep "Xi'an" and "in-depth" one word.
		default:
			in = false
		}
	}
	return n
}

func isASCIILower(b byte) bool { return b >= 'a' && b <= 'z' }
func isASCIIUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isASCIILetter(b byte) bool {
	return isASCIILower(b) || isASCIIUpper(b)
}
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// lowerASCII lower-cases ASCII letters only, keeping byte offsets identical
// to the input so that positions found in the result apply to the original.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if isASCIIUpper(s[i]) {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if isASCIIUpper(b[j]) {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// hasWordAt reports whether s[i:] starts with w and w is not part of a
// longer word on either side.
func hasWordAt(s string, i int, w string) bool {
	if i < 0 || i+len(w) > len(s) || s[i:i+len(w)] != w {
		return false
	}
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if j := i + len(w); j < len(s) {
		r, _ := utf8.DecodeRuneInString(s[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
