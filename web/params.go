package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index"
)

// Limits on search parameters.
const (
	maxQueryRunes = 1000
	defaultK      = 10
	maxK          = 100
	// maxDepth bounds k*page, how deep into the ranking a page may go, so
	// that a request cannot ask the index for an unbounded number of hits.
	maxDepth = 1000
)

// searchParams are a validated search request.
type searchParams struct {
	Query string // trimmed, valid UTF-8, 1..maxQueryRunes runes
	K     int    // hits per page, 1..maxK
	Page  int    // from 1; k*page <= maxDepth
	Mode  index.Mode
}

// parseSearchParams validates the query string of a search. Its errors are
// requestErrors (400) whose messages name the parameter and what is
// allowed. mode (hybrid, vector or lexical) picks the retrievers; empty
// means the index's default. When a parameter is repeated, the first value counts.
func parseSearchParams(v url.Values) (searchParams, error) {
	p := searchParams{K: defaultK, Page: 1}

	q := v.Get("q")
	if !utf8.ValidString(q) {
		return p, badRequest("The query (q) is not valid UTF-8 text.")
	}
	if strings.ContainsRune(q, 0) {
		return p, badRequest("The query (q) must not contain NUL characters.")
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return p, badRequest("Type a question in the search box: the query (q) is missing or blank.")
	}
	if n := utf8.RuneCountInString(q); n > maxQueryRunes {
		return p, badRequest("The query (q) is %d characters long; at most %d are allowed.", n, maxQueryRunes)
	}
	p.Query = q

	k, err := parseK(v, defaultK)
	if err != nil {
		return p, err
	}
	p.K = k
	if s, ok := first(v, "page"); ok {
		maxPage := maxDepth / p.K
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxPage {
			return p, badRequest("The page number (page) must be a whole number from 1 to %d (with k=%d).", maxPage, p.K)
		}
		p.Page = n
	}
	if s, ok := first(v, "mode"); ok {
		m, err := index.ParseMode(s)
		if err != nil {
			return p, badRequest("The retrieval mode (mode) must be hybrid, vector or lexical.")
		}
		p.Mode = m
	}
	return p, nil
}

// first returns the first value of key, and whether it is present and not
// empty; an empty value means "default", as an empty form field sends.
func first(v url.Values, key string) (string, bool) {
	s := v.Get(key)
	return s, s != ""
}

// parseK validates the optional k of the similar-reports API.
func parseK(v url.Values, def int) (int, error) {
	s, ok := first(v, "k")
	if !ok {
		return def, nil
	}
	k, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || k < 1 || k > maxK {
		return 0, badRequest("The number of results (k) must be a whole number from 1 to %d.", maxK)
	}
	return k, nil
}
