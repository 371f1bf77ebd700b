package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/static"
	"github.com/plenary-search/plenary/web/view"
)

// DefaultRequestTimeout bounds every request when Options.RequestTimeout
// is not set.
const DefaultRequestTimeout = 10 * time.Second

// Options configures NewServer.
type Options struct {
	// Logger receives request logs and internal errors. Nil discards them.
	Logger *slog.Logger
	// RequestTimeout bounds each request through its context; a search
	// that exceeds it answers 503. Zero or negative means
	// DefaultRequestTimeout. The http.Server's own timeouts are set by the
	// caller.
	RequestTimeout time.Duration
	// Version is shown in the page footer when not empty.
	Version string
}

// server holds what the handlers share. It is built once by NewServer and
// never changed afterwards, so handlers may run concurrently.
type server struct {
	searcher Searcher
	log      *slog.Logger
	assets   *assets
	version  string
}

// NewServer returns an echo instance serving Plenary's pages, JSON API and
// static files, with its middleware and error handler installed. It reads
// no global state and changes none; s must not be nil. The result is an
// http.Handler for the caller's http.Server.
func NewServer(s Searcher, opts Options) *echo.Echo {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := opts.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	srv := &server{
		searcher: s,
		log:      log,
		assets:   loadAssets(static.FS(), log),
		version:  opts.Version,
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = srv.handleError

	e.Use(
		securityHeaders,
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
			// The error handler runs inside the logger so that the logged
			// status is the one the client received.
			HandleError:   true,
			LogStatus:     true,
			LogMethod:     true,
			LogURIPath:    true,
			LogLatency:    true,
			LogRoutePath:  true,
			LogValuesFunc: srv.logRequest,
		}),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			// The panic and its stack go to the error handler, which logs
			// them once with everything else.
			DisableErrorHandler: true,
			LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
				return &panicError{err: err, stack: stack}
			},
		}),
		middleware.BodyLimit("1M"),
		middleware.ContextTimeout(timeout),
	)
	srv.routes(e)
	return e
}

// routes is the one table of every URL the server answers. Every route
// answers GET and HEAD.
func (srv *server) routes(e *echo.Echo) {
	get := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
	}
	get("/", srv.handleHome)
	get("/search", srv.handleSearch)
	// Report IDs contain slashes, so the report routes take the rest of
	// the path and parse it themselves (see docIDFromPath).
	get("/doc/*", srv.handleDocument)

	get("/api/search", srv.handleAPISearch)
	get("/api/docs/*", srv.handleAPIDoc) // also .../similar
	get("/api/stats", srv.handleAPIStats)
	get("/healthz", srv.handleHealth)

	get("/static/:name", srv.handleStatic)
	get("/favicon.ico", srv.handleFavicon)
}

// page returns the layout's view model for a page titled title, whose
// header search box holds query and mode.
func (srv *server) page(title, query string, mode index.Mode) view.Page {
	return view.Page{
		Title:   title,
		Query:   query,
		Mode:    string(mode),
		Assets:  srv.assets.urls,
		Version: srv.version,
	}
}
