package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/web/view"
)

// similarOnPage is how many similar reports a report's page lists.
const similarOnPage = 5

// handleDocument serves GET /doc/{id}: a report's metadata, its whole
// original text with every passage linkable, and similar reports.
func (srv *server) handleDocument(c echo.Context) error {
	id, err := docIDFromPath(c.Request().URL.EscapedPath(), "/doc/")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	doc, passages, err := srv.searcher.Document(ctx, id)
	if err != nil {
		return fmt.Errorf("read report %q: %w", id, err)
	}
	if doc.ID == "" {
		doc.ID = id
	}
	page := view.DocumentPage{
		Doc:      docMeta(doc),
		Segments: segments(doc.ID, doc.Text, passages),
	}
	page.Page = srv.page(page.Doc.Title, "", "")
	// Similar reports are a bonus: when they fail, the report is still
	// shown and the failure logged.
	sims, err := srv.searcher.Similar(ctx, id, similarOnPage+1)
	if err != nil {
		srv.log.WarnContext(ctx, "finding similar reports", "doc", id, "err", err)
		page.SimilarUnavailable = true
	} else {
		page.Similar = similarItems(doc.ID, sims)
		if len(page.Similar) > similarOnPage {
			page.Similar = page.Similar[:similarOnPage]
		}
	}
	return srv.render(c, http.StatusOK, view.DocumentView(page))
}
