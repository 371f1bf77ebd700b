package main

import (
	"html"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/plenary-search/plenary/index"
)

// The JSON that "plenary search --json" prints has the shape of the
// server's GET /api/search. Package web keeps its API types unexported, so
// they are restated here; the end-to-end test compares the two outputs
// field by field so that they cannot drift apart unnoticed.
type (
	jsonHit struct {
		DocID     string  `json:"doc_id"`
		PassageID string  `json:"passage_id"`
		Title     string  `json:"title"`
		Date      string  `json:"date"`
		Place     string  `json:"place"`
		Text      string  `json:"text"`
		Snippet   string  `json:"snippet"` // HTML with <mark> around matches
		Score     float64 `json:"score"`
		URL       string  `json:"url"`
	}

	jsonSearchResponse struct {
		Query   string    `json:"query"`
		TookMS  float64   `json:"took_ms"`
		Results []jsonHit `json:"results"`
	}
)

func searchResponse(res index.Results, took time.Duration) jsonSearchResponse {
	out := jsonSearchResponse{
		Query:   res.Query,
		TookMS:  math.Round(float64(took.Microseconds())) / 1000,
		Results: make([]jsonHit, 0, len(res.Hits)),
	}
	for _, h := range res.Hits {
		score := h.Score
		if math.IsNaN(score) || math.IsInf(score, 0) {
			score = 0 // JSON cannot encode them
		}
		out.Results = append(out.Results, jsonHit{
			DocID:     h.DocID,
			PassageID: h.ID,
			Title:     h.Title,
			Date:      h.Date,
			Place:     h.Place,
			Text:      h.Text,
			Snippet:   snippetHTML(h),
			Score:     score,
			URL:       passageURL(h.Passage),
		})
	}
	return out
}

// snippetHTML is the snippet as the API gives it: escaped text with <mark>
// around the matching words, or the start of the passage when the index
// gave no snippet.
func snippetHTML(h index.Hit) string {
	if len(h.Snippet) == 0 {
		return html.EscapeString(oneLine(truncate(h.Text, 300)))
	}
	var b strings.Builder
	for _, f := range h.Snippet {
		t := html.EscapeString(strings.ToValidUTF8(f.Text, "\uFFFD"))
		if f.Match {
			b.WriteString("<mark>" + t + "</mark>")
		} else {
			b.WriteString(t)
		}
	}
	return b.String()
}

// passageURL is the passage's permalink path on the server: the report's
// page, each segment of its slash-separated ID escaped, and the passage's
// anchor as the fragment. It matches the links the web pages use.
func passageURL(p index.Passage) string {
	segs := strings.Split(p.DocID, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/doc/" + strings.Join(segs, "/") + "#" + url.PathEscape(p.Anchor)
}
