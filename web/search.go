package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web/view"
)

// search runs a validated search and returns the hits of the requested
// page. With peek it also reports whether a next page would show any hit:
// it asks the index for one hit past the page, because a full page alone
// cannot tell, and a "More results" link to an empty page is what a
// collection whose hits end on a page boundary would otherwise show (the
// per-report cap makes that common). Its error leaves the query out, as
// the request log does, since errors are logged.
func (srv *server) search(c echo.Context, p searchParams, peek bool) ([]index.Hit, bool, error) {
	depth := p.K * p.Page
	k := depth
	if peek {
		k++
	}
	res, err := srv.searcher.Search(c.Request().Context(), index.Query{Text: p.Query, K: k, Mode: p.Mode})
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	hits := res.Hits
	from := min((p.Page-1)*p.K, len(hits))
	to := min(from+p.K, len(hits))
	more := peek && len(hits) > depth && depth+p.K <= maxDepth
	return hits[from:to], more, nil
}

// handleSearch serves GET /search?q=&k=&page=&mode=, a page of results.
func (srv *server) handleSearch(c echo.Context) error {
	noStore(c)
	p, err := parseSearchParams(c.QueryParams())
	if err != nil {
		return err
	}
	hits, more, err := srv.search(c, p, true)
	if err != nil {
		return err
	}
	page := view.SearchPage{
		Page:    srv.page("Results for “"+p.Query+"”", p.Query, p.Mode),
		Query:   p.Query,
		K:       p.K,
		PageNum: p.Page,
		Hits:    make([]view.Hit, 0, len(hits)),
	}
	first := (p.Page-1)*p.K + 1
	for i, h := range hits {
		page.Hits = append(page.Hits, hitView(h, first+i, p.Mode))
	}
	if p.Page > 1 {
		page.PrevURL = searchURL(p, p.Page-1)
	}
	if more {
		page.NextURL = searchURL(p, p.Page+1)
	}
	return srv.render(c, http.StatusOK, view.SearchView(page))
}

// searchURL is the address of page of the results for p. Default values are left
// out so that addresses stay short.
func searchURL(p searchParams, page int) string {
	v := url.Values{"q": {p.Query}}
	if p.K != defaultK {
		v.Set("k", strconv.Itoa(p.K))
	}
	if p.Mode != "" {
		v.Set("mode", string(p.Mode))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/search?" + v.Encode()
}
