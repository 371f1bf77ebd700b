package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// decodeText turns file bytes into valid UTF-8 text with "\n" line endings.
// UTF-16 with a byte-order mark is decoded and a UTF-8 byte-order mark is
// dropped. It returns an error wrapping ErrBinary or ErrEncoding.
func decodeText(b []byte) (string, error) {
	b, err := toUTF8(b)
	if err != nil {
		return "", err
	}
	if err := checkText(b); err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: invalid byte at offset %d", ErrEncoding, firstInvalid(b))
	}
	return normalizeNewlines(string(b)), nil
}

// toUTF8 decodes UTF-16 marked by a byte-order mark and strips a UTF-8 one.
func toUTF8(b []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(b)
		if err != nil {
			return nil, fmt.Errorf("%w: bad UTF-16: %v", ErrEncoding, err)
		}
		return out, nil
	}
	return b, nil
}

// checkText rejects binary content: NUL bytes, or more than one control
// character in ten among the first 8 KiB.
func checkText(b []byte) error {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Errorf("%w: NUL byte at offset %d", ErrBinary, i)
	}
	head := b[:min(len(b), 8<<10)]
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' || c == 0x7F {
			ctl++
		}
	}
	if ctl*10 > len(head) {
		return fmt.Errorf("%w: %d control characters in the first %d bytes", ErrBinary, ctl, len(head))
	}
	return nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// normalizeNewlines turns "\r\n" and lone "\r" into "\n".
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// stripMarkdown removes the obvious Markdown markup from s, line by line:
// heading marks, block quotes, fences and rules, emphasis markers, inline
// code ticks, and link and image syntax ("[text](url)" → "text"). Anything
// it does not recognise is kept as written.
func stripMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		switch {
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			lines[i] = ""
			continue
		case isRule(t):
			lines[i] = ""
			continue
		}
		for strings.HasPrefix(t, ">") {
			t = strings.TrimLeft(t[1:], " \t")
		}
		if h := strings.TrimLeft(t, "#"); len(h) < len(t) && len(t)-len(h) <= 6 && (h == "" || h[0] == ' ' || h[0] == '\t') {
			t = strings.TrimRight(strings.TrimSpace(h), "#")
			t = strings.TrimSpace(t)
		}
		lines[i] = inlineMarkdown(t)
	}
	return strings.Join(lines, "\n")
}

// isRule reports a thematic break: "---", "***", "___" (spaces allowed).
func isRule(t string) bool {
	t = strings.ReplaceAll(strings.TrimSpace(t), " ", "")
	if len(t) < 3 {
		return false
	}
	c := t[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	return strings.Count(t, string(c)) == len(t)
}

// inlineMarkdown rewrites links and images to their text and drops
// emphasis and code markers that open or close a word.
func inlineMarkdown(t string) string {
	if !strings.ContainsAny(t, "[*_`") {
		return t
	}
	var b strings.Builder
	b.Grow(len(t))
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '!' && i+1 < len(t) && t[i+1] == '[':
			if text, n := linkAt(t, i+1); n > 0 {
				b.WriteString(text)
				i += 1 + n
				continue
			}
		case c == '[':
			if text, n := linkAt(t, i); n > 0 {
				b.WriteString(text)
				i += n
				continue
			}
		case c == '`':
			i++
			continue
		case c == '*' || c == '_':
			j := i
			for j < len(t) && t[j] == c {
				j++
			}
			before := i > 0 && isWordByte(t[i-1])
			after := j < len(t) && isWordByte(t[j])
			// A marker opens or closes a word: "**bold**", "*it*"
			// and "_it_" lose theirs; "snake_case", "2 * 3" and
			// "* item" keep them.
			if before != after && j-i <= 3 {
				i = j
				continue
			}
			b.WriteString(t[i:j])
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// linkAt parses "[text](url)" or "[text][ref]" at t[i] and returns the
// text and the length of the whole link, or 0 when there is none.
func linkAt(t string, i int) (string, int) {
	close := strings.IndexByte(t[i+1:], ']')
	if close < 0 {
		return "", 0
	}
	close += i + 1
	text := t[i+1 : close]
	if strings.ContainsAny(text, "[") {
		return "", 0
	}
	if close+1 < len(t) {
		var end int
		switch t[close+1] {
		case '(':
			end = strings.IndexByte(t[close+1:], ')')
		case '[':
			end = strings.IndexByte(t[close+1:], ']')
		default:
			return "", 0
		}
		if end < 0 {
			return "", 0
		}
		return text, close + 1 + end + 1 - i
	}
	return "", 0
}
