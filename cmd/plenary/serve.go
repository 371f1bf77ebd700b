package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web"
)

// runServe opens the index, indexes cfg.Docs if any, and serves until ctx
// is cancelled; then it stops accepting connections and waits up to
// cfg.ShutdownTimeout for requests in flight. It returns an error when the
// index cannot be opened, the address cannot be listened on, or the server
// fails; a shutdown asked for by ctx is not an error.
func runServe(ctx context.Context, cfg config, stdout, stderr io.Writer, getenv func(string) string, log *slog.Logger) error {
	ix, closeIndex, err := openIndex(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeIndex(); err != nil {
			log.Error("close index", "err", err)
		}
	}()

	if len(cfg.Docs) > 0 {
		if _, err := indexPaths(ctx, ix, cfg.Docs, cfg.MaxFileSize, stdout, stderr, log); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil // interrupted while indexing: nothing to serve
		}
	}

	var draining atomic.Bool
	handler := withDrain(withPprof(web.NewServer(ix, web.Options{
		Logger:         log,
		RequestTimeout: cfg.RequestTimeout,
		Version:        versionString(),
	}), cfg.Pprof), &draining)
	if cfg.Pprof {
		log.Warn("profiling endpoints are on under /debug/pprof/; do not expose this server", "env", envPprof)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// Leave room for a search that uses its whole time limit.
		WriteTimeout:   cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// Requests must outlive the signal that starts the shutdown, so that
		// Shutdown can drain them instead of having them cancelled at once.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// Tests and scripts read this line to find a port chosen with :0.
	log.Info("listening on http://"+ln.Addr().String(), "addr", ln.Addr().String(), "data", cfg.DataDir, "version", versionString())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	reloadDone := make(chan struct{})
	reloadCtx, stopReload := context.WithCancel(ctx)
	go func() {
		defer close(reloadDone)
		reloadLoop(reloadCtx, ix, cfg.ReloadInterval, log)
	}()
	defer func() {
		stopReload()
		<-reloadDone
	}()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	// Closing the listener resets connections the kernel has accepted but
	// the server has not yet taken (a busy server's backlog), so keep
	// serving for a moment first: /healthz says 503 so a load balancer
	// stops sending, and keep-alives end so clients reconnect elsewhere.
	draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	if cfg.DrainDelay > 0 {
		log.Info("draining", "for", cfg.DrainDelay.String())
		select {
		case <-time.After(cfg.DrainDelay):
		case err := <-serveErr:
			return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
		}
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down: requests still running after %s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	log.Info("stopped")
	return nil
}

// reloader is the part of the index the reload loop needs.
type reloader interface {
	Reload(ctx context.Context) (bool, error)
}

// reloadLoop picks up, every interval, an index committed by another
// process ("plenary index" run next to a server). Failures are logged and
// retried at the next tick: the server keeps answering from what it has.
func reloadLoop(ctx context.Context, r reloader, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var failing string // the last reload error, logged once until it changes
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := r.Reload(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if err.Error() == failing {
				continue
			}
			failing = err.Error()
			if errors.Is(err, index.ErrEmbedderMismatch) {
				log.Error("the index was re-embedded with another model by another process; restart the server to use it (it keeps answering from the index it has)", "err", err)
				continue
			}
			log.Warn("reload index", "err", err)
		case changed:
			failing = ""
			log.Info("index reloaded: picked up changes from another process")
		default:
			failing = ""
		}
	}
}

// envPprof turns on Go's profiling endpoints when set to a true value
// ("1", "true"). They are off by default: a profile shows the code, the
// command line and the heap, and a CPU profile costs a server core.
const envPprof = "PLENARY_PPROF"

// pprofEnabled reads envPprof. It returns an error, wrapping errUsage, for
// a value that is not a boolean.
func pprofEnabled(getenv func(string) string) (bool, error) {
	v := strings.TrimSpace(getenv(envPprof))
	if v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: invalid %s=%q: want 1, true, 0 or false", errUsage, envPprof, v)
	}
	return on, nil
}

// withPprof serves Go's profiler under /debug/pprof/ in front of h when on
// is set, and h alone otherwise. The handlers are mounted on a mux of our
// own: importing net/http/pprof also registers them on
// http.DefaultServeMux, which Plenary never serves. A CPU profile longer
// than the server's write timeout is cut off: ask for one with
// ?seconds=10.
func withPprof(h http.Handler, on bool) http.Handler {
	if !on {
		return h
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", h)
	return mux
}

// withDrain answers /healthz with 503 once draining is set, so that a
// health check or load balancer stops routing to a server that is about to
// stop; every other request is still served.
func withDrain(h http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && draining.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"draining"}`+"\n")
			return
		}
		h.ServeHTTP(w, r)
	})
}
