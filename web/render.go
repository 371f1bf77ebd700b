package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// render writes a component as a complete page. It renders into a buffer
// first, so that a failing component never sends half a page.
func (srv *server) render(c echo.Context, status int, comp templ.Component) error {
	return srv.renderCtx(c.Request().Context(), c, status, comp)
}

// renderCtx is render with an explicit context: error pages are rendered
// after the request's context has been cancelled by the timeout
// middleware or has expired, and templ stops rendering on a done context.
func (srv *server) renderCtx(ctx context.Context, c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return fmt.Errorf("render page: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// writeJSON writes v as JSON. It encodes into memory first, for the same
// reason as render.
func writeJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return c.JSONBlob(status, b)
}
