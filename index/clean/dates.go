package clean

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// dateMatch is a date found in a text: its span and its parts. y is 0 when
// the text gave no year.
type dateMatch struct {
	start, end int
	y, m, d    int
}

func (d dateMatch) iso() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

var monthNames = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
	"july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
	"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// monthAt reads a month name at s[i] and returns the month and the offset
// after it (and after an abbreviation's period). When strict is set the
// name must be capitalised, so that "may" and "march" the verbs are not
// taken for months.
func monthAt(s string, i int, strict bool) (int, int) {
	j := i
	for j < len(s) && j-i < 10 && isASCIILetter(s[j]) {
		j++
	}
	if j == i || j < len(s) && isASCIILetter(s[j]) {
		return 0, i
	}
	if strict && !isASCIIUpper(s[i]) {
		return 0, i
	}
	m := monthNames[lowerASCII(s[i:j])]
	if m == 0 {
		return 0, i
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	return m, j
}

// digitsAt reads up to max digits at s[i]; it fails if more digits follow.
func digitsAt(s string, i, maxDigits int) (int, int, bool) {
	v, j := 0, i
	for j < len(s) && isDigit(s[j]) {
		if j-i == maxDigits {
			return 0, i, false
		}
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j, j > i
}

// ordinalAt skips "st", "nd", "rd", "th" after a day number.
func ordinalAt(s string, i int) int {
	if i+2 <= len(s) {
		switch lowerASCII(s[i : i+2]) {
		case "st", "nd", "rd", "th":
			if i+2 == len(s) || !isASCIILetter(s[i+2]) {
				return i + 2
			}
		}
	}
	return i
}

func skipSpaces(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], "\u00a0"):
			i += 2
		default:
			return i
		}
	}
	return i
}

// yearAfter reads ", 2023" or " 2023" at s[i].
func yearAfter(s string, i int) (int, int) {
	j := i
	if j < len(s) && s[j] == ',' {
		j++
	}
	j = skipSpaces(s, j)
	if j == i {
		return 0, i
	}
	if y, k, ok := digitsAt(s, j, 4); ok && k-j == 4 && y >= 1900 && y <= 2100 {
		return y, k
	}
	return 0, i
}

// rangeEnd skips the end of a day range: "27th to 28th", "27-28", "27 and 28".
func rangeEnd(s string, i int) int {
	j := i
	switch {
	case strings.HasPrefix(s[j:], "-") || strings.HasPrefix(s[j:], "–"):
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	case strings.HasPrefix(s[j:], " to ") || strings.HasPrefix(s[j:], " and "):
		j = skipSpaces(s, strings.IndexByte(s[j+1:], ' ')+j+1)
	default:
		return i
	}
	if _, k, ok := digitsAt(s, j, 2); ok {
		return ordinalAt(s, k)
	}
	return i
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y == 0 || y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(y, m, d int) bool {
	return (y == 0 || y >= 1900 && y <= 2100) && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// dateAt parses a date starting at s[i], which must be the start of a word.
func dateAt(s string, i int, strict bool) (dateMatch, bool) {
	c := s[i]
	if isDigit(c) {
		v, j, _ := digitsAt(s, i, 4)
		switch n := j - i; {
		case n == 4 && j+1 < len(s) && (s[j] == '-' || s[j] == '/' || s[j] == '.'):
			sep := s[j]
			m, k, ok := digitsAt(s, j+1, 2)
			if !ok || k >= len(s) || s[k] != sep {
				break
			}
			d, e, ok := digitsAt(s, k+1, 2)
			if ok && validDate(v, m, d) {
				return dateMatch{i, e, v, m, d}, true
			}
		case n == 4 && strings.HasPrefix(s[j:], "年"):
			m, k, ok := digitsAt(s, j+len("年"), 2)
			if !ok || !strings.HasPrefix(s[k:], "月") {
				break
			}
			d, e, ok := digitsAt(s, k+len("月"), 2)
			if ok && validDate(v, m, d) {
				if strings.HasPrefix(s[e:], "日") {
					e += len("日")
				}
				return dateMatch{i, e, v, m, d}, true
			}
		case n <= 2 && strings.HasPrefix(s[j:], "月"):
			d, e, ok := digitsAt(s, j+len("月"), 2)
			if ok && validDate(0, v, d) {
				if strings.HasPrefix(s[e:], "日") {
					e += len("日")
				}
				return dateMatch{i, e, 0, v, d}, true
			}
		case n <= 2:
			// "28 December 2023", "28th of December".
			k := skipSpaces(s, ordinalAt(s, j))
			if k == j {
				break
			}
			if strings.HasPrefix(lowerASCII(s[k:min(len(s), k+3)]), "of ") {
				k = skipSpaces(s, k+3)
			}
			m, e := monthAt(s, k, strict)
			if m == 0 || !validDate(0, m, v) {
				break
			}
			y, e2 := yearAfter(s, e)
			if y > 0 && !validDate(y, m, v) {
				break
			}
			return dateMatch{i, e2, y, m, v}, true
		}
		return dateMatch{}, false
	}
	m, j := monthAt(s, i, strict)
	if m == 0 {
		return dateMatch{}, false
	}
	k := skipSpaces(s, j)
	if k == j && s[j-1] != '.' {
		return dateMatch{}, false
	}
	d, e, ok := digitsAt(s, k, 2)
	if !ok || !validDate(0, m, d) {
		return dateMatch{}, false
	}
	e = rangeEnd(s, ordinalAt(s, e))
	y, e2 := yearAfter(s, e)
	if y > 0 && !validDate(y, m, d) {
		return dateMatch{}, false
	}
	return dateMatch{i, e2, y, m, d}, true
}

// scanDates calls fn for each date in s, in order, until fn returns false.
func scanDates(s string, strict bool, fn func(dateMatch) bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if !isASCIILetter(c) && !isDigit(c) {
			i++
			continue
		}
		if i > 0 && (isASCIILetter(s[i-1]) || isDigit(s[i-1])) {
			i++
			continue
		}
		if m, ok := dateAt(s, i, strict); ok {
			if !fn(m) {
				return
			}
			i = m.end
			continue
		}
		// Skip the rest of this word.
		j := i + 1
		for j < len(s) && (isASCIILetter(s[j]) || isDigit(s[j])) {
			j++
		}
		i = j
	}
}

// firstDate returns the first date in s, month names in any case.
func firstDate(s string) (dateMatch, bool) {
	var found dateMatch
	ok := false
	scanDates(s, false, func(m dateMatch) bool {
		found, ok = m, true
		return false
	})
	return found, ok
}

// firstFullDate returns the first date in s that has a year.
func firstFullDate(s string) (dateMatch, bool) {
	var found dateMatch
	ok := false
	scanDates(s, false, func(m dateMatch) bool {
		if m.y == 0 {
			return true
		}
		found, ok = m, true
		return false
	})
	return found, ok
}
