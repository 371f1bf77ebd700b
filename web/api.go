package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/index"
)

// The JSON API, all GET, all answering application/json:
//
//	/api/search?q=&k=&page=&mode=  {"query","mode","took_ms","results":[{"doc_id","passage_id","title","date","place","text","snippet","score","url","why"}]}
//	/api/docs/{id}              {"doc_id","title","date","place","source","source_url","passages":[{"passage_id","text","url"}]}
//	/api/docs/{id}/similar?k=   {"results":[{"doc_id","title","date","place","score","url"}]}
//	/api/stats                  {"documents","passages","embedder","dim"}
//	/healthz                    {"status":"ok"}, or 503 {"status":"unavailable"}
//
// {id} may contain slashes and is path-escaped segment by segment. "url"
// fields are site-relative paths ("/doc/{id}#{anchor}" for a passage).
// Errors answer {"error": message} with a 4xx or 5xx status; messages
// are meant for people and never contain internal details.

// SearchResponse is the JSON of GET /api/search, which "plenary search
// --json" prints too. It is declared here, not taken from the index, so
// that the API stays the same when the index's types change; only Why
// is the index's own, as its JSON documents the retrievers.
type SearchResponse struct {
	Query string `json:"query"`
	// Mode is the retrieval mode that answered: hybrid when none was
	// asked for.
	Mode    index.Mode  `json:"mode"`
	TookMS  float64     `json:"took_ms"`
	Results []SearchHit `json:"results"`
}

// SearchHit is one result of GET /api/search. Snippet is HTML: the
// passage's words, HTML-escaped, with <mark>…</mark> around those that
// match the question, ready to insert into a page. Text is the passage's
// plain text. URL is the passage's permalink (see [PassageURL]). Why says
// which retrievers found it, at what rank (1 is best; absent when that
// retriever did not return it) and score.
type SearchHit struct {
	DocID     string    `json:"doc_id"`
	PassageID string    `json:"passage_id"`
	Title     string    `json:"title"`
	Date      string    `json:"date"`
	Place     string    `json:"place"`
	Text      string    `json:"text"`
	Snippet   string    `json:"snippet"`
	Score     float64   `json:"score"`
	URL       string    `json:"url"`
	Why       index.Why `json:"why"`
}

// NewSearchResponse builds the JSON answer to query in mode ("" means
// hybrid) from the hits to show, best first, and the time the search
// took. Scores that JSON cannot encode (NaN, infinities) become 0. It
// returns no error.
func NewSearchResponse(query string, mode index.Mode, hits []index.Hit, took time.Duration) SearchResponse {
	if m, err := index.ParseMode(string(mode)); err == nil {
		mode = m
	}
	resp := SearchResponse{
		Query:   query,
		Mode:    mode,
		TookMS:  math.Round(float64(took.Microseconds())) / 1000,
		Results: make([]SearchHit, 0, len(hits)),
	}
	for _, h := range hits {
		why := h.Why
		why.LexicalScore, why.VectorScore = finite(why.LexicalScore), finite(why.VectorScore)
		resp.Results = append(resp.Results, SearchHit{
			DocID:     h.DocID,
			PassageID: h.ID,
			Title:     h.Title,
			Date:      h.Date,
			Place:     h.Place,
			Text:      h.Text,
			Snippet:   snippetHTML(snippetFragments(h)),
			Score:     finite(h.Score),
			URL:       PassageURL(h.DocID, h.Anchor),
			Why:       why,
		})
	}
	return resp
}

// JSON shapes of the rest of the API, declared here for the same reason.
type (
	apiError struct {
		Error string `json:"error"`
	}

	apiPassage struct {
		PassageID string `json:"passage_id"`
		Text      string `json:"text"`
		URL       string `json:"url"`
	}

	apiDocResponse struct {
		DocID     string       `json:"doc_id"`
		Title     string       `json:"title"`
		Date      string       `json:"date"`
		Place     string       `json:"place"`
		Source    string       `json:"source"`
		SourceURL string       `json:"source_url"`
		Passages  []apiPassage `json:"passages"`
	}

	apiSimilar struct {
		DocID string  `json:"doc_id"`
		Title string  `json:"title"`
		Date  string  `json:"date"`
		Place string  `json:"place"`
		Score float64 `json:"score"`
		URL   string  `json:"url"`
	}

	apiSimilarResponse struct {
		Results []apiSimilar `json:"results"`
	}

	apiStats struct {
		Documents int    `json:"documents"`
		Passages  int    `json:"passages"`
		Embedder  string `json:"embedder"`
		Dim       int    `json:"dim"`
	}
)

// defaultSimilarK is how many similar reports the API returns by default.
const defaultSimilarK = 5

// handleAPISearch serves GET /api/search?q=&k=&page=&mode=.
func (srv *server) handleAPISearch(c echo.Context) error {
	noStore(c)
	p, err := parseSearchParams(c.QueryParams())
	if err != nil {
		return err
	}
	start := time.Now()
	// No peek: the API asks the index for exactly k, as "plenary search"
	// does, so that both give the same answer.
	hits, _, err := srv.search(c, p, false)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, NewSearchResponse(p.Query, p.Mode, hits, time.Since(start)))
}

// handleAPIDoc serves GET /api/docs/{id} and GET /api/docs/{id}/similar.
// Since IDs contain slashes, a trailing "/similar" always selects the
// similar reports: a report whose ID ends in "/similar" has no JSON page.
func (srv *server) handleAPIDoc(c echo.Context) error {
	noStore(c)
	escaped := c.Request().URL.EscapedPath()
	if rest, ok := strings.CutSuffix(escaped, "/similar"); ok {
		return srv.apiSimilar(c, rest)
	}
	id, err := docIDFromPath(escaped, "/api/docs/")
	if err != nil {
		return err
	}
	doc, passages, err := srv.searcher.Document(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("read report %q: %w", id, err)
	}
	if doc.ID == "" {
		doc.ID = id
	}
	resp := apiDocResponse{
		DocID:     doc.ID,
		Title:     doc.Title,
		Date:      doc.Date,
		Place:     doc.Place,
		Source:    doc.Source,
		SourceURL: doc.URL,
		Passages:  make([]apiPassage, 0, len(passages)),
	}
	for _, p := range passages {
		resp.Passages = append(resp.Passages, apiPassage{
			PassageID: p.ID,
			Text:      p.Text,
			URL:       PassageURL(doc.ID, p.Anchor),
		})
	}
	return writeJSON(c, http.StatusOK, resp)
}

// apiSimilar answers GET /api/docs/{id}/similar?k=; escaped is the path
// without "/similar".
func (srv *server) apiSimilar(c echo.Context, escaped string) error {
	id, err := docIDFromPath(escaped, "/api/docs/")
	if err != nil {
		return err
	}
	k, err := parseK(c.QueryParams(), defaultSimilarK)
	if err != nil {
		return err
	}
	// One more than asked, in case the index counts the report itself.
	sims, err := srv.searcher.Similar(c.Request().Context(), id, k+1)
	if err != nil {
		return fmt.Errorf("find reports similar to %q: %w", id, err)
	}
	resp := apiSimilarResponse{Results: make([]apiSimilar, 0, k)}
	for _, s := range sims {
		if s.DocID == id || len(resp.Results) == k {
			continue
		}
		resp.Results = append(resp.Results, apiSimilar{
			DocID: s.DocID,
			Title: s.Title,
			Date:  s.Date,
			Place: s.Place,
			Score: finite(s.Score),
			URL:   docURL(s.DocID),
		})
	}
	return writeJSON(c, http.StatusOK, resp)
}

// handleAPIStats serves GET /api/stats.
func (srv *server) handleAPIStats(c echo.Context) error {
	noStore(c)
	st, err := srv.searcher.Stats(c.Request().Context())
	if err != nil {
		return fmt.Errorf("read index stats: %w", err)
	}
	return writeJSON(c, http.StatusOK, apiStats{
		Documents: st.Documents,
		Passages:  st.Passages,
		Embedder:  st.Embedder,
		Dim:       st.Dim,
	})
}

// handleHealth serves GET /healthz: 200 when the index answers, 503 when
// it does not.
func (srv *server) handleHealth(c echo.Context) error {
	noStore(c)
	if _, err := srv.searcher.Stats(c.Request().Context()); err != nil {
		srv.log.ErrorContext(c.Request().Context(), "health check", "err", err)
		return writeJSON(c, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}
