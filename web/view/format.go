package view

import (
	"strconv"
	"strings"
)

// pageTitle names the page in the browser's tab and history.
func pageTitle(title string) string {
	if title == "" {
		return "Plenary"
	}
	return title + " · Plenary"
}

// plural writes a count with the right noun, "1 report" or "3 reports".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// statsLine describes the index in one sentence.
func statsLine(s IndexStats) string {
	line := plural(s.Documents, "report", "reports") + " and " + plural(s.Passages, "passage", "passages") + " indexed"
	if s.Embedder != "" {
		line += " with the embedder " + s.Embedder
	}
	return line + "."
}

// joinDot joins the non-empty parts with a middle dot.
func joinDot(parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " · ")
}

// modeOption is a choice of the search box's mode selector.
type modeOption struct{ value, label string }

// modeOptions are the retrieval modes in the order offered, the default
// first; the labels say what each does in a reader's terms.
var modeOptions = []modeOption{
	{"hybrid", "Keywords + meaning"},
	{"lexical", "Keywords only"},
	{"vector", "Meaning only"},
}

// selectedMode is the option to show selected for mode: hybrid when mode
// is empty or unknown, so that exactly one option is selected.
func selectedMode(mode string) string {
	for _, o := range modeOptions {
		if o.value == mode {
			return mode
		}
	}
	return modeOptions[0].value
}
