package web

import (
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// contentSecurityPolicy allows only the site's own script, style and
// images: no inline script or style exists, so none is permitted.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries, error pages
// included, before the handler runs. Cache-Control defaults to no-cache
// (revalidate); handlers override it where another policy fits.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		return next(c)
	}
}

// noStore marks a response that must not be kept by any cache: search
// results and API answers reveal what the user asked.
func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}

// logRequest writes one line per request. The query string is left out
// because it holds what users searched for.
func (srv *server) logRequest(c echo.Context, v middleware.RequestLoggerValues) error {
	level := slog.LevelInfo
	switch {
	case v.Status >= 500:
		level = slog.LevelWarn
	case v.URIPath == "/healthz" || strings.HasPrefix(v.URIPath, "/static/"):
		// Health probes and cached assets would drown the useful lines.
		level = slog.LevelDebug
	}
	srv.log.LogAttrs(c.Request().Context(), level, "request",
		slog.String("method", v.Method),
		slog.String("path", v.URIPath),
		slog.String("route", v.RoutePath),
		slog.Int("status", v.Status),
		slog.Duration("latency", v.Latency),
	)
	return nil
}
