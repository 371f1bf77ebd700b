package web

import (
	"html"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web/view"
)

// maxSnippetRunes bounds a snippet made from a passage's text when the
// index gave none.
const maxSnippetRunes = 320

// hitView turns an index hit, found in mode, into a result card's view
// model.
func hitView(h index.Hit, rank int, mode index.Mode) view.Hit {
	return view.Hit{
		Rank:       rank,
		Title:      titleOr(h.Title, h.DocID),
		DocURL:     docURL(h.DocID),
		PassageURL: PassageURL(h.DocID, h.Anchor),
		Date:       h.Date,
		Place:      h.Place,
		Score:      formatScore(h.Score),
		Snippet:    snippetFragments(h),
		Why:        WhyLines(mode, h),
	}
}

// snippetFragments is the hit's snippet, or the start of its passage when
// the index gave no snippet.
func snippetFragments(h index.Hit) []view.Fragment {
	if len(h.Snippet) == 0 {
		return []view.Fragment{{Text: truncate(collapseSpace(h.Text), maxSnippetRunes)}}
	}
	out := make([]view.Fragment, 0, len(h.Snippet))
	for _, f := range h.Snippet {
		out = append(out, view.Fragment{Text: strings.ToValidUTF8(f.Text, "\uFFFD"), Match: f.Match})
	}
	return out
}

// snippetHTML renders fragments as HTML-escaped text with <mark> around
// matches, for API clients that insert the snippet into a page.
func snippetHTML(frags []view.Fragment) string {
	var b strings.Builder
	for _, f := range frags {
		if f.Match {
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(f.Text))
			b.WriteString("</mark>")
		} else {
			b.WriteString(html.EscapeString(f.Text))
		}
	}
	return b.String()
}

// collapseSpace joins a passage's lines, so that a snippet reads as one
// paragraph.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// truncate shortens s to at most n runes, cutting at a space when one is
// near and marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, i := 0, 0
	for pos := range s {
		if i == n {
			cut = pos
			break
		}
		i++
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*3/4 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

// titleOr is the title to show: the report's, or its ID when the report
// has no title.
func titleOr(title, id string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	return id
}

// finite replaces NaN and infinities, which JSON cannot encode, by 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// formatScore shows a similarity with three decimals.
func formatScore(f float64) string {
	return strconv.FormatFloat(finite(f), 'f', 3, 64)
}

// docMeta turns a document's metadata into its view model. Only http and
// https source URLs become links.
func docMeta(d index.Document) view.DocMeta {
	m := view.DocMeta{
		ID:     d.ID,
		Title:  titleOr(d.Title, d.ID),
		Date:   d.Date,
		Place:  d.Place,
		Source: d.Source,
		Path:   d.Path,
	}
	if u, err := url.Parse(d.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		m.SourceURL = d.URL
	}
	return m
}

// segments splits a report's original text into its passages and the
// text between them, so that the page shows the whole text as it was and
// every passage can be linked to.
//
// Passages whose offsets do not fit the text (a stale or corrupt index)
// are still shown, with their own text, where they fall in order, so that
// their links keep working. When passages overlap, the overlap is shown
// once, in the earlier passage.
func segments(docID, text string, passages []index.Passage) []view.Segment {
	ps := make([]index.Passage, len(passages))
	copy(ps, passages)
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Start != ps[j].Start {
			return ps[i].Start < ps[j].Start
		}
		return ps[i].Ord < ps[j].Ord
	})

	var out []view.Segment
	between := func(s string) {
		s = strings.Trim(s, "\r\n")
		if strings.TrimSpace(s) == "" {
			return
		}
		out = append(out, view.Segment{Text: strings.ToValidUTF8(s, "\uFFFD")})
	}
	passage := func(p index.Passage, s string) {
		out = append(out, view.Segment{
			Text:      strings.ToValidUTF8(strings.Trim(s, "\r\n"), "\uFFFD"),
			IsPassage: true,
			Anchor:    p.Anchor,
			URL:       PassageURL(docID, p.Anchor),
			Ord:       p.Ord + 1,
		})
	}

	cursor := 0
	for _, p := range ps {
		if p.Start < 0 || p.End < p.Start || p.End > len(text) || (p.Text != "" && text[p.Start:p.End] != p.Text) {
			passage(p, p.Text)
			continue
		}
		if p.End <= cursor {
			// Wholly inside text already shown: keep the anchor only.
			passage(p, "")
			continue
		}
		start := max(p.Start, cursor)
		between(text[cursor:start])
		passage(p, text[start:p.End])
		cursor = p.End
	}
	between(text[cursor:])
	return out
}

// similarItems turns similar reports into the list's view model, leaving
// out the report itself should the index return it.
func similarItems(self string, sims []index.Similar) []view.SimilarItem {
	out := make([]view.SimilarItem, 0, len(sims))
	for _, s := range sims {
		if s.DocID == self {
			continue
		}
		out = append(out, view.SimilarItem{
			Title: titleOr(s.Title, s.DocID),
			URL:   docURL(s.DocID),
			Date:  s.Date,
			Place: s.Place,
			Score: formatScore(s.Score),
		})
	}
	return out
}
