package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"
)

// skipped elements hold no visible text.
var skipped = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "svg": true, "math": true, "object": true, "canvas": true,
	"select": true, "datalist": true, "noembed": true, "noframes": true,
}

// blocks are elements that start a new paragraph.
var blocks = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true,
	"body": true, "caption": true, "center": true, "dd": true, "details": true,
	"dialog": true, "dir": true, "div": true, "dl": true, "dt": true,
	"fieldset": true, "figcaption": true, "figure": true, "footer": true,
	"form": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "header": true, "hgroup": true, "hr": true, "html": true,
	"li": true, "main": true, "menu": true, "nav": true, "ol": true, "p": true,
	"pre": true, "section": true, "summary": true, "table": true, "tbody": true,
	"tfoot": true, "thead": true, "tr": true, "ul": true, "legend": true,
	"option": true, "title": true, "head": true,
}

// decodeHTML returns the title and the visible text of an HTML page:
// paragraphs separated by blank lines, line breaks kept, entities decoded.
// Pages not in UTF-8 are decoded from the charset their <meta> declares.
// It returns an error wrapping ErrBinary or ErrEncoding.
func decodeHTML(b []byte) (title, text string, err error) {
	b, err = toUTF8(b)
	if err != nil {
		return "", "", err
	}
	if err := checkText(b); err != nil {
		return "", "", err
	}
	if !utf8.Valid(b) {
		enc, name, _ := charset.DetermineEncoding(b, "text/html")
		if name == "utf-8" || name == "windows-1252" && !declaresCharset(b) {
			// No declared charset to trust: guessing would turn bad
			// bytes into wrong text.
			return "", "", fmt.Errorf("%w: invalid byte at offset %d and no charset declared", ErrEncoding, firstInvalid(b))
		}
		out, _, err := transform.Bytes(enc.NewDecoder(), b)
		if err != nil {
			return "", "", fmt.Errorf("%w: decoding %s: %v", ErrEncoding, name, err)
		}
		b = out
	}
	title, text = extractHTML(bytes.NewReader(b))
	return title, text, nil
}

// declaresCharset reports a charset declaration in the page's head.
func declaresCharset(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 2048)])
	return bytes.Contains(head, []byte("charset"))
}

// htmlText accumulates visible text, collapsing whitespace outside <pre>.
type htmlText struct {
	paras []string
	cur   strings.Builder
	space bool // a space is pending in cur
	inPre int
}

func (h *htmlText) write(s string) {
	if h.inPre > 0 {
		h.space = false
		h.cur.WriteString(normalizeNewlines(s))
		return
	}
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isHTMLSpace(s[j]) {
			j++
		}
		if j > i {
			h.space = true
		}
		if j == len(s) {
			return
		}
		k := j
		for k < len(s) && !isHTMLSpace(s[k]) {
			k++
		}
		if h.space && h.cur.Len() > 0 && !endsWithBreak(&h.cur) {
			h.cur.WriteByte(' ')
		}
		h.space = false
		h.cur.WriteString(s[j:k])
		i = k
	}
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func endsWithBreak(b *strings.Builder) bool {
	s := b.String()
	return s != "" && s[len(s)-1] == '\n'
}

// lineBreak ends the current line inside a paragraph (<br>).
func (h *htmlText) lineBreak() {
	if h.cur.Len() > 0 && !endsWithBreak(&h.cur) {
		h.cur.WriteByte('\n')
	}
	h.space = false
}

// flush ends the current paragraph.
func (h *htmlText) flush() {
	p := strings.TrimSpace(h.cur.String())
	if p != "" {
		h.paras = append(h.paras, p)
	}
	h.cur.Reset()
	h.space = false
}

// extractHTML streams the tokens of a page, so that deeply nested markup
// costs no stack, and returns its title and visible text.
func extractHTML(r io.Reader) (title, text string) {
	z := html.NewTokenizer(r)
	var (
		h        htmlText
		skip     int // depth inside skipped elements
		inHead   bool
		inTitle  bool
		pageT    strings.Builder
		h1       strings.Builder
		inH1     int
		h1Closed bool
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			h.flush()
			return chooseTitle(collapseSpace(pageT.String()), collapseSpace(h1.String())), strings.Join(h.paras, "\n\n")
		case html.TextToken:
			t := string(z.Text())
			switch {
			case inTitle:
				pageT.WriteString(t)
			case skip > 0 || inHead:
			default:
				if inH1 > 0 && !h1Closed {
					h1.WriteString(t)
					h1.WriteByte(' ')
				}
				h.write(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tt == html.EndTagToken {
				switch {
				case skipped[tag]:
					if skip > 0 {
						skip--
					}
				case tag == "title":
					inTitle = false
				case tag == "head":
					inHead = false
				case tag == "h1":
					if inH1 > 0 {
						inH1--
						if inH1 == 0 && strings.TrimSpace(h1.String()) != "" {
							h1Closed = true
						}
					}
				case tag == "pre":
					if h.inPre > 0 {
						h.inPre--
					}
				}
				if blocks[tag] && skip == 0 {
					h.flush()
				} else if (tag == "td" || tag == "th") && skip == 0 {
					h.space = true
				}
				continue
			}
			if skipped[tag] {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			switch tag {
			case "head":
				inHead = tt == html.StartTagToken
			case "body":
				inHead = false
			case "title":
				// Only the page's own title: <svg> has <title> too.
				inTitle = tt == html.StartTagToken && skip == 0 && pageT.Len() == 0
			case "h1":
				if tt == html.StartTagToken {
					inH1++
				}
			case "pre":
				if tt == html.StartTagToken {
					h.inPre++
				}
			case "br":
				if skip == 0 && !inHead {
					h.lineBreak()
				}
				continue
			case "td", "th":
				h.space = true
			case "img":
				continue
			}
			if blocks[tag] && skip == 0 {
				h.flush()
			}
		}
	}
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// chooseTitle prefers the <h1> when the page's <title> contains it (the
// <title> usually adds the site's name), else the <title>, else the <h1>.
func chooseTitle(page, h1 string) string {
	if len(h1) > 300 {
		h1 = ""
	}
	switch {
	case page == "":
		return h1
	case h1 != "" && strings.Contains(strings.ToLower(page), strings.ToLower(h1)):
		return h1
	}
	return page
}
