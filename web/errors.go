package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web/view"
)

// requestError is an error caused by the request, with a message written
// for the user. It is the only kind of error whose text users see.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

// badRequest returns a 400 error with a message for the user.
func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// notFound returns a 404 error with a message for the user.
func notFound(msg string) error {
	return &requestError{status: http.StatusNotFound, msg: msg}
}

// panicError carries a recovered panic to the error handler, which logs it.
type panicError struct {
	err   error
	stack []byte
}

func (e *panicError) Error() string { return "handler panicked: " + e.err.Error() }
func (e *panicError) Unwrap() error { return e.err }

// Messages users see for failures that are not their fault. They never
// include an internal error's text.
const (
	msgInternal = "Something went wrong on our side. The problem has been logged; please try again later."
	msgTimeout  = "The request took too long. Please try again, perhaps with a shorter question."
	msgMismatch = "The index was built with a different embedding model than the one this server uses. " +
		"Rebuild it with \"plenary index\", or start the server with the model that built it."
)

// problem is how a failed request is answered.
type problem struct {
	status  int
	heading string
	msg     string
}

// classify maps an error to its HTTP answer and logs it if it is ours
// rather than the user's. It is the one place where errors become
// statuses.
func (srv *server) classify(ctx context.Context, err error, r *http.Request) problem {
	var (
		re  *requestError
		pe  *panicError
		he  *echo.HTTPError
		log = func(msg string, level slog.Level, attrs ...any) {
			attrs = append(attrs, "err", err, "method", r.Method, "path", r.URL.Path)
			srv.log.Log(ctx, level, msg, attrs...)
		}
	)
	switch {
	case errors.As(err, &re):
		return problem{re.status, headingFor(re.status), re.msg}
	case errors.As(err, &pe):
		log("handler panicked", slog.LevelError, "stack", string(pe.stack))
		return problem{http.StatusInternalServerError, headingFor(500), msgInternal}
	case errors.Is(err, index.ErrNotFound):
		return problem{http.StatusNotFound, "Report not found", "There is no report with this ID. It may have been removed from the index."}
	case errors.Is(err, index.ErrBadQuery):
		return problem{http.StatusBadRequest, headingFor(400), "The index cannot run this query. Try other or fewer words."}
	case errors.Is(err, index.ErrEmbedderMismatch):
		log("index and embedder do not match", slog.LevelError)
		return problem{http.StatusInternalServerError, "Index needs rebuilding", msgMismatch}
	case errors.Is(err, context.DeadlineExceeded):
		log("request timed out", slog.LevelWarn)
		return problem{http.StatusServiceUnavailable, "Too slow", msgTimeout}
	case errors.Is(err, context.Canceled):
		// The client went away; nobody will read the answer.
		log("request cancelled", slog.LevelDebug)
		return problem{http.StatusServiceUnavailable, "Cancelled", msgTimeout}
	case errors.As(err, &he):
		if he.Code >= 500 {
			log("request failed", slog.LevelError)
			return problem{he.Code, headingFor(he.Code), msgInternal}
		}
		return problem{he.Code, headingFor(he.Code), messageFor(he.Code)}
	default:
		log("request failed", slog.LevelError)
		return problem{http.StatusInternalServerError, headingFor(500), msgInternal}
	}
}

// headingFor is the title of an error page.
func headingFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "Bad request"
	case http.StatusNotFound:
		return "Not found"
	case http.StatusInternalServerError:
		return "Internal error"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// messageFor explains the client errors that echo itself returns.
func messageFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is no page at this address."
	case http.StatusMethodNotAllowed:
		return "This address only answers GET requests."
	case http.StatusRequestEntityTooLarge:
		return "The request is too large."
	}
	return "The request could not be answered."
}

// wantsJSON reports whether errors for this request are answered in JSON.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/healthz"
}

// handleError is the server's echo HTTPErrorHandler: every error a
// handler or middleware returns ends here, is logged if it is internal,
// and is answered as JSON under /api/ and as an HTML page elsewhere.
func (srv *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	p := srv.classify(r.Context(), err, r)
	noStore(c)

	var werr error
	if wantsJSON(r) {
		werr = writeJSON(c, p.status, apiError{Error: p.msg})
	} else {
		werr = srv.renderCtx(context.WithoutCancel(r.Context()), c, p.status, view.ErrorView(view.ErrorPage{
			Page:    srv.page(p.heading, "", ""),
			Status:  p.status,
			Heading: p.heading,
			Message: p.msg,
		}))
		if werr != nil {
			// The error page itself failed to render: answer in plain text
			// so that the client still learns the status.
			srv.log.ErrorContext(r.Context(), "rendering error page", "err", werr)
			werr = c.String(p.status, p.msg)
		}
	}
	if werr != nil {
		srv.log.WarnContext(r.Context(), "writing error response", "err", werr, "path", r.URL.Path)
	}
}
