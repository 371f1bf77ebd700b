package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

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

	handler := web.NewServer(ix, web.Options{
		Logger:         log,
		RequestTimeout: cfg.RequestTimeout,
		Version:        versionString(),
	})
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
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := r.Reload(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("reload index", "err", err)
		case changed:
			log.Info("index reloaded: picked up changes from another process")
		}
	}
}
