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
