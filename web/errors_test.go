package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/static"
)

// TestHandleError checks the one error handler: the status of every kind
// of error, that users never see an internal error's text, and that only
// internal errors are logged.
func TestHandleError(t *testing.T) {
	const secret = "open /var/lib/plenary/segment-7: permission denied"
	tests := []struct {
		name   string
		err    error
		status int
		msg    string // substring of what the user sees
		logged bool
	}{
		{"request error", badRequest("The page number (page) must be a whole number."), 400, "(page)", false},
		{"not found", fmt.Errorf("read report %q: %w", "x", index.ErrNotFound), 404, "no report with this ID", false},
		{"bad query", fmt.Errorf("search: %w: %s", index.ErrBadQuery, secret), 400, "cannot run this query", false},
		{"embedder mismatch", fmt.Errorf("search: %w: %s", index.ErrEmbedderMismatch, secret), 500, "different embedding model", true},
		{"deadline", fmt.Errorf("embed query: %w", context.DeadlineExceeded), 503, "took too long", true},
		{"echo timeout", echo.ErrServiceUnavailable.WithInternal(context.DeadlineExceeded), 503, "took too long", true},
		{"echo 404", echo.ErrNotFound, 404, "no page at this address", false},
		{"echo 405", echo.ErrMethodNotAllowed, 405, "only answers GET", false},
		{"echo 413", echo.ErrStatusRequestEntityTooLarge, 413, "too large", false},
		{"echo 500", echo.NewHTTPError(500, secret), 500, "went wrong on our side", true},
		{"panic", &panicError{err: errors.New(secret), stack: []byte("goroutine 1")}, 500, "went wrong on our side", true},
		{"internal", errors.New(secret), 500, "went wrong on our side", true},
	}
	for _, tt := range tests {
		for _, api := range []bool{false, true} {
			name := tt.name + "/html"
			target := "/search?q=a"
			if api {
				name, target = tt.name+"/json", "/api/search?q=a"
			}
			t.Run(name, func(t *testing.T) {
				var logs bytes.Buffer
				srv := &server{
					log:    slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
					assets: loadAssets(static.FS(), slog.New(slog.DiscardHandler)),
				}
				c, rec := echoContext(t, target)
				srv.handleError(tt.err, c)

				if rec.Code != tt.status {
					t.Errorf("status %d, want %d", rec.Code, tt.status)
				}
				b := rec.Body.String()
				if api {
					var e apiError
					if err := json.Unmarshal([]byte(b), &e); err != nil {
						t.Fatalf("body %q is not a JSON error: %v", b, err)
					}
					b = e.Error
				} else if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
					t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
				}
				if !strings.Contains(b, tt.msg) {
					t.Errorf("response %q does not contain %q", b, tt.msg)
				}
				if strings.Contains(b, secret) || strings.Contains(b, "permission denied") {
					t.Errorf("internal error leaked to the user: %q", b)
				}
				if got := strings.Count(logs.String(), "\n"); tt.logged && got != 1 || !tt.logged && got != 0 {
					t.Errorf("%d log lines, want logged=%v:\n%s", got, tt.logged, logs.String())
				}
			})
		}
	}
}

// TestHandleErrorCommitted checks that an error after the response has
// started sends nothing more.
func TestHandleErrorCommitted(t *testing.T) {
	srv := &server{log: slog.New(slog.DiscardHandler), assets: loadAssets(static.FS(), slog.New(slog.DiscardHandler))}
	c, rec := echoContext(t, "/")
	if err := c.String(http.StatusOK, "partial"); err != nil {
		t.Fatal(err)
	}
	srv.handleError(errors.New("late"), c)
	if rec.Body.String() != "partial" {
		t.Errorf("body %q", rec.Body.String())
	}
}
