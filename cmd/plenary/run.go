package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...". When it
// is empty the module version and VCS revision from the build info are used.
var version string

const usageText = `Plenary: semantic search over meeting reports.

Usage:
  plenary [--log-level LEVEL] [--log-format text|json] COMMAND [flags] [args]

Commands:
  index        index reports from files and folders (incremental)
  reindex      re-embed an index with another embedding model
  serve        serve the search pages and the JSON API
  search       answer a question from the command line
  eval         measure retrieval quality on a BEIR-format test collection
  healthcheck  check that a running server is healthy
  version      print the version

Run "plenary COMMAND -h" for the flags of a command.

Environment:
  PLENARY_DATA           data directory (default $XDG_DATA_HOME/plenary or ~/.local/share/plenary)
  PLENARY_ADDR           serve: listen address; healthcheck: server address (default 127.0.0.1:8080)
  PLENARY_DOCS           serve: comma-separated files and folders to index before serving
  PLENARY_MAX_FILE_SIZE  skip files larger than this (default 32MiB)
  PLENARY_EMBEDDER       embedding model: builtin, onnx:DIR, hf:ORG/NAME, ollama:MODEL, openai:MODEL
                         (default: the one the index was built with; builtin for a new index)
  PLENARY_CACHE          where models for --embedder hf:... are kept (default ~/.cache/plenary)
  PLENARY_ONNX_RUNTIME   what runs onnx: and hf: models: go, or ort in builds made with make build-ort
                         (default: ort when built in and its library loads, else go)
  PLENARY_ORT_LIBRARY    path of libonnxruntime.so for ort (default: the loader's search path)
  PLENARY_LOG_LEVEL      debug, info, warn or error (default info)
  PLENARY_LOG_FORMAT     text or json (default text)
`

// run is the whole program behind main, with its inputs passed in so that
// tests can drive it. args exclude the program name. It returns an error
// wrapping errUsage for a bad command line, flag.ErrHelp when help was
// printed, and other errors when the command failed.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	top := flag.NewFlagSet("plenary", flag.ContinueOnError)
	top.SetOutput(stderr)
	top.Usage = func() { fmt.Fprint(stderr, usageText) }
	var common commonFlags
	common.register(top, envCommonFlags(getenv))
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	rest := top.Args()
	if len(rest) == 0 {
		top.Usage()
		return fmt.Errorf("%w: no command", errUsage)
	}
	if rest[0] == "help" {
		if len(rest) > 1 {
			_, err := parseCommand(rest[1], []string{"-h"}, getenv, stderr, common)
			if errors.Is(err, errUnknownCommand) {
				fmt.Fprintf(stderr, "plenary: unknown command %q\n\n", rest[1])
				top.Usage()
			}
			return err
		}
		fmt.Fprint(stdout, usageText)
		return nil
	}

	cfg, err := parseCommand(rest[0], rest[1:], getenv, stderr, common)
	if err != nil {
		if errors.Is(err, errUnknownCommand) {
			fmt.Fprintf(stderr, "plenary: unknown command %q\n\n", rest[0])
			top.Usage()
		}
		return err
	}

	logger := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	switch cfg.Command {
	case "index":
		return runIndex(ctx, cfg, stdout, stderr, getenv, logger)
	case "reindex":
		return runReindex(ctx, cfg, stdout, stderr, getenv, logger)
	case "serve":
		return runServe(ctx, cfg, stdout, stderr, getenv, logger)
	case "search":
		return runSearch(ctx, cfg, stdin, stdout, getenv, logger)
	case "eval":
		return runEval(ctx, cfg, stdout, stderr, getenv, logger)
	case "healthcheck":
		return runHealthcheck(ctx, cfg, stdout)
	case "version":
		_, err := fmt.Fprintf(stdout, "plenary %s\n", versionString())
		return err
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cfg.Command)
}

// exitCode reports err on stderr, unless it was already reported as usage,
// and returns the process exit status: 0 for success and help, 2 for a bad
// command line, 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "plenary: %v\n", err)
	return 1
}

// newLogger builds the one logger of the process. Logs go to stderr so that
// stdout carries only results (search hits, JSON, the index summary).
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// versionString returns the version set at link time, or else what the Go
// toolchain recorded: the module version for "go install", the VCS revision
// for a build from a checkout.
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return "devel-" + rev + modified
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}

// isTerminal reports whether w is a terminal, for progress bars and bold
// snippets; anything that is not an *os.File (a test buffer, a pipe
// wrapper) is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
