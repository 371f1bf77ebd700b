package browser_test

import (
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// question is asked as a reader would; the seed report of the Yunnan
// conference in Kunming answers it.
const question = "who presided over the Yunnan foreign affairs work conference in Kunming"

// transparent is how getComputedStyle reports no background.
const transparent = "rgba(0, 0, 0, 0)"

// resultsPage is what the results page shows.
type resultsPage struct {
	Path    string   `json:"path"`
	Query   string   `json:"query"`
	Results int      `json:"results"`
	Marks   []string `json:"marks"`
	MarkBG  string   `json:"markBG"`
	TextBG  string   `json:"textBG"`
	Links   []string `json:"links"` // the passage links, as written in the page
}

const readResults = `(() => {
	const marks = [...document.querySelectorAll('[data-testid=results] [data-testid=snippet] mark')];
	const snippet = document.querySelector('[data-testid=snippet]');
	return {
		path: location.pathname,
		query: new URLSearchParams(location.search).get('q') || '',
		results: document.querySelectorAll('[data-testid=result]').length,
		marks: marks.map(m => m.textContent),
		markBG: marks.length ? getComputedStyle(marks[0]).backgroundColor : '',
		textBG: snippet ? getComputedStyle(snippet).backgroundColor : '',
		links: [...document.querySelectorAll('[data-testid=passage-link]')].map(a => a.getAttribute('href')),
	};
})()`

// checkResults asserts that the page is the results page for q, with
// results whose snippets highlight words of the question visibly, and
// returns what it read.
func checkResults(t *testing.T, tb *tab, q string) resultsPage {
	t.Helper()
	r := evaluate[resultsPage](tb, readResults)
	if r.Path != "/search" || r.Query != q {
		t.Fatalf("after submitting the search box the page is %s?q=%q, want /search?q=%q", r.Path, r.Query, q)
	}
	if r.Results == 0 || len(r.Links) != r.Results {
		t.Fatalf("%d results with %d passage links, want some, each with a link", r.Results, len(r.Links))
	}
	if len(r.Marks) == 0 {
		t.Fatal("no <mark> highlight in the snippets")
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(q)) {
		words[w] = true
	}
	// Stemmed matches ("presidents" for "presided") are fine, but at
	// least one highlight must be the question's own words.
	if !slices.ContainsFunc(r.Marks, func(m string) bool {
		for _, w := range strings.Fields(strings.ToLower(m)) {
			if !words[w] {
				return false
			}
		}
		return true
	}) {
		t.Errorf("no highlight is made of the question's words: %q", r.Marks)
	}
	if r.MarkBG == transparent || r.MarkBG == r.TextBG {
		t.Errorf("<mark> background %s, snippet background %s: the highlight is not visible", r.MarkBG, r.TextBG)
	}
	return r
}

// passageView is where the document page stands relative to the passage
// its URL's fragment names.
type passageView struct {
	Path        string  `json:"path"`
	Hash        string  `json:"hash"`
	Found       bool    `json:"found"`
	IsTarget    bool    `json:"isTarget"`
	Top         float64 `json:"top"`
	InnerHeight float64 `json:"innerHeight"`
	ScrollY     float64 `json:"scrollY"`
	MaxScroll   float64 `json:"maxScroll"`
	Margin      float64 `json:"margin"` // the passage's scroll-margin-top
	DocTop      float64 `json:"docTop"`
	TargetBG    string  `json:"targetBG"`
	OtherBG     string  `json:"otherBG"`
	Passages    int     `json:"passages"`
	CopyHref    string  `json:"copyHref"`
	CopyTag     string  `json:"copyTag"`
	CopyTitle   string  `json:"copyTitle"`
	HScroll     bool    `json:"hscroll"`
}

const readPassage = `(() => {
	const id = decodeURIComponent(location.hash.slice(1));
	const el = id ? document.getElementById(id) : null;
	const passages = [...document.querySelectorAll('[data-testid=passage]')];
	const other = passages.find(p => p !== el);
	const copy = el ? el.querySelector('[data-testid=copy-link]') : null;
	const r = el ? el.getBoundingClientRect() : {top: 0};
	return {
		path: location.pathname,
		hash: location.hash,
		found: !!el,
		isTarget: !!el && el.matches(':target'),
		top: r.top,
		innerHeight: innerHeight,
		scrollY: scrollY,
		maxScroll: document.documentElement.scrollHeight - innerHeight,
		margin: el ? parseFloat(getComputedStyle(el).scrollMarginTop) || 0 : 0,
		docTop: r.top + scrollY,
		targetBG: el ? getComputedStyle(el).backgroundColor : '',
		otherBG: other ? getComputedStyle(other).backgroundColor : '',
		passages: passages.length,
		copyHref: copy ? copy.getAttribute('href') : '',
		copyTag: copy ? copy.tagName : '',
		copyTitle: copy ? copy.getAttribute('title') || '' : '',
		hscroll: document.documentElement.scrollWidth > innerWidth,
	};
})()`

// inView is true when the passage the fragment names is scrolled into the
// viewport: the browser scrolls smoothly where motion is not reduced, so
// tests wait for it.
const inView = `(() => {
	const id = decodeURIComponent(location.hash.slice(1));
	const el = id && document.getElementById(id);
	if (!el) return false;
	const top = el.getBoundingClientRect().top;
	return top >= 0 && top < innerHeight;
})()`

// checkPassage asserts that the page is the report at permalink (a
// site-relative /doc/ID#ANCHOR), scrolled to the passage and highlighting
// it, and returns what it read.
func checkPassage(t *testing.T, tb *tab, permalink string) passageView {
	t.Helper()
	path, anchor, ok := strings.Cut(permalink, "#")
	if !ok || anchor == "" || !strings.HasPrefix(path, "/doc/") {
		t.Fatalf("passage link %q is not /doc/{id}#{anchor}", permalink)
	}
	if at := evaluate[passageView](tb, readPassage); at.Path != path || at.Hash != "#"+anchor {
		t.Fatalf("the browser is at %s%s, want %s", at.Path, at.Hash, permalink)
	} else if !at.Found {
		t.Fatalf("no element has the id of the fragment %s", at.Hash)
	}
	tb.waitUntil("the passage is scrolled into view", inView)
	tb.settle()
	v := evaluate[passageView](tb, readPassage)
	if !v.IsTarget {
		t.Errorf("the passage is not the :target")
	}
	if v.Top < 0 || v.Top >= v.InnerHeight {
		t.Errorf("the passage's top is at %.0fpx, outside the viewport of %.0fpx", v.Top, v.InnerHeight)
	}
	// Scrolled to the passage: its top at its scroll margin, unless the
	// page ends before it can get there.
	if math.Abs(v.Top-v.Margin) > 2 && v.ScrollY < v.MaxScroll-1 {
		t.Errorf("the passage's top is at %.0fpx, want %.0fpx (its scroll margin), with the page scrolled by %.0fpx of %.0fpx", v.Top, v.Margin, v.ScrollY, v.MaxScroll)
	}
	if v.Passages < 2 {
		t.Fatalf("the report has %d passages; the highlight needs another to compare with", v.Passages)
	}
	if v.TargetBG == transparent || v.TargetBG == v.OtherBG {
		t.Errorf("the linked passage's background %s, another passage's %s: it is not highlighted", v.TargetBG, v.OtherBG)
	}
	if v.CopyHref != permalink {
		t.Errorf("the passage's own link is %q, want its permalink %q", v.CopyHref, permalink)
	}
	if v.HScroll {
		t.Errorf("the report page scrolls sideways")
	}
	t.Logf("passage %s: %.0fpx down the report, scrolled by %.0fpx, top at %.0fpx", anchor, v.DocTop, v.ScrollY, v.Top)
	return v
}

// TestSearch asks a question from the home page and checks the results.
func TestSearch(t *testing.T) {
	tb := newTab(t)
	tb.open("/")
	tb.search("#home-search-q", question)
	r := checkResults(t, tb, question)
	t.Logf("%d results, highlights %q", r.Results, r.Marks)
	png := tb.screenshot("results")
	if *readmeScreenshot {
		const readme = "../../../docs/screenshot.png"
		if len(png) > 300<<10 {
			t.Fatalf("the screenshot is %d KB, over the README's 300 KB", len(png)>>10)
		}
		if err := os.WriteFile(filepath.FromSlash(readme), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d KB)", readme, len(png)>>10)
	}
}

// TestResultOpensPassage opens a result's passage link and checks that
// the report is scrolled to the passage, which is highlighted.
func TestResultOpensPassage(t *testing.T) {
	tb := newTab(t)
	tb.open("/")
	tb.search("#home-search-q", question)
	r := checkResults(t, tb, question)
	tb.clickAndLoad("[data-testid=passage-link]")
	checkPassage(t, tb, r.Links[0])
	tb.screenshot("passage")
}

// TestSimilarMeeting follows a "Similar meetings" link from a report.
func TestSimilarMeeting(t *testing.T) {
	tb := newTab(t)
	tb.open("/search?" + url.Values{"q": {question}}.Encode())
	tb.clickAndLoad("[data-testid=result-title]")
	type docPage struct {
		Path    string   `json:"path"`
		Title   string   `json:"title"`
		Similar []string `json:"similar"`
	}
	const read = `({
		path: location.pathname,
		title: (document.querySelector('[data-testid=doc-title]') || {}).textContent || '',
		similar: [...document.querySelectorAll('[data-testid=similar-item] a')].map(a => a.getAttribute('href')),
	})`
	from := evaluate[docPage](tb, read)
	if !strings.HasPrefix(from.Path, "/doc/") || from.Title == "" {
		t.Fatalf("the result's title led to %s titled %q, not a report", from.Path, from.Title)
	}
	if len(from.Similar) == 0 {
		t.Fatalf("%s lists no similar meeting", from.Path)
	}
	tb.clickAndLoad("[data-testid=similar-item] a")
	to := evaluate[docPage](tb, read)
	if to.Path != from.Similar[0] {
		t.Errorf("the similar meeting's link %s led to %s", from.Similar[0], to.Path)
	}
	if to.Path == from.Path || to.Title == "" || to.Title == from.Title {
		t.Errorf("from %s (%q) the similar meeting is %s (%q), want another report", from.Path, from.Title, to.Path, to.Title)
	}
	if slices.Contains(to.Similar, to.Path) {
		t.Errorf("%s lists itself as similar", to.Path)
	}
}

// TestCopyLink clicks a passage's link control with JavaScript on: it
// copies the permalink instead of following it, and says so.
func TestCopyLink(t *testing.T) {
	tb := newTab(t)
	origin := site.Base
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		if err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	// The clipboard is only for the focused page; a headless window
	// never has the focus unless emulated.
	if _, err := chromedp.Call(tb.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	tb.open("/search?" + url.Values{"q": {question}}.Encode())
	permalink := evaluate[resultsPage](tb, readResults).Links[0]
	tb.clickAndLoad("[data-testid=passage-link]")
	v := checkPassage(t, tb, permalink)
	if v.CopyTag != "A" || v.CopyTitle == "" {
		t.Errorf("the copy control is a %s titled %q; want a link that the script has titled", v.CopyTag, v.CopyTitle)
	}
	copyLink(t, tb, permalink, 1)
	tb.screenshot("copied")

	// Another passage's control copies that passage's permalink, not the
	// page's address.
	other := evaluate[string](tb, otherPassageLink)
	if other == "" {
		t.Fatal("no other passage's permalink on the page")
	}
	// A second click while the control says "Copied" must not leave it
	// saying so for good.
	copyLink(t, tb, other, 2)
}

// copyLink clicks the copy control whose href is permalink, clicks times
// in a row, and checks that it says it copied, that the clipboard holds
// the permalink as a full URL, that the page stayed where it was, and that
// the control then shows its label again. Permalinks are path-escaped
// ASCII, so a JSON string is also a CSS string for the selector.
func copyLink(t *testing.T, tb *tab, permalink string, clicks int) {
	t.Helper()
	sel := `a[data-testid=copy-link][href=` + jsString(permalink) + `]`
	link := `document.querySelector(` + jsString(sel) + `)`
	label := evaluate[string](tb, link+`.textContent`)
	before := evaluate[string](tb, `location.pathname + location.hash`)

	for range clicks {
		tb.do("click the copy control", chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
		tb.waitUntil("the control says Copied", link+`.textContent === "Copied"`)
	}
	tb.waitUntil("the live region announces the copy", `document.getElementById('copy-status').textContent === "Link copied to the clipboard"`)
	copied, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	if want := site.Base + permalink; copied != want {
		t.Errorf("copied %q, want the passage's permalink %q", copied, want)
	}
	if after := evaluate[string](tb, `location.pathname + location.hash`); after != before {
		t.Errorf("copying moved the page (and its highlighted passage) from %s to %s", before, after)
	}
	// The control goes back to its label, so that it can be used again.
	tb.waitUntil("the control shows its label again", link+`.textContent === `+jsString(label))
}

// TestWithoutJavaScript runs the reader's path with scripts disabled:
// search, open the passage, and follow its permalink, which must be a
// plain link.
func TestWithoutJavaScript(t *testing.T) {
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	tb.open("/")
	tb.search("#home-search-q", question)
	r := checkResults(t, tb, question)
	tb.clickAndLoad("[data-testid=passage-link]")
	v := checkPassage(t, tb, r.Links[0])
	if v.CopyTag != "A" {
		t.Fatalf("the permalink is a %s, want a plain link", v.CopyTag)
	}
	if v.CopyTitle != "" {
		t.Fatalf("the permalink has the title %q that only the script sets: JavaScript is not disabled", v.CopyTitle)
	}
	tb.screenshot("passage")

	// Another passage's permalink is a plain link to it: following it
	// moves the highlight there.
	other := evaluate[string](tb, otherPassageLink)
	if other == "" {
		t.Fatal("no other passage's permalink on the page")
	}
	tb.do("follow another passage's permalink", chromedp.Click(chromedp.CSS(`a[data-testid=copy-link][href=`+jsString(other)+`]`), chromedp.NodeVisible))
	tb.waitUntil("the permalink is followed", `location.href === `+jsString(site.Base+other))
	checkPassage(t, tb, other)
}

// otherPassageLink is the permalink of the last passage that is not the
// :target, or "".
const otherPassageLink = `(() => {
	const links = [...document.querySelectorAll('[data-testid=passage]:not(:target) [data-testid=copy-link]')];
	return links.length ? links[links.length - 1].getAttribute('href') : '';
})()`

// TestPhone searches and opens a passage at a phone's viewport: nothing
// may make the pages scroll sideways.
func TestPhone(t *testing.T) {
	tb := newTab(t)
	tb.do("emulate a phone", chromedp.Emulate(device.IPhone12))
	const phoneWidth = 390 // the iPhone 12's CSS pixels
	noSideScroll := func(page string) {
		t.Helper()
		type widths struct {
			Scroll float64 `json:"scroll"`
			Inner  float64 `json:"inner"`
		}
		w := evaluate[widths](tb, `({scroll: document.documentElement.scrollWidth, inner: innerWidth})`)
		// A phone zooms out of a page that is too wide, which widens the
		// layout viewport to the page: so innerWidth alone hides it.
		if w.Inner != phoneWidth {
			t.Errorf("the %s has a %.0fpx layout viewport, want the phone's %d: the page is too wide and the browser zoomed out", page, w.Inner, phoneWidth)
		}
		if w.Scroll > w.Inner || w.Scroll > phoneWidth {
			t.Errorf("the %s is %.0fpx wide in a %.0fpx viewport: it scrolls sideways", page, w.Scroll, w.Inner)
		}
	}
	tb.open("/")
	noSideScroll("home page")
	tb.search("#home-search-q", question)
	r := checkResults(t, tb, question)
	noSideScroll("results page")
	tb.screenshot("results")
	tb.clickAndLoad("[data-testid=passage-link]")
	checkPassage(t, tb, r.Links[0])
	noSideScroll("report page")
	tb.screenshot("passage")
}

// TestConsoleCheckSeesViolations makes sure that the console check the
// other tests rely on does catch a CSP violation: an inline script, which
// the policy forbids.
func TestConsoleCheckSeesViolations(t *testing.T) {
	tb := newTab(t)
	tb.open("/")
	tb.do("add an inline script", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement('script');
		s.textContent = 'window.inlineRan = true';
		document.body.appendChild(s);
	})()`))
	if evaluate[bool](tb, `window.inlineRan === true`) {
		t.Error("an inline script ran: the page has no Content-Security-Policy against it")
	}
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	var csp bool
	for _, e := range tb.console.take() {
		t.Logf("console: %s: %s", e.kind, e.text)
		if e.problem() == "CSP violation" {
			csp = true
		}
	}
	if !csp {
		t.Error("the console check did not see the CSP violation of an inline script")
	}
}
