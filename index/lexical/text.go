package lexical

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// separate undoes the gluing that scraping leaves in reports, before the
// analyzer sees the text: "meeting.The meeting" and "emphasizedIn-depth"
// are single words to a Unicode word segmenter, so neither "meeting" nor
// "in-depth" would be found. It
//   - turns '.', '?' or '!' between a letter and an upper-case letter
//     into a space;
//   - turns ':' between letters into a space (the segmenter keeps
//     "Note:The" and "title:x" whole);
//   - inserts a space where a capitalised word starts right after three
//     or more lower-case letters ("DiplomacyMake", "speechWang"), which
//     leaves "mRNA", "IgG", "iPhone", "McDonald" and "WeChat" alone.
//
// Queries go through the same function, so both sides split alike.
func separate(s string) string {
	out, _ := separateAt(s)
	return out
}

// separateAt is separate that also returns, in increasing order, the
// offsets in its output of the spaces it inserted; every other byte
// keeps its place, shifted by the insertions before it, so offsets can
// be mapped back to s.
func separateAt(s string) (string, []int) {
	if cut(s, nil, nil) == 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	var inserted []int
	cut(s, &b, &inserted)
	return b.String(), inserted
}

// cut scans s, writing the separated text to b and the offsets of
// inserted spaces to inserted when they are not nil, and returns the
// number of places it separated.
func cut(s string, b *strings.Builder, inserted *[]int) int {
	n := 0
	var prev rune
	lowerRun := 0 // lower-case letters just before r
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		orig := s[i : i+size]
		i += size
		var next rune
		if i < len(s) {
			next, _ = utf8.DecodeRuneInString(s[i:])
		}
		out, space := orig, false
		switch {
		case (r == '.' || r == '?' || r == '!') && unicode.IsLetter(prev) && unicode.IsUpper(next):
			out = " "
			n++
		case r == ':' && unicode.IsLetter(prev) && unicode.IsLetter(next):
			out = " "
			n++
		case lowerRun >= 3 && unicode.IsUpper(r) && unicode.IsLower(next):
			space = true
			n++
		}
		if b != nil {
			if space {
				*inserted = append(*inserted, b.Len())
				b.WriteByte(' ')
			}
			b.WriteString(out)
		}
		if unicode.IsLower(r) {
			lowerRun++
		} else {
			lowerRun = 0
		}
		prev = r
	}
	return n
}
