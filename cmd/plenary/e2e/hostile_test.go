package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// hostile is markup that would run script if a page let it through.
const hostile = `<script>alert("script-tag")</script> <img src=x onerror=alert(1)> ` +
	`<a href="javascript:alert(2)">click</a> <iframe src="https://example.invalid/"></iframe> ` +
	`<svg onload=alert(3)><circle r=1 /></svg> <object data="x.swf"></object> <embed src="x.swf"> ` +
	`<div style="background:url(javascript:alert(4))" onclick="alert(5)">div</div> ` +
	`"><script>alert(6)</script> '><img src=x onerror=alert(7)> </textarea><script>alert(8)</script>`

// TestHostileContent indexes reports whose text and titles carry script in
// every form we know, and checks that no page or API answer lets it run:
// no inline script, no event-handler attribute, no javascript: URL, no
// frame or plugin element, escaped snippets, and a strict CSP on every
// response.
func TestHostileContent(t *testing.T) {
	need(t)
	dir := filepath.Join(t.TempDir(), "hostile")
	writeFile(t, filepath.Join(dir, "page.html"), []byte(`<html><head><title>Hostile page <script>alert("title")</script></title>
<script>alert("head")</script></head><body onload="alert('body')">
<h1 onclick="alert('h1')">Kunming friendship meeting</h1>
<p>The Kunming friendship meeting discussed tourism. <a href="javascript:alert('link')">read more</a> <img src=x onerror="alert('img')"></p>
<iframe src="javascript:alert('frame')"></iframe><svg onload="alert('svg')"><script>alert('svg script')</script></svg>
<p>A second paragraph about the onerror attribute and javascript alert tricks in Kunming, quoted: &lt;script&gt;alert("escaped")&lt;/script&gt;.</p>
<object data="javascript:alert('obj')"></object><embed src="javascript:alert('embed')">
</body></html>`))
	writeFile(t, filepath.Join(dir, "plain.txt"), []byte("Plain text with markup "+hostile+"\n\n"+
		"The Hefei delegation quoted markup in its report: "+hostile+" and then met on trade. The onerror alert script was quoted verbatim.\n"))
	titles := []string{
		`<script>alert("jsonl title")</script>Harbin meeting`,
		`<img src=x onerror=alert(1)> Harbin ice festival`,
		`javascript:alert(1)`,
		`"><svg onload=alert(1)>`,
	}
	var jsonl bytes.Buffer
	for i, title := range titles {
		b, err := json.Marshal(map[string]string{
			"id":    "jsonl-" + string(rune('a'+i)),
			"title": title,
			"url":   "javascript:alert('source url')",
			"text":  "The Harbin meeting on the ice festival. " + hostile + " The onerror alert script was discussed.",
		})
		if err != nil {
			t.Fatal(err)
		}
		jsonl.Write(append(b, '\n'))
	}
	writeFile(t, filepath.Join(dir, "titles.jsonl"), jsonl.Bytes())

	data := t.TempDir()
	if s := indexInto(t, data, dir); s.added != 2+len(titles) {
		t.Fatalf("index: %+v, want %d added", s, 2+len(titles))
	}
	srv := startServer(t, data)

	queries := []string{"onerror alert script", `<script>alert(1)</script>`, "javascript:alert", "Kunming friendship meeting", "Harbin ice festival", `"><svg onload=alert(1)>`}
	var paths []string
	for _, q := range queries {
		for _, mode := range []string{"", "lexical", "vector"} {
			v := url.Values{"q": {q}}
			if mode != "" {
				v.Set("mode", mode)
			}
			paths = append(paths, "/search?"+v.Encode(), "/api/search?"+v.Encode())
		}
	}
	ids := []string{"page", "plain", "jsonl-a", "jsonl-b", "jsonl-c", "jsonl-d"}
	for _, id := range ids {
		paths = append(paths, "/doc/"+id, "/api/docs/"+id, "/api/docs/"+id+"/similar")
	}
	paths = append(paths, "/", "/api/stats", "/healthz",
		// Error pages echo nothing of the request, but check.
		"/doc/"+url.PathEscape(`<script>alert(1)</script>`), "/search?q=", "/search?q=x&k=<script>", "/nope<script>")

	var matched int
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			resp, err := http.Get(srv.base + p)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode >= 500 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			checkCSP(t, resp.Header)
			ct := resp.Header.Get("Content-Type")
			if strings.HasPrefix(p, "/api/") || p == "/healthz" {
				if !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				// JSON is data; a browser never runs it with nosniff. The
				// texts come back as they were written.
				if !json.Valid(body) {
					t.Errorf("not JSON: %.300s", body)
				}
				return
			}
			if !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			checkInert(t, doc)
			if strings.Contains(doc.Text(), "alert(") {
				matched++ // the hostile text is shown, as text
			}
		})
	}
	if matched == 0 {
		t.Error("no page showed the hostile text at all: the test did not exercise escaping")
	}

	// The report page shows the text faithfully: the markup is visible
	// as characters.
	_, body := srv.get(t, "/doc/plain")
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text(), `<script>alert("script-tag")</script>`) {
		t.Errorf("/doc/plain does not show the quoted markup as text")
	}
	// Highlights are <mark> elements around escaped text; nothing else
	// from the text becomes an element.
	_, body = srv.get(t, "/search?"+url.Values{"q": {"onerror alert script"}, "mode": {"lexical"}}.Encode())
	doc, err = goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find("mark").Length() == 0 {
		t.Errorf("search for the hostile words highlights nothing")
	}
	doc.Find("mark").Each(func(_ int, s *goquery.Selection) {
		if s.Children().Length() != 0 {
			h, _ := s.Html()
			t.Errorf("a highlight holds elements: %s", h)
		}
	})
	srv.stop(t)
}

// checkInert fails if the page has anything that could run script.
func checkInert(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || strings.TrimSpace(src) == "" || !strings.HasPrefix(src, "/static/") {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("script not loaded from /static/: %.200s", h)
		}
	})
	doc.Find("iframe, object, embed, frame, frameset, applet, base, svg, math").Each(func(_ int, s *goquery.Selection) {
		h, _ := goquery.OuterHtml(s)
		t.Errorf("forbidden element rendered: %.200s", h)
	})
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			name := strings.ToLower(a.Key)
			val := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			switch {
			case strings.HasPrefix(name, "on"):
				t.Errorf("<%s> has event handler %s=%q", s.Nodes[0].Data, a.Key, a.Val)
			case (name == "href" || name == "src" || name == "action" || name == "formaction" || name == "data" || name == "srcdoc") &&
				(strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "data:text/html") || strings.HasPrefix(val, "vbscript:")):
				t.Errorf("<%s %s=%q>", s.Nodes[0].Data, a.Key, a.Val)
			case name == "style" && strings.Contains(val, "javascript:"):
				t.Errorf("<%s style=%q>", s.Nodes[0].Data, a.Val)
			}
		}
	})
}

// checkCSP fails unless the response carries a policy that forbids inline
// script, plugins and framing.
func checkCSP(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "object-src", "base-uri 'none'", "frame-ancestors 'none'"} {
		if want == "object-src" {
			// default-src 'none' covers objects when object-src is absent.
			continue
		}
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*", "data: 'unsafe", "http:", "https:"} {
		if strings.Contains(csp, bad) {
			t.Errorf("Content-Security-Policy %q allows %q", csp, bad)
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", h.Get("X-Content-Type-Options"))
	}
}

// TestSecurityHeadersEverywhere checks the CSP on static files, errors and
// methods other than GET, which the page test does not reach.
func TestSecurityHeadersEverywhere(t *testing.T) {
	need(t)
	data := t.TempDir()
	indexInto(t, data, seeds)
	srv := startServer(t, data)
	_, home := srv.get(t, "/")
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(home))
	if err != nil {
		t.Fatal(err)
	}
	var assets []string
	doc.Find(`link[href^="/static/"], script[src^="/static/"]`).Each(func(_ int, s *goquery.Selection) {
		if v, ok := s.Attr("href"); ok {
			assets = append(assets, v)
		}
		if v, ok := s.Attr("src"); ok {
			assets = append(assets, v)
		}
	})
	if len(assets) == 0 {
		t.Fatal("the home page links no static assets")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	reqs := []struct{ method, path string }{
		{"GET", "/favicon.ico"}, {"GET", "/static/nope.css"}, {"GET", "/nope"},
		{"POST", "/"}, {"PUT", "/api/search?q=x"}, {"DELETE", "/doc/x"}, {"HEAD", "/"}, {"OPTIONS", "/"},
	}
	for _, a := range assets {
		reqs = append(reqs, struct{ method, path string }{"GET", a})
	}
	for _, r := range reqs {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			req, err := http.NewRequest(r.method, srv.base+r.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Errorf("status %d", resp.StatusCode)
			}
			checkCSP(t, resp.Header)
		})
	}
	srv.stop(t)
}
