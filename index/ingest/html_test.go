package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLPage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	title, text, err := decodeHTML(b)
	if err != nil {
		t.Fatal(err)
	}
	if title != "Council meets in Harbin" {
		t.Errorf("title = %q, want the <h1> that the <title> contains", title)
	}
	want := []string{
		"Home | News",
		"Council meets in Harbin",
		"Pub Date: 2022-05-01 Source: Example News",
		"On April 30, the council met in Harbin & discussed trade, culture and education.",
		"Line one\nLine two",
		"Cell A Cell B",
		"keep   spacing\n  here",
	}
	if got := strings.Split(text, "\n\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("paragraphs =\n%q\nwant\n%q", got, want)
	}
	for _, hidden := range []string{"tracking", "color", "JavaScript", "hidden template", "svg text", "iframe text", "comment", "Example News</"} {
		if strings.Contains(text, hidden) {
			t.Errorf("text contains hidden %q", hidden)
		}
	}
}

func TestHTMLCases(t *testing.T) {
	tests := []struct {
		name, in, title, text string
	}{
		{"title only", "<title> Just &amp; this </title><p>Body</p>", "Just & this", "Body"},
		{"h1 when no title", "<h1>Head <em>line</em></h1><p>Body</p>", "Head line", "Head line\n\nBody"},
		{"title differs from h1", "<title>Site</title><h1>Head</h1>", "Site", "Head"},
		{"entities", "<p>a&nbsp;b &lt;c&gt; &#169; &eacute;</p>", "", "a\u00a0b <c> © é"},
		{"inline no space", "<p>foo<b>bar</b> baz</p>", "", "foobar baz"},
		{"unclosed", "<div><p>one<p>two", "", "one\n\ntwo"},
		{"head text ignored", "<head><meta name=x content=y>stray</head><body>seen</body>", "", "seen"},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, text, err := decodeHTML([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if title != tt.title || text != tt.text {
				t.Errorf("got %q, %q; want %q, %q", title, text, tt.title, tt.text)
			}
		})
	}
}

func TestHTMLCharset(t *testing.T) {
	// "会议" in GBK, declared by the page.
	page := []byte("<html><head><meta charset=\"gbk\"></head><body><p>\xbb\xe1\xd2\xe9</p></body></html>")
	_, text, err := decodeHTML(page)
	if err != nil || text != "会议" {
		t.Errorf("GBK page: %q, %v", text, err)
	}
	if _, _, err := decodeHTML([]byte("<p>caf\xe9</p>")); err == nil {
		t.Errorf("undeclared non-UTF-8 page accepted")
	}
}

func TestHTMLDeepNesting(t *testing.T) {
	const depth = 200000
	page := strings.Repeat("<div><span>", depth) + "deep" + strings.Repeat("</span></div>", depth)
	_, text, err := decodeHTML([]byte(page))
	if err != nil || text != "deep" {
		t.Errorf("deep page: %q, %v", text, err)
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"# Title #", "Title"},
		{"### Sub heading", "Sub heading"},
		{"#hashtag stays", "#hashtag stays"},
		{"> quoted *text*", "quoted text"},
		{"a **bold** and __strong__ word", "a bold and strong word"},
		{"see [the report](http://x.org/a_b) now", "see the report now"},
		{"![a photo](p.png) caption", "a photo caption"},
		{"ref [link][1] here", "ref link here"},
		{"snake_case_name and 2 * 3", "snake_case_name and 2 * 3"},
		{"* list item", "* list item"},
		{"use `code` here", "use code here"},
		{"---", ""},
		{"```go", ""},
		{"[unclosed link", "[unclosed link"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := stripMarkdown(tt.in); got != tt.want {
				t.Errorf("stripMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzHTML(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "page.html"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("<svg><svg></svg><p>x"))
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"))
	f.Add([]byte("<meta charset=gbk><p>\xbb\xe1</p>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		title, text, err := decodeHTML(page)
		if err != nil {
			return
		}
		if !utf8.ValidString(title) || !utf8.ValidString(text) {
			t.Fatalf("invalid UTF-8 out of %q", page)
		}
		if strings.Contains(text, "\r") || strings.TrimSpace(text) != text {
			t.Fatalf("text not normalized: %q", text)
		}
	})
}

func TestHTMLSVGTitle(t *testing.T) {
	title, _, err := decodeHTML([]byte("<body><svg><title>icon</title></svg><h1>Real</h1></body>"))
	if err != nil || title != "Real" {
		t.Errorf("title = %q, %v; want the <h1>, not the <svg> title", title, err)
	}
}
