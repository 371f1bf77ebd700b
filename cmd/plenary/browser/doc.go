// Package browser holds Plenary's end-to-end tests in a real browser: they
// build the plenary binary, serve the seed reports from ../shared on a free
// loopback port, and drive headless Chromium through the DevTools protocol
// (chromedp) as a reader would: search, open a result scrolled to its
// highlighted passage, follow a similar meeting and copy a passage link,
// with and without JavaScript and at a phone's viewport. Every page is also
// checked for Content-Security-Policy violations and script errors.
//
// The browser is the one named by PLENARY_CHROMIUM, else chromium,
// chromium-browser or google-chrome on PATH; nothing is downloaded. Without
// a browser or the seed reports the tests skip, except when CI=true, where
// they fail so that CI cannot pass without running them. Screenshots go to
// the directory named by PLENARY_ARTIFACTS (a temporary one when unset);
// "make screenshot" (the test flag -readme-screenshot) rewrites the
// README's docs/screenshot.png, and "make test-browser" runs only these.
//
// The package has no non-test code.
package browser
