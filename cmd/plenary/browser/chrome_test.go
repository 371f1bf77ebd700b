package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// testTimeout bounds each test's browser, from its start to its last
// check, so that a page that never loads fails the test instead of
// hanging the package.
const testTimeout = 30 * time.Second

// desktopWidth and desktopHeight are the viewport of the desktop tests and
// of the README screenshot.
const desktopWidth, desktopHeight = 1280, 800

// tab is a tab in a headless Chromium of its own, with a fresh profile.
type tab struct {
	t       *testing.T
	ctx     context.Context
	console *consoleLog
	stderr  *syncBuffer // the browser's own output, for failures to start
}

// newTab starts a browser for t and opens a tab in it. The browser is
// closed, and the tab's console checked for CSP violations and script
// errors, when t ends.
func newTab(t *testing.T) *tab {
	t.Helper()
	need(t)
	// Not t.Context(): it ends before the cleanups, which still use the
	// browser to collect the last console messages.
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)

	profile := filepath.Join(t.TempDir(), "profile")
	// Registered after TempDir, so it runs before TempDir's own removal:
	// Chromium's helper processes may still be writing for a moment
	// after the browser exited.
	t.Cleanup(func() { removeAllRetry(t, profile) })

	tb := &tab{t: t, console: &consoleLog{}, stderr: &syncBuffer{}}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.DisableGPU,
		chromedp.WindowSize(desktopWidth, desktopHeight),
		// Without these Chromium keeps trying to reach Google's servers,
		// which on a closed network only floods it with connections.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		// The browser only loads the pages of the server under test, on
		// loopback, so its sandbox protects nothing here; and it cannot
		// start as root, as in CI containers, or where user namespaces
		// are not allowed.
		chromedp.NoSandbox,
		chromedp.CombinedOutput(tb.stderr),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(tb.console.record))
	t.Cleanup(cancelAlloc) // waits for the browser to exit
	t.Cleanup(cancelTab)
	tb.ctx = tabCtx
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start %s: %v\n%s", chromium, err, tb.stderr)
	}
	t.Cleanup(tb.checkConsole)
	// The window's size leaves the viewport to the browser's own frame;
	// the tests and the README's screenshot want the viewport itself.
	tb.do("set the viewport", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	return tb
}

// do runs browser actions and fails the test on an error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// open loads path of the site under test and waits for its load event.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(site.Base+path))
}

// clickAndLoad clicks the first element matching the CSS selector sel, as
// a mouse would, and waits for the page it leads to to load.
func (tb *tab) clickAndLoad(sel string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)))
	if err != nil {
		tb.t.Fatalf("click %s and wait for the next page: %v", sel, err)
	}
}

// search types q into the search box whose input matches sel and presses
// Enter, as a reader does, and waits for the results page.
func (tb *tab) search(sel, q string) {
	tb.t.Helper()
	tb.do("type the question", chromedp.SendKeys(chromedp.CSS(sel), q, chromedp.NodeVisible))
	_, err := chromedp.Run(tb.ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.SendKeys(chromedp.CSS(sel), kb.Enter)))
	if err != nil {
		tb.t.Fatalf("press Enter in %s: %v", sel, err)
	}
}

// evaluate runs a JavaScript expression in the page and decodes its value
// into T.
func evaluate[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitUntil evaluates the boolean expression expr until it is true, and
// fails the test when it is not within a few seconds. It polls from Go,
// not from the page, so that it also works with JavaScript disabled.
func (tb *tab) waitUntil(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				tb.t.Fatalf("%s: %s: %v", what, expr, lastErr)
			}
			tb.t.Fatalf("%s: not true within 5s: %s", what, expr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// settle waits until the page has stopped scrolling: where motion is not
// reduced the stylesheet asks for smooth scrolling, which takes a few
// frames after a fragment link was followed.
func (tb *tab) settle() {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	last, same := -1.0, 0
	for same < 3 {
		y, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`scrollY`))
		if err != nil {
			tb.t.Fatalf("the page did not stop scrolling within 5s: %v", err)
		}
		if y == last {
			same++
		} else {
			last, same = y, 0
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// screenshot saves the visible part of the page as artefact name.png and
// returns the PNG.
func (tb *tab) screenshot(name string) []byte {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := artifactsDir(tb.t)
	file := filepath.Join(dir, artifactName(tb.t.Name()+"-"+name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Fatalf("save screenshot: %v", err)
	}
	tb.t.Logf("screenshot: %s", file)
	return png
}

// artifactsDir is where screenshots go: PLENARY_ARTIFACTS, which CI
// keeps, or a temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PLENARY_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func artifactName(s string) string {
	return unsafeName.ReplaceAllString(s, "_")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		// A Go string always marshals; invalid UTF-8 is replaced.
		return `""`
	}
	return string(b)
}

// consoleLog collects what the tab's pages wrote to the DevTools console:
// console calls, uncaught exceptions and the browser's own log, which is
// where Content-Security-Policy violations and failed loads appear.
type consoleLog struct {
	mu      sync.Mutex
	entries []consoleEntry
}

type consoleEntry struct {
	kind string // console.TYPE, exception, or log.LEVEL
	text string
	url  string
}

// record is the tab's event listener: chromedp calls it in order, from the
// loop that reads the tab's messages, so it must only store.
func (c *consoleLog) record(ev any) {
	var e consoleEntry
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, string(a.Value))
			}
		}
		e = consoleEntry{kind: "console." + string(ev.Type), text: strings.Join(parts, " ")}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		e = consoleEntry{kind: "exception", text: d.Text, url: d.URL}
		if d.Exception != nil {
			e.text += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry == nil {
			return
		}
		e = consoleEntry{kind: "log." + string(ev.Entry.Level), text: ev.Entry.Text, url: ev.Entry.URL}
	default:
		return
	}
	c.mu.Lock()
	c.entries = append(c.entries, e)
	c.mu.Unlock()
}

// take returns the entries recorded so far and forgets them.
func (c *consoleLog) take() []consoleEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries
	c.entries = nil
	return e
}

// problem says why an entry must fail a test, or "" when it need not: a
// CSP violation, whatever its level, an uncaught exception, or an error
// (console.error, a failed request).
func (e consoleEntry) problem() string {
	switch {
	case strings.Contains(e.text, "Content Security Policy") || strings.Contains(e.text, "Content-Security-Policy"):
		return "CSP violation"
	case e.kind == "exception":
		return "uncaught exception"
	case e.kind == "console.error" || e.kind == "console.assert" || e.kind == "log.error":
		return "error"
	}
	return ""
}

// flush waits until the browser has delivered every event of the pages so
// far: the listener runs in the order of the messages, so the events sent
// before the reply to a command have been recorded when it returns. It
// sends a protocol command, not a script, so that it also works with
// JavaScript disabled.
func (tb *tab) flush() error {
	_, err := chromedp.Call(tb.ctx, page.GetFrameTree, cdp.Empty{})
	return err
}

// checkConsole fails the test for every console entry that is a problem.
func (tb *tab) checkConsole() {
	if err := tb.flush(); err != nil && !errors.Is(err, context.Canceled) {
		tb.t.Logf("console check: %v (messages of the last moment may be missing)", err)
	}
	for _, e := range tb.console.take() {
		if p := e.problem(); p != "" {
			tb.t.Errorf("console: %s: %s: %s (%s)", p, e.kind, e.text, e.url)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the goroutines that copy the
// browser's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// removeAllRetry removes dir, retrying for a few seconds while Chromium's
// helper processes finish writing into it.
func removeAllRetry(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("remove the browser profile: %v", err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
