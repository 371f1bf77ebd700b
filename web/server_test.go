package web

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/static"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// openIndex builds a real index in a temporary directory from the
// fixture reports, or an empty one when withReports is false.
func openIndex(t testing.TB, withReports bool) *index.Index {
	t.Helper()
	ctx := context.Background()
	ix, err := index.Open(ctx, t.TempDir(), index.Options{})
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Errorf("close index: %v", err)
		}
	})
	if withReports {
		if _, err := ix.Update(ctx, []string{filepath.Join("testdata", "reports")}, index.UpdateOptions{}); err != nil {
			t.Fatalf("index fixture reports: %v", err)
		}
	}
	return ix
}

// testServer is a server over the fixture index whose logs go to a
// buffer the test can inspect.
type testServer struct {
	h    http.Handler
	logs *bytes.Buffer
}

func newTestServer(t testing.TB, withReports bool, opts Options) *testServer {
	t.Helper()
	logs := &bytes.Buffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Version = "test"
	return &testServer{h: NewServer(openIndex(t, withReports), opts), logs: logs}
}

// get requests target (a raw request URI, sent as is) and returns the
// response.
func (s *testServer) get(t testing.TB, target string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	// httptest.NewRequest would reject or clean some of the odd paths the
	// tests send, so the URL is parsed the way the http server does.
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("bad target %q: %v", target, err)
	}
	req.URL = u
	req.RequestURI = target
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec.Result()
}

// body reads a response's body.
func body(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

// short keeps long test URLs out of failure messages.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// page requests an HTML page and parses it.
func (s *testServer) page(t testing.TB, target string, wantStatus int) (*goquery.Document, string) {
	t.Helper()
	res := s.get(t, target)
	html := body(t, res)
	target = short(target)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d\n%s", target, res.StatusCode, wantStatus, html)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: Content-Type %q, want text/html", target, ct)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse %s: %v", target, err)
	}
	return doc, html
}

// getJSON requests an API URL and decodes its JSON body into v.
func (s *testServer) getJSON(t testing.TB, target string, wantStatus int, v any) {
	t.Helper()
	res := s.get(t, target)
	b := body(t, res)
	target = short(target)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d\n%s", target, res.StatusCode, wantStatus, b)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q, want application/json", target, ct)
	}
	if err := json.Unmarshal([]byte(b), v); err != nil {
		t.Fatalf("GET %s: decode %q: %v", target, b, err)
	}
}

// assetHash matches the content hash in static file names, which the
// golden files leave out so that editing the CSS does not change them.
var assetHash = regexp.MustCompile(`(/static/[a-z]+)\.[0-9a-f]{10}\.`)

// golden compares got with testdata/golden/name, or rewrites the file
// under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = assetHash.ReplaceAllString(got, "$1.HASH.")
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./web/... -update to create it): %v", err)
	}
	if got != string(want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		from := max(0, i-60)
		t.Errorf("%s differs from the golden file at byte %d; run go test ./web/... -update and review the diff.\ngot:  …%s…\nwant: …%s…",
			name, i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
	}
}

// firstHit searches through the API and returns the first result.
func (s *testServer) firstHit(t *testing.T, q string) SearchHit {
	t.Helper()
	var res SearchResponse
	s.getJSON(t, "/api/search?q="+url.QueryEscape(q), http.StatusOK, &res)
	if len(res.Results) == 0 {
		t.Fatalf("no result for %q", q)
	}
	return res.Results[0]
}

func TestHomeEmpty(t *testing.T) {
	s := newTestServer(t, false, Options{})
	doc, html := s.page(t, "/", http.StatusOK)
	empty := doc.Find(`[data-testid="empty-state"]`)
	if empty.Length() != 1 {
		t.Fatal("empty index: no empty-state section")
	}
	for _, want := range []string{"make run DOCS=path/to/folder", "plenary index --data DIR PATH"} {
		if !strings.Contains(empty.Text(), want) {
			t.Errorf("empty state does not mention %q", want)
		}
	}
	if doc.Find(`form[action="/search"] input[name="q"]`).Length() == 0 {
		t.Error("no search form")
	}
	golden(t, "home-empty.html", html)
}

func TestHome(t *testing.T) {
	s := newTestServer(t, true, Options{})
	doc, html := s.page(t, "/", http.StatusOK)
	if doc.Find(`[data-testid="empty-state"]`).Length() != 0 {
		t.Error("non-empty index shows the empty state")
	}
	stats := doc.Find(`[data-testid="stats"]`).Text()
	if !strings.Contains(stats, "4 reports and") || !strings.Contains(stats, "passages indexed") {
		t.Errorf("stats = %q, want 4 reports and their passages", stats)
	}
	// Every page has a label for each search box, a main landmark and a
	// skip link to it.
	if doc.Find(`html[lang="en"]`).Length() != 1 || doc.Find(`main#main`).Length() != 1 || doc.Find(`a.skip-link[href="#main"]`).Length() != 1 {
		t.Error("missing lang, main landmark or skip link")
	}
	doc.Find(`input[name="q"]`).Each(func(_ int, in *goquery.Selection) {
		id, _ := in.Attr("id")
		if doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("search input %q has no label", id)
		}
	})
	golden(t, "home.html", html)
}

func TestSearchPage(t *testing.T) {
	s := newTestServer(t, true, Options{})
	doc, html := s.page(t, "/search?q=cooperation+with+ASEAN+countries&k=3", http.StatusOK)

	if got, _ := doc.Find(`[data-testid="header-search"] input[name="q"]`).Attr("value"); got != "cooperation with ASEAN countries" {
		t.Errorf("search box holds %q, want the query", got)
	}
	cards := doc.Find(`[data-testid="result"]`)
	if cards.Length() == 0 || cards.Length() > 3 {
		t.Fatalf("%d result cards, want 1 to 3", cards.Length())
	}
	cards.Each(func(i int, card *goquery.Selection) {
		title := card.Find(`[data-testid="result-title"]`)
		href, _ := title.Attr("href")
		if !strings.HasPrefix(href, "/doc/") || strings.TrimSpace(title.Text()) == "" {
			t.Errorf("card %d: title link %q %q", i, href, title.Text())
		}
		plink, _ := card.Find(`[data-testid="passage-link"]`).Attr("href")
		if !strings.HasPrefix(plink, href+"#") {
			t.Errorf("card %d: passage link %q is not under %q", i, plink, href)
		}
		if card.Find(`[data-testid="snippet"]`).Text() == "" {
			t.Errorf("card %d: empty snippet", i)
		}
		if card.Find(`[data-testid="result-score"]`).Length() != 1 {
			t.Errorf("card %d: no score", i)
		}
	})
	if doc.Find(`[data-testid="snippet"] mark`).Length() == 0 {
		t.Error("no highlighted word in any snippet")
	}
	// The default mode is hybrid, shown selected in the header's form.
	if got := doc.Find(`[data-testid="header-search-mode"] option[selected]`).AttrOr("value", ""); got != "hybrid" {
		t.Errorf("selected mode %q, want hybrid", got)
	}
	cards.Each(func(i int, card *goquery.Selection) {
		why := card.Find(`details[data-testid="why"]`)
		if why.Length() != 1 || why.Find("summary").Text() != "Why this result" {
			t.Fatalf("card %d: no closed \"Why this result\" disclosure", i)
		}
		if _, open := why.Attr("open"); open {
			t.Errorf("card %d: disclosure open by default", i)
		}
		text := why.Text()
		if !strings.Contains(text, "Keyword match: rank") || !strings.Contains(text, "Meaning match:") {
			t.Errorf("card %d: why says %q, want both retrievers", i, text)
		}
	})
	golden(t, "search.html", html)
}

// TestSearchModes checks that each mode is kept in the form and in the
// paging links, and that the explanation names only the retrievers the
// mode used.
func TestSearchModes(t *testing.T) {
	s := newTestServer(t, true, Options{})
	tests := []struct {
		mode          string
		keyword, mean bool
	}{
		{"hybrid", true, true},
		{"lexical", true, false},
		{"vector", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			doc, _ := s.page(t, "/search?q=foreign+affairs+meeting&k=1&mode="+tt.mode, http.StatusOK)
			if got := doc.Find(`[data-testid="header-search-mode"] option[selected]`).AttrOr("value", ""); got != tt.mode {
				t.Errorf("selected mode %q, want %q", got, tt.mode)
			}
			if n := doc.Find(`[data-testid="header-search-mode"] option[selected]`).Length(); n != 1 {
				t.Errorf("%d options selected", n)
			}
			next, ok := doc.Find(`[data-testid="next"]`).Attr("href")
			wantMode := "mode=" + tt.mode
			if !ok || !strings.Contains(next, wantMode) {
				t.Errorf("next link %q does not keep %s", next, wantMode)
			}
			why := doc.Find(`[data-testid="why"]`).Text()
			if got := strings.Contains(why, "Keyword match"); got != tt.keyword {
				t.Errorf("why %q: mentions keywords %v, want %v", why, got, tt.keyword)
			}
			if got := strings.Contains(why, "Meaning match"); got != tt.mean {
				t.Errorf("why %q: mentions meaning %v, want %v", why, got, tt.mean)
			}
			var res SearchResponse
			s.getJSON(t, "/api/search?q=foreign+affairs+meeting&k=1&mode="+tt.mode, http.StatusOK, &res)
			if string(res.Mode) != tt.mode || len(res.Results) != 1 {
				t.Fatalf("API: mode %q, %d results", res.Mode, len(res.Results))
			}
			w := res.Results[0].Why
			if (w.LexicalRank > 0) != tt.keyword || (w.VectorRank > 0) != tt.mean {
				t.Errorf("API why %+v for mode %s", w, tt.mode)
			}
		})
	}
	t.Run("gibberish finds nothing in any mode", func(t *testing.T) {
		for _, mode := range []string{"hybrid", "vector", "lexical"} {
			var res SearchResponse
			s.getJSON(t, "/api/search?q=zzzqqqxx+vvkkwwj&mode="+mode, http.StatusOK, &res)
			if len(res.Results) != 0 {
				t.Errorf("mode %s: %d results for gibberish, want none", mode, len(res.Results))
			}
			doc, _ := s.page(t, "/search?q=zzzqqqxx+vvkkwwj&mode="+mode, http.StatusOK)
			if doc.Find(`[data-testid="no-results"]`).Length() != 1 {
				t.Errorf("mode %s: the page does not say that nothing answers", mode)
			}
		}
	})
	t.Run("home form offers every mode, hybrid first", func(t *testing.T) {
		doc, _ := s.page(t, "/", http.StatusOK)
		var vals []string
		doc.Find(`[data-testid="home-search"] select[name="mode"] option`).Each(func(_ int, o *goquery.Selection) {
			vals = append(vals, o.AttrOr("value", ""))
		})
		if strings.Join(vals, ",") != "hybrid,lexical,vector" {
			t.Errorf("options %v", vals)
		}
		if id := doc.Find(`[data-testid="home-search"] select`).AttrOr("id", ""); doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("mode select %q has no label", id)
		}
	})
}

func TestSearchNoResults(t *testing.T) {
	s := newTestServer(t, false, Options{})
	doc, _ := s.page(t, "/search?q=anything", http.StatusOK)
	if doc.Find(`[data-testid="no-results"]`).Length() != 1 {
		t.Error("no results: no explanation shown")
	}
}

func TestSearchPaging(t *testing.T) {
	s := newTestServer(t, true, Options{})
	doc, _ := s.page(t, "/search?q=foreign+affairs+meeting&k=1", http.StatusOK)
	next, ok := doc.Find(`[data-testid="next"]`).Attr("href")
	if !ok {
		t.Fatal("k=1 over four reports: no link to more results")
	}
	first, _ := doc.Find(`[data-testid="passage-link"]`).Attr("href")
	doc2, _ := s.page(t, next, http.StatusOK)
	second, _ := doc2.Find(`[data-testid="passage-link"]`).Attr("href")
	if second == "" || second == first {
		t.Errorf("page 2 shows %q after %q", second, first)
	}
	if start, _ := doc2.Find(`ol.results`).Attr("start"); start != "2" {
		t.Errorf("page 2 numbering starts at %q, want 2", start)
	}
	if doc2.Find(`[data-testid="prev"]`).Length() != 1 {
		t.Error("page 2 has no link back")
	}
}

func TestDocumentPage(t *testing.T) {
	s := newTestServer(t, true, Options{})
	doc, html := s.page(t, "/doc/sub/hefei-friendship", http.StatusOK)
	if got := doc.Find(`[data-testid="doc-title"]`).Text(); !strings.Contains(got, "Friendship Association") {
		t.Errorf("title %q", got)
	}
	passages := doc.Find(`[data-testid="passage"]`)
	if passages.Length() == 0 {
		t.Fatal("no passages")
	}
	passages.Each(func(i int, p *goquery.Selection) {
		id, _ := p.Attr("id")
		link, _ := p.Find(`[data-testid="copy-link"]`).Attr("href")
		if id == "" || link != "/doc/sub/hefei-friendship#"+url.PathEscape(id) {
			t.Errorf("passage %d: id %q, permalink %q", i, id, link)
		}
	})
	// The page is faithful: every word of the fixture appears in order.
	raw, err := os.ReadFile(filepath.Join("testdata", "reports", "sub", "hefei-friendship.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	doc.Find(`[data-testid="doc-text"]`).Children().Each(func(_ int, s *goquery.Selection) {
		words = append(words, strings.Fields(s.Clone().Find("a.copy-link").Remove().End().Text())...)
	})
	if want := strings.Fields(string(raw)); strings.Join(words, " ") != strings.Join(want, " ") {
		t.Errorf("report text not shown faithfully:\nshown %q\nwant  %q", strings.Join(words, " "), strings.Join(want, " "))
	}
	if doc.Find(`[data-testid="similar-item"]`).Length() == 0 {
		t.Error("no similar meetings listed")
	}
	doc.Find(`[data-testid="similar-item"] a`).Each(func(_ int, a *goquery.Selection) {
		if href, _ := a.Attr("href"); !strings.HasPrefix(href, "/doc/") || href == "/doc/sub/hefei-friendship" {
			t.Errorf("similar link %q", href)
		}
	})
	golden(t, "document.html", html)
}

func TestNotFoundPages(t *testing.T) {
	s := newTestServer(t, true, Options{})
	doc, html := s.page(t, "/doc/no/such/report", http.StatusNotFound)
	if doc.Find(`[data-testid="error"]`).Length() != 1 {
		t.Error("404 without error section")
	}
	golden(t, "not-found.html", html)
	s.page(t, "/no-such-page", http.StatusNotFound)
}

// TestAnchors checks that every search result's permalink points at an
// element of its report's page, a passage with that id.
func TestAnchors(t *testing.T) {
	s := newTestServer(t, true, Options{})
	var res SearchResponse
	s.getJSON(t, "/api/search?q=foreign+affairs+cooperation&k=20", http.StatusOK, &res)
	if len(res.Results) < 4 {
		t.Fatalf("%d results, want at least one per report", len(res.Results))
	}
	htmlDoc, _ := s.page(t, "/search?q=foreign+affairs+cooperation&k=20", http.StatusOK)
	var pageLinks []string
	htmlDoc.Find(`[data-testid="passage-link"]`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		pageLinks = append(pageLinks, href)
	})
	var apiLinks []string
	for _, r := range res.Results {
		apiLinks = append(apiLinks, r.URL)
	}
	if strings.Join(pageLinks, " ") != strings.Join(apiLinks, " ") {
		t.Errorf("page and API disagree:\npage %v\napi  %v", pageLinks, apiLinks)
	}
	for _, link := range apiLinks {
		u, err := url.Parse(link)
		if err != nil || u.Fragment == "" {
			t.Fatalf("bad permalink %q: %v", link, err)
		}
		doc, _ := s.page(t, u.EscapedPath(), http.StatusOK)
		n := doc.Find(`[data-testid="passage"]`).FilterFunction(func(_ int, p *goquery.Selection) bool {
			id, _ := p.Attr("id")
			return id == u.Fragment
		}).Length()
		if n != 1 {
			t.Errorf("%s: %d passages with id %q, want 1", link, n, u.Fragment)
		}
	}
}

func TestEscaping(t *testing.T) {
	s := newTestServer(t, true, Options{})
	hit := s.firstHit(t, "plenary session committee reviews work ASEAN Expo Beibu Gulf")
	if hit.DocID != "escaping" {
		t.Fatalf("first hit %q, want the escaping fixture", hit.DocID)
	}
	for _, target := range []string{"/doc/escaping", "/search?q=" + url.QueryEscape("<script>alert(1)</script> onerror=alert(2) ASEAN")} {
		doc, html := s.page(t, target, http.StatusOK)
		if strings.Contains(html, "<script>alert") || strings.Contains(html, "<img src=x") {
			t.Errorf("%s: markup from the report or query reached the page unescaped", target)
		}
		assertNoInlineCode(t, target, doc)
	}
	doc, _ := s.page(t, "/doc/escaping", http.StatusOK)
	if got := doc.Find(`[data-testid="doc-title"]`).Text(); !strings.Contains(got, "<script>alert(1)</script>") {
		t.Errorf("title %q does not show the markup as text", got)
	}
	if !strings.Contains(hit.Title, "<script>") {
		t.Errorf("API title %q lost its text", hit.Title)
	}
	if strings.Contains(hit.Snippet, "<b>") || strings.Contains(hit.Snippet, "<script") {
		t.Errorf("API snippet is not escaped: %s", hit.Snippet)
	}
}

// assertNoInlineCode fails if the page has script or style the CSP would
// block: a script without src, a style element or attribute, or an event
// handler attribute.
func assertNoInlineCode(t *testing.T, name string, doc *goquery.Document) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/") || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("%s: inline or foreign script %q", name, src)
		}
	})
	if doc.Find("style").Length() != 0 {
		t.Errorf("%s: <style> element", name)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: <%s %s=%q>", name, goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
}

func TestNoInlineCode(t *testing.T) {
	s := newTestServer(t, true, Options{})
	for _, target := range []string{"/", "/search?q=trade", "/search?q=zzzz+nothing", "/doc/yunnan-conference", "/doc/sub/hefei-friendship", "/doc/missing", "/search?k=0", "/nowhere"} {
		res := s.get(t, target)
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		assertNoInlineCode(t, target, doc)
	}
}

func TestBadRequests(t *testing.T) {
	s := newTestServer(t, true, Options{})
	long := strings.Repeat("a", 5000)
	tests := []struct {
		name   string
		target string // HTML; the API is checked with the same query under /api/search
		status int
		msg    string
	}{
		{"missing q", "/search", 400, "(q) is missing or blank"},
		{"blank q", "/search?q=+%20+", 400, "(q) is missing or blank"},
		{"long q", "/search?q=" + long, 400, "at most 1000"},
		{"invalid utf-8", "/search?q=%ff", 400, "not valid UTF-8"},
		{"k=abc", "/search?q=a&k=abc", 400, "(k) must be a whole number from 1 to 100"},
		{"k=-1", "/search?q=a&k=-1", 400, "(k) must be a whole number from 1 to 100"},
		{"k=0", "/search?q=a&k=0", 400, "(k) must be a whole number from 1 to 100"},
		{"k=100000", "/search?q=a&k=100000", 400, "(k) must be a whole number from 1 to 100"},
		{"page=0", "/search?q=a&page=0", 400, "(page) must be"},
		{"unknown mode", "/search?q=a&mode=bm25", 400, "(mode) must be hybrid, vector or lexical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := s.page(t, tt.target, tt.status)
			if got := doc.Find(`[data-testid="error-message"]`).Text(); !strings.Contains(got, tt.msg) {
				t.Errorf("HTML message %q does not contain %q", got, tt.msg)
			}
			var e apiError
			s.getJSON(t, strings.Replace(tt.target, "/search", "/api/search", 1), tt.status, &e)
			if !strings.Contains(e.Error, tt.msg) {
				t.Errorf("JSON error %q does not contain %q", e.Error, tt.msg)
			}
		})
	}

	docTests := []struct {
		name   string
		path   string
		status int
		msg    string
	}{
		{"unknown doc", "/no/such/report", 404, "There is no report with this ID"},
		{"dot-dot", "/..%2f..%2fetc", 400, `".."`},
		{"plain dot-dot", "/a/../../etc/passwd", 400, `".."`},
		{"nul", "/a%00b", 400, "NUL"},
		{"empty", "/", 404, "No report ID"},
	}
	for _, tt := range docTests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := s.page(t, "/doc"+tt.path, tt.status)
			if got := doc.Find(`[data-testid="error-message"]`).Text(); !strings.Contains(got, tt.msg) {
				t.Errorf("HTML message %q does not contain %q", got, tt.msg)
			}
			for _, api := range []string{"/api/docs" + tt.path, "/api/docs" + strings.TrimSuffix(tt.path, "/") + "/similar"} {
				if tt.path == "/" && strings.HasSuffix(api, "/similar") {
					continue // "/api/docs/similar" is the ID "similar"
				}
				var e apiError
				s.getJSON(t, api, tt.status, &e)
				if !strings.Contains(e.Error, tt.msg) {
					t.Errorf("%s: JSON error %q does not contain %q", api, e.Error, tt.msg)
				}
			}
		})
	}

	t.Run("similar k", func(t *testing.T) {
		var e apiError
		s.getJSON(t, "/api/docs/yunnan-conference/similar?k=0", 400, &e)
		if !strings.Contains(e.Error, "(k)") {
			t.Errorf("error %q does not name k", e.Error)
		}
	})
	t.Run("no internal errors logged", func(t *testing.T) {
		if strings.Contains(s.logs.String(), "level=ERROR") {
			t.Errorf("user errors were logged as internal:\n%s", s.logs)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t, true, Options{})
	static := loadAssets(static.FS(), slog.New(slog.DiscardHandler)).urls.CSS
	for _, target := range []string{
		"/", "/search?q=trade", "/search", "/doc/yunnan-conference", "/doc/nope", "/doc/a%00b",
		"/api/search?q=trade", "/api/search?k=x", "/api/docs/yunnan-conference", "/api/docs/yunnan-conference/similar",
		"/api/stats", "/healthz", static, "/static/nothing.css", "/nowhere",
	} {
		t.Run(target, func(t *testing.T) {
			res := s.get(t, target)
			want := map[string]string{
				"Content-Security-Policy": contentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "same-origin",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if res.Header.Get("Permissions-Policy") == "" || res.Header.Get("Cache-Control") == "" {
				t.Error("missing Permissions-Policy or Cache-Control")
			}
		})
	}
}

func TestAPI(t *testing.T) {
	s := newTestServer(t, true, Options{})

	t.Run("search", func(t *testing.T) {
		var res SearchResponse
		s.getJSON(t, "/api/search?q=sister+cities+in+Europe&k=2", http.StatusOK, &res)
		if res.Query != "sister cities in Europe" || len(res.Results) == 0 || len(res.Results) > 2 {
			t.Fatalf("got %+v", res)
		}
		r := res.Results[0]
		if r.DocID == "" || r.PassageID != r.DocID+"#"+strings.SplitN(r.URL, "#", 2)[1] || r.Text == "" || r.Snippet == "" || r.Title == "" {
			t.Errorf("incomplete hit %+v", r)
		}
		if !strings.HasPrefix(r.URL, docURL(r.DocID)+"#") {
			t.Errorf("url %q", r.URL)
		}
		if res.TookMS < 0 {
			t.Errorf("took_ms %v", res.TookMS)
		}
		if res.Mode != index.ModeHybrid {
			t.Errorf("mode %q, want hybrid when none is asked for", res.Mode)
		}
		if r.Why.LexicalRank == 0 && r.Why.VectorRank == 0 {
			t.Errorf("why %+v names no retriever", r.Why)
		}
	})
	t.Run("search raw fields", func(t *testing.T) {
		res := s.get(t, "/api/search?q=trade")
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body(t, res)), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"query", "mode", "took_ms", "results"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("no %q field", k)
			}
		}
		var results []map[string]json.RawMessage
		if err := json.Unmarshal(raw["results"], &results); err != nil || len(results) == 0 {
			t.Fatalf("results %s: %v", raw["results"], err)
		}
		var why map[string]json.RawMessage
		if err := json.Unmarshal(results[0]["why"], &why); err != nil || why["lexical_rank"] == nil || why["terms"] == nil {
			t.Errorf("why %s: %v, want lexical_rank and terms for a keyword hit", results[0]["why"], err)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	})
	t.Run("doc", func(t *testing.T) {
		var d apiDocResponse
		s.getJSON(t, "/api/docs/sub/hefei-friendship", http.StatusOK, &d)
		if d.DocID != "sub/hefei-friendship" || !strings.Contains(d.Title, "Friendship") || len(d.Passages) == 0 {
			t.Fatalf("got %+v", d)
		}
		for _, p := range d.Passages {
			if !strings.HasPrefix(p.URL, "/doc/sub/hefei-friendship#") || p.Text == "" || !strings.HasPrefix(p.PassageID, d.DocID+"#") {
				t.Errorf("passage %+v", p)
			}
		}
	})
	t.Run("similar", func(t *testing.T) {
		var sim apiSimilarResponse
		s.getJSON(t, "/api/docs/sub/hefei-friendship/similar?k=2", http.StatusOK, &sim)
		if len(sim.Results) == 0 || len(sim.Results) > 2 {
			t.Fatalf("got %+v", sim)
		}
		for _, r := range sim.Results {
			if r.DocID == "sub/hefei-friendship" || r.URL != docURL(r.DocID) || r.Title == "" {
				t.Errorf("similar %+v", r)
			}
		}
	})
	t.Run("stats", func(t *testing.T) {
		var st apiStats
		s.getJSON(t, "/api/stats", http.StatusOK, &st)
		if st.Documents != 4 || st.Passages < 4 || st.Embedder == "" || st.Dim <= 0 {
			t.Errorf("got %+v", st)
		}
	})
	t.Run("healthz", func(t *testing.T) {
		var h map[string]string
		s.getJSON(t, "/healthz", http.StatusOK, &h)
		if h["status"] != "ok" {
			t.Errorf("got %v", h)
		}
	})
	t.Run("unknown api route", func(t *testing.T) {
		var e apiError
		s.getJSON(t, "/api/nothing", http.StatusNotFound, &e)
		if e.Error == "" {
			t.Error("no error message")
		}
	})
}

// TestClosedIndex checks the answers of an index that fails: Stats and
// searches return errors after Close, which must become 503 for the
// health check and a logged 500 without details elsewhere.
func TestClosedIndex(t *testing.T) {
	ix := openIndex(t, true)
	var logs bytes.Buffer
	s := &testServer{h: NewServer(ix, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}), logs: &logs}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	s.getJSON(t, "/healthz", http.StatusServiceUnavailable, &h)
	if h["status"] != "unavailable" {
		t.Errorf("healthz %v", h)
	}
	var e apiError
	s.getJSON(t, "/api/search?q=trade", http.StatusInternalServerError, &e)
	if e.Error != msgInternal {
		t.Errorf("error %q, want the generic message", e.Error)
	}
	doc, html := s.page(t, "/doc/yunnan-conference", http.StatusInternalServerError)
	if strings.Contains(html, "closed") || !strings.Contains(doc.Find(`[data-testid="error-message"]`).Text(), "went wrong") {
		t.Errorf("500 page shows internals or no message: %q", doc.Find(`[data-testid="error-message"]`).Text())
	}
	// One line for the failed health check, one per failed request, plus
	// the request log lines.
	if n := strings.Count(logs.String(), "level=ERROR"); n != 3 {
		t.Errorf("%d error lines logged, want 3:\n%s", n, logs.String())
	}
}

func TestRequestTimeout(t *testing.T) {
	s := newTestServer(t, true, Options{RequestTimeout: time.Nanosecond})
	var e apiError
	s.getJSON(t, "/api/search?q=trade", http.StatusServiceUnavailable, &e)
	if !strings.Contains(e.Error, "took too long") {
		t.Errorf("error %q", e.Error)
	}
	doc, _ := s.page(t, "/search?q=trade", http.StatusServiceUnavailable)
	if !strings.Contains(doc.Find(`[data-testid="error-message"]`).Text(), "took too long") {
		t.Error("timeout page does not say so")
	}
}

func TestStatic(t *testing.T) {
	s := newTestServer(t, false, Options{})
	urls := loadAssets(static.FS(), slog.New(slog.DiscardHandler)).urls
	tests := []struct {
		target string
		status int
		ctype  string
	}{
		{urls.CSS, 200, "text/css; charset=utf-8"},
		{urls.JS, 200, "text/javascript; charset=utf-8"},
		{urls.Icon, 200, "image/svg+xml"},
		{"/static/plenary.0000000000.css", http.StatusFound, ""},
		{"/static/plenary.css", 404, ""},
		{"/static/nothing.1234567890.css", 404, ""},
		{"/static/..%2fstatic.go", 404, ""},
		{"/favicon.ico", http.StatusFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res := s.get(t, tt.target)
			b := body(t, res)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			switch tt.status {
			case 200:
				if got := res.Header.Get("Content-Type"); got != tt.ctype {
					t.Errorf("Content-Type %q, want %q", got, tt.ctype)
				}
				if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
					t.Errorf("Cache-Control %q", cc)
				}
				if len(b) == 0 {
					t.Error("empty body")
				}
			case http.StatusFound:
				if loc := res.Header.Get("Location"); loc != urls.CSS && loc != urls.Icon {
					t.Errorf("redirect to %q", loc)
				}
			}
		})
	}
	// The pages link to exactly these files.
	doc, _ := s.page(t, "/", http.StatusOK)
	if href, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href"); href != urls.CSS {
		t.Errorf("stylesheet %q, want %q", href, urls.CSS)
	}
	if src, _ := doc.Find(`script[defer]`).Attr("src"); src != urls.JS {
		t.Errorf("script %q, want %q", src, urls.JS)
	}
}

func TestMethods(t *testing.T) {
	s := newTestServer(t, false, Options{})
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/search?q=a", strings.NewReader("x")))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /search: %d, want 405", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD /healthz: %d, want 200", rec.Code)
	}
}

// echoContext returns a context for calling a handler directly.
func echoContext(t *testing.T, target string) (echo.Context, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	return echo.New().NewContext(httptest.NewRequest(http.MethodGet, target, nil), rec), rec
}

// BenchmarkSearchHandler measures a whole results page over the fixture
// index: parsing, searching, building the view model and rendering.
func BenchmarkSearchHandler(b *testing.B) {
	s := newTestServer(b, true, Options{})
	req := httptest.NewRequest(http.MethodGet, "/search?q=cooperation+with+neighbouring+countries", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// TestPanic checks that a handler's panic becomes a 500 page with the
// security headers, and is logged once with its stack.
func TestPanic(t *testing.T) {
	var logs bytes.Buffer
	e := NewServer(openIndex(t, false), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e.GET("/boom", func(echo.Context) error { panic("secret internal state") })
	s := &testServer{h: e, logs: &logs}

	doc, html := s.page(t, "/boom", http.StatusInternalServerError)
	if strings.Contains(html, "secret internal state") {
		t.Error("panic value shown to the user")
	}
	if got := doc.Find(`[data-testid="error-message"]`).Text(); got != msgInternal {
		t.Errorf("message %q", got)
	}
	if n := strings.Count(logs.String(), `msg="handler panicked"`); n != 1 {
		t.Errorf("panic logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "goroutine") {
		t.Error("no stack in the log")
	}
	assertNoInlineCode(t, "/boom", doc)
}
