package view

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// render renders c and parses the result.
func render(t testing.TB, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, buf.String()
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		name      string
		frags     []Fragment
		wantText  string
		wantMarks []string
	}{
		{"plain", []Fragment{{Text: "no match here"}}, "no match here", nil},
		{"marks", []Fragment{{Text: "trade "}, {Text: "fair", Match: true}, {Text: " in "}, {Text: "Kunming", Match: true}}, "trade fair in Kunming", []string{"fair", "Kunming"}},
		{"markup is text", []Fragment{{Text: "<script>x</script>", Match: true}, {Text: " <b>bold</b>"}}, "<script>x</script> <b>bold</b>", []string{"<script>x</script>"}},
		{"empty", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, html := render(t, Snippet(tt.frags))
			p := doc.Find(`[data-testid="snippet"]`)
			if got := p.Text(); got != tt.wantText {
				t.Errorf("text %q, want %q", got, tt.wantText)
			}
			var marks []string
			p.Find("mark").Each(func(_ int, m *goquery.Selection) { marks = append(marks, m.Text()) })
			if fmt.Sprint(marks) != fmt.Sprint(tt.wantMarks) {
				t.Errorf("marks %q, want %q", marks, tt.wantMarks)
			}
			if doc.Find("script, b").Length() != 0 {
				t.Errorf("markup injected: %s", html)
			}
		})
	}
}

func TestResultCard(t *testing.T) {
	h := Hit{
		Rank: 1, Title: `Meeting "on" <trade>`, DocURL: "/doc/a%20b", PassageURL: "/doc/a%20b#p1",
		Date: "2024-03-14", Place: "Kunming", Score: "0.812",
		Snippet: []Fragment{{Text: "border "}, {Text: "trade", Match: true}},
	}
	doc, _ := render(t, ResultCard(h))
	checks := map[string]string{
		`[data-testid="result-title"]`: `Meeting "on" <trade>`,
		`[data-testid="result-date"]`:  "2024-03-14",
		`[data-testid="result-place"]`: "Place: Kunming",
		`[data-testid="result-score"]`: "score 0.812",
	}
	for sel, want := range checks {
		if got := doc.Find(sel).Text(); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if href, _ := doc.Find(`[data-testid="passage-link"]`).Attr("href"); href != "/doc/a%20b#p1" {
		t.Errorf("passage link %q", href)
	}
}

func TestResultCardNoDatePlace(t *testing.T) {
	doc, _ := render(t, ResultCard(Hit{Title: "t", DocURL: "/doc/t", PassageURL: "/doc/t#p", Score: "0.1"}))
	if doc.Find(`[data-testid="result-date"], [data-testid="result-place"]`).Length() != 0 {
		t.Error("empty date or place rendered")
	}
}

func TestDangerousURLsAreSanitized(t *testing.T) {
	doc, _ := render(t, ResultCard(Hit{Title: "t", DocURL: "javascript:alert(1)", PassageURL: "/doc/t#p"}))
	if href, _ := doc.Find(`[data-testid="result-title"]`).Attr("href"); strings.HasPrefix(href, "javascript:") {
		t.Errorf("javascript URL kept: %q", href)
	}
}

func TestPassageBlock(t *testing.T) {
	doc, _ := render(t, PassageBlock(Segment{Text: "The meeting was held.", IsPassage: true, Anchor: "p-3", URL: "/doc/d#p-3", Ord: 4}))
	sec := doc.Find(`div#p-3.passage`)
	if sec.Length() != 1 {
		t.Fatal("no passage section with the anchor as id")
	}
	a := sec.Find(`a[data-copy-link]`)
	if href, _ := a.Attr("href"); href != "/doc/d#p-3" {
		t.Errorf("permalink %q", href)
	}
	if got := a.Text(); got != "Link to passage 4" {
		t.Errorf("link text %q", got)
	}
}

func TestHomeViewStats(t *testing.T) {
	tests := []struct {
		stats IndexStats
		want  string
	}{
		{IndexStats{Documents: 1, Passages: 1, Embedder: "builtin"}, "1 report and 1 passage indexed with the embedder builtin."},
		{IndexStats{Documents: 12, Passages: 340}, "12 reports and 340 passages indexed."},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			doc, _ := render(t, HomeView(HomePage{Stats: tt.stats}))
			got := strings.Join(strings.Fields(doc.Find(`[data-testid="stats"]`).Text()), " ")
			if got != tt.want {
				t.Errorf("stats %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDocumentViewSourceURL(t *testing.T) {
	doc, _ := render(t, DocumentView(DocumentPage{Doc: DocMeta{ID: "x", Title: "x", SourceURL: "https://example.org/a"}}))
	if href, _ := doc.Find(`[data-testid="source-url"]`).Attr("href"); href != "https://example.org/a" {
		t.Errorf("source link %q", href)
	}
	doc, _ = render(t, DocumentView(DocumentPage{Doc: DocMeta{ID: "x", Title: "x"}}))
	if doc.Find(`[data-testid="source-url"]`).Length() != 0 {
		t.Error("empty source URL rendered as a link")
	}
}

// searchPage is a results page as large as a user normally sees.
func searchPage(n int) SearchPage {
	p := SearchPage{
		Page:    Page{Title: "Results", Query: "cooperation with neighbouring provinces", Assets: Assets{CSS: "/static/plenary.0123456789.css", JS: "/static/plenary.0123456789.js", Icon: "/static/icon.0123456789.svg"}},
		Query:   "cooperation with neighbouring provinces",
		K:       n,
		PageNum: 1,
		NextURL: "/search?q=cooperation&page=2",
	}
	for i := range n {
		p.Hits = append(p.Hits, Hit{
			Rank:       i + 1,
			Title:      fmt.Sprintf("Provincial foreign affairs work conference number %d held in the capital", i),
			DocURL:     fmt.Sprintf("/doc/reports/2024/report-%d", i),
			PassageURL: fmt.Sprintf("/doc/reports/2024/report-%d#p-%d", i, i),
			Date:       "2024-02-02",
			Place:      "Kunming",
			Score:      "0.734",
			Snippet: []Fragment{
				{Text: "The meeting stressed deepening "}, {Text: "cooperation", Match: true},
				{Text: " with Laos, Myanmar and Vietnam and building the province into a gateway to South Asia and Southeast Asia, with trade fairs, "},
				{Text: "neighbouring", Match: true}, {Text: " border ports and exchanges between young people."},
			},
		})
	}
	return p
}

func BenchmarkRenderSearch(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			page := SearchView(searchPage(n))
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := page.Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

func TestResultCardWhy(t *testing.T) {
	base := Hit{Title: "t", DocURL: "/doc/t", PassageURL: "/doc/t#p", Score: "0.1"}
	doc, _ := render(t, ResultCard(base))
	if doc.Find(`[data-testid="why"]`).Length() != 0 {
		t.Error("disclosure rendered without reasons")
	}
	base.Why = []string{"Keyword match: rank 1 (BM25 2.0)", "Matched words: <b>x</b>"}
	doc, html := render(t, ResultCard(base))
	d := doc.Find(`details[data-testid="why"]`)
	if d.Find("summary").Text() != "Why this result" {
		t.Errorf("summary %q", d.Find("summary").Text())
	}
	var items []string
	d.Find(`[data-testid="why-item"]`).Each(func(_ int, s *goquery.Selection) { items = append(items, s.Text()) })
	if fmt.Sprint(items) != fmt.Sprint(base.Why) {
		t.Errorf("items %q, want %q", items, base.Why)
	}
	if doc.Find("b").Length() != 0 {
		t.Errorf("markup injected: %s", html)
	}
}

func TestSearchBoxMode(t *testing.T) {
	tests := []struct{ mode, want string }{
		{"", "hybrid"}, {"hybrid", "hybrid"}, {"lexical", "lexical"}, {"vector", "vector"}, {"bogus", "hybrid"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			doc, _ := render(t, SearchBox("q", tt.mode, "box"))
			sel := doc.Find(`form[method="get"] select[name="mode"]#box-mode`)
			if sel.Length() != 1 {
				t.Fatal("no mode select in the GET form")
			}
			opts := sel.Find("option[selected]")
			if opts.Length() != 1 || opts.AttrOr("value", "") != tt.want {
				t.Errorf("%d selected, value %q; want exactly %q", opts.Length(), opts.AttrOr("value", ""), tt.want)
			}
		})
	}
}
