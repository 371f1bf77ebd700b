package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestPagingEndsWithResults walks the result pages by their "More
// results" links for every page size up to past the number of hits: each
// page a link leads to has results, the last one has no such link, and
// together the pages show every hit once.
func TestPagingEndsWithResults(t *testing.T) {
	s := newTestServer(t, true, Options{})
	const q = "foreign affairs meeting"
	var all struct {
		Results []struct {
			PassageID string `json:"passage_id"`
		} `json:"results"`
	}
	s.getJSON(t, "/api/search?"+url.Values{"q": {q}, "k": {"100"}}.Encode(), http.StatusOK, &all)
	total := len(all.Results)
	if total < 2 {
		t.Fatalf("%d hits for %q; the test needs several", total, q)
	}
	for k := 1; k <= total+1; k++ {
		t.Run("k="+strconv.Itoa(k), func(t *testing.T) {
			target := "/search?" + url.Values{"q": {q}, "k": {strconv.Itoa(k)}}.Encode()
			seen := map[string]bool{}
			for pages := 1; ; pages++ {
				if pages > total+1 {
					t.Fatalf("more than %d pages of %d hits", pages, total)
				}
				doc, _ := s.page(t, target, http.StatusOK)
				links := doc.Find(`[data-testid="passage-link"]`)
				if links.Length() == 0 {
					t.Fatalf("page %d (%s) has no results", pages, target)
				}
				links.Each(func(_ int, a *goquery.Selection) {
					href, _ := a.Attr("href")
					if seen[href] {
						t.Errorf("%s shown twice", href)
					}
					seen[href] = true
				})
				next, ok := doc.Find(`[data-testid="next"]`).Attr("href")
				if !ok {
					break
				}
				target = next
			}
			if len(seen) != total {
				t.Errorf("the pages show %d hits, want all %d", len(seen), total)
			}
		})
	}
}
