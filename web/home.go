package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/web/view"
)

// handleHome serves GET /: the search box, and the index's size or, when
// it is empty, how to fill it.
func (srv *server) handleHome(c echo.Context) error {
	st, err := srv.searcher.Stats(c.Request().Context())
	if err != nil {
		return fmt.Errorf("read index stats: %w", err)
	}
	page := srv.page("", "", "")
	page.NoHeaderSearch = true
	return srv.render(c, http.StatusOK, view.HomeView(view.HomePage{
		Page: page,
		Stats: view.IndexStats{
			Documents: st.Documents,
			Passages:  st.Passages,
			Embedder:  st.Embedder,
		},
	}))
}
