package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/plenary-search/plenary/embed/spec"
	"github.com/plenary-search/plenary/index"
)

// Environment variables that give flags their defaults. A flag given on the
// command line always wins.
const (
	envData        = "PLENARY_DATA"
	envAddr        = "PLENARY_ADDR"
	envDocs        = "PLENARY_DOCS"
	envLogLevel    = "PLENARY_LOG_LEVEL"
	envLogFormat   = "PLENARY_LOG_FORMAT"
	envMaxFileSize = "PLENARY_MAX_FILE_SIZE"
	envEmbedder    = "PLENARY_EMBEDDER"
)

const (
	defaultAddr        = "127.0.0.1:8080"
	defaultMaxFileSize = 32 << 20
	defaultK           = 10
)

// errUsage marks a command line that cannot be run; main exits with status 2.
// The usage text has already been printed when it is returned.
var errUsage = errors.New("usage error")

// errUnknownCommand is returned, wrapping errUsage, for a subcommand that
// does not exist; the caller prints the list of commands.
var errUnknownCommand = fmt.Errorf("%w: unknown command", errUsage)

// errBadEnv is returned, wrapping errUsage, for an environment variable
// whose value cannot be used; the message has been printed.
var errBadEnv = fmt.Errorf("%w: bad environment", errUsage)

// config is everything a subcommand needs, parsed from the command line with
// environment fallbacks. Only the fields of the chosen subcommand are set.
type config struct {
	Command   string
	LogLevel  slog.Level
	LogFormat string // "text" or "json"

	DataDir string
	// Embedder is an embed/spec spec; empty means the one the index
	// records, or the built-in model for a new index.
	Embedder    string
	MaxFileSize int64
	Paths       []string // index: files and folders to index

	Addr            string
	Docs            []string // serve: folders indexed before serving
	ReloadInterval  time.Duration
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration
	Pprof           bool

	JSON     bool
	K        int
	Mode     index.Mode
	Question string
	// Why prints, under each hit of search, which retrievers found it.
	Why bool

	Dataset string       // eval: a BEIR-format folder
	Modes   []index.Mode // eval: the modes to measure, in table order

	HealthURL string
}

// commonFlags are accepted by every subcommand, so that
// "plenary index --log-level debug" works as well as
// "plenary --log-level debug index".
type commonFlags struct {
	logLevel  string
	logFormat string
}

// register adds --log-level and --log-format to fs with the given defaults.
func (c *commonFlags) register(fs *flag.FlagSet, def commonFlags) {
	fs.StringVar(&c.logLevel, "log-level", def.logLevel, "log `LEVEL`: debug, info, warn or error (env "+envLogLevel+")")
	fs.StringVar(&c.logFormat, "log-format", def.logFormat, "log format: text or json (env "+envLogFormat+")")
}

// envCommonFlags returns the defaults of the common flags from the
// environment.
func envCommonFlags(getenv func(string) string) commonFlags {
	return commonFlags{
		logLevel:  envOr(getenv, envLogLevel, "info"),
		logFormat: envOr(getenv, envLogFormat, "text"),
	}
}

func (c *commonFlags) apply(cfg *config) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", c.logLevel)
	}
	cfg.LogLevel = lvl
	switch f := strings.ToLower(c.logFormat); f {
	case "text", "json":
		cfg.LogFormat = f
	default:
		return fmt.Errorf("invalid --log-format %q: want text or json", c.logFormat)
	}
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// defaultDataDir follows the XDG base directory convention so that a user
// who never passes --data still gets one stable index.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv(envData); d != "" {
		return d
	}
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "plenary")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "plenary")
	}
	return ""
}

// indexFlags registers --data and --embedder, which say which index to use
// and how its passages were embedded. --data is checked after parsing
// because its default is empty when neither the environment nor HOME is
// set.
func indexFlags(fs *flag.FlagSet, getenv func(string) string, cfg *config) {
	fs.StringVar(&cfg.DataDir, "data", defaultDataDir(getenv), "data directory `DIR` holding the index (env "+envData+")")
	fs.StringVar(&cfg.Embedder, "embedder", envOr(getenv, envEmbedder, ""),
		"embedding model `SPEC`: "+spec.Usage+"; default: the one the index was built with, builtin for a new index; "+
			"another one than built the index is refused (see plenary reindex) (env "+envEmbedder+")")
}

// maxFileSizeFlag registers --max-file-size with its default from the
// environment. It returns an error when that default is not a size, rather
// than silently using another limit.
func maxFileSizeFlag(fs *flag.FlagSet, getenv func(string) string, dst *int64, usage string) error {
	*dst = defaultMaxFileSize
	if v := getenv(envMaxFileSize); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return fmt.Errorf("%s: %w", envMaxFileSize, err)
		}
		*dst = n
	}
	fs.Var(sizeFlag{dst}, "max-file-size", usage+" (env "+envMaxFileSize+")")
	return nil
}

func requireData(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return errors.New("no data directory: pass --data DIR or set " + envData)
	}
	return nil
}

// sizeFlag is a byte count that accepts units, such as 32MiB or 500kB.
type sizeFlag struct{ n *int64 }

func (s sizeFlag) String() string {
	if s.n == nil {
		return ""
	}
	return formatSize(*s.n)
}

func (s sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s.n = n
	return nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	// Longest suffixes first so that "MiB" is not read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// parseSize reads a positive byte count with an optional unit: B, kB, MB,
// GB (powers of 1000), KiB, MiB, GiB or K, M, G (powers of 1024).
func parseSize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s = strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			mult = u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	// Written so that NaN fails too.
	if n := f * float64(mult); err != nil || !(n >= 1 && n <= 1<<62) {
		return 0, fmt.Errorf("invalid size %q: want a positive number of bytes with an optional unit such as 32MiB", v)
	}
	return int64(f * float64(mult)), nil
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// listFlag collects a repeatable flag whose values may also be comma
// separated: --docs a --docs b,c gives [a b c].
type listFlag struct {
	vals *[]string
	set  bool // the command line replaces the environment's default
}

func (l *listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set {
		*l.vals = nil
		l.set = true
	}
	*l.vals = append(*l.vals, splitList(v)...)
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseArgs parses flags anywhere among the positional arguments, so that
// "plenary search who presided -k 3" works; "--" ends flag parsing.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints usage made of a synopsis, a description and the flag defaults.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: plenary %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseCommand parses the arguments of one subcommand into a config. args
// start after the subcommand's name. It returns flag.ErrHelp when help was
// asked for, and an error wrapping errUsage for a bad command line (in both
// cases the usage text has been written to stderr).
func parseCommand(cmd string, args []string, getenv func(string) string, stderr io.Writer, common commonFlags) (config, error) {
	cfg := config{Command: cmd}
	var fs *flag.FlagSet
	var check func(pos []string) error

	switch cmd {
	case "index":
		fs = newFlagSet(cmd, "[flags] PATH...", `
Index reports from files and folders into the data directory. Indexing is
incremental: unchanged files are not embedded again, changed files are
re-indexed, and files that disappeared from an indexed folder are removed.
Files that cannot be read are skipped with a reason on stderr.`, stderr)
		indexFlags(fs, getenv, &cfg)
		if err := maxFileSizeFlag(fs, getenv, &cfg.MaxFileSize, "skip files larger than `SIZE`, e.g. 500kB or 32MiB"); err != nil {
			fmt.Fprintf(stderr, "plenary %s: %v\n", cmd, err)
			return cfg, fmt.Errorf("%w: %w", errBadEnv, err)
		}
		check = func(pos []string) error {
			if len(pos) == 0 {
				return errors.New("no PATH to index")
			}
			cfg.Paths = pos
			return requireData(cfg.DataDir)
		}

	case "serve":
		fs = newFlagSet(cmd, "[flags]", `
Serve the search pages and the JSON API. With --docs, index those files and
folders first. The server picks up changes made by "plenary index" in
another process, and shuts down gracefully on SIGINT or SIGTERM.`, stderr)
		indexFlags(fs, getenv, &cfg)
		fs.StringVar(&cfg.Addr, "addr", envOr(getenv, envAddr, defaultAddr), "`HOST:PORT` to listen on; port 0 picks a free port (env "+envAddr+")")
		cfg.Docs = splitList(getenv(envDocs))
		fs.Var(&listFlag{vals: &cfg.Docs}, "docs", "file or folder to index before serving; repeatable or comma separated `PATH`s (env "+envDocs+")")
		if err := maxFileSizeFlag(fs, getenv, &cfg.MaxFileSize, "with --docs, skip files larger than `SIZE`"); err != nil {
			fmt.Fprintf(stderr, "plenary %s: %v\n", cmd, err)
			return cfg, fmt.Errorf("%w: %w", errBadEnv, err)
		}
		fs.DurationVar(&cfg.ReloadInterval, "reload-interval", 5*time.Second, "how often to look for an index updated by another process (0 disables)")
		fs.DurationVar(&cfg.DrainDelay, "drain-delay", time.Second, "on SIGINT/SIGTERM, keep answering this long (with /healthz at 503) before closing the listener, so requests already queued are not dropped")
		fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to wait for in-flight requests on shutdown")
		pprofDefault, err := pprofEnabled(getenv)
		if err != nil {
			fmt.Fprintf(stderr, "plenary %s: %v\n", cmd, err)
			return cfg, fmt.Errorf("%w: %w", errBadEnv, err)
		}
		fs.BoolVar(&cfg.Pprof, "pprof", pprofDefault, "serve Go's profiler under /debug/pprof/ (off by default; never expose it) (env "+envPprof+")")
		fs.DurationVar(&cfg.RequestTimeout, "request-timeout", 30*time.Second, "time limit for answering one request")
		check = func(pos []string) error {
			if len(pos) > 0 {
				return fmt.Errorf("unexpected argument %q (did you mean --docs %s?)", pos[0], pos[0])
			}
			if cfg.ReloadInterval < 0 || cfg.DrainDelay < 0 || cfg.ShutdownTimeout < 0 || cfg.RequestTimeout <= 0 {
				return errors.New("durations must not be negative and --request-timeout must be positive")
			}
			return requireData(cfg.DataDir)
		}

	case "search":
		fs = newFlagSet(cmd, "[flags] QUESTION...", `
Answer a question from the index with ranked passages: title, date, place,
score, the link to the passage, and a snippet with the matching words
emphasised. QUESTION "-" reads the question from standard input.`, stderr)
		indexFlags(fs, getenv, &cfg)
		fs.BoolVar(&cfg.JSON, "json", false, "print JSON in the same shape as GET /api/search")
		fs.IntVar(&cfg.K, "k", defaultK, "number of passages to print")
		mode := fs.String("mode", "hybrid", "`MODE`: hybrid (vectors and BM25 fused), vector or lexical")
		fs.BoolVar(&cfg.Why, "why", false, "under each hit, say which retrievers found it, at what rank and score")
		check = func(pos []string) error {
			m, err := index.ParseMode(*mode)
			if err != nil {
				return fmt.Errorf("invalid --mode %q: want hybrid, vector or lexical", *mode)
			}
			cfg.Mode = m
			cfg.Question = strings.TrimSpace(strings.Join(pos, " "))
			if cfg.Question == "" {
				return errors.New("no QUESTION")
			}
			if cfg.K <= 0 {
				return fmt.Errorf("-k must be positive, not %d", cfg.K)
			}
			return requireData(cfg.DataDir)
		}

	case "eval":
		fs = newFlagSet(cmd, "--dataset DIR [flags]", `
Measure retrieval quality on a test collection in the BEIR layout:
corpus.jsonl, queries.jsonl and qrels.tsv in DIR. The corpus is indexed
into a temporary data directory, removed afterwards, or into --data if
given (reused incrementally), then every judged query is run in each mode
and the rankings of reports are scored: nDCG@10, MAP@100, Recall@100 and
MRR@10, averaged over the queries. Progress goes to stderr, the table (or
JSON with --json) to stdout.`, stderr)
		fs.StringVar(&cfg.Dataset, "dataset", "", "test collection folder `DIR` (corpus.jsonl, queries.jsonl, qrels.tsv)")
		// No environment fallback for --data: indexing a test collection
		// into the user's own index would mix it with their reports.
		fs.StringVar(&cfg.DataDir, "data", "", "data directory `DIR` to index into and keep (default: a temporary one)")
		fs.StringVar(&cfg.Embedder, "embedder", envOr(getenv, envEmbedder, ""),
			"embedding model `SPEC`: "+spec.Usage+"; default: the one a --data index was built with, else builtin (env "+envEmbedder+")")
		fs.BoolVar(&cfg.JSON, "json", false, `print {"dataset","queries","results":{MODE:{"ndcg@10","map@100","recall@100","mrr@10"}}}`)
		fs.IntVar(&cfg.K, "k", index.MaxK, fmt.Sprintf("number of reports ranked per query, 1 to %d", index.MaxK))
		mode := fs.String("mode", "all", "`MODE`s to measure: all, or hybrid, vector, lexical (comma separated)")
		check = func(pos []string) error {
			if len(pos) > 0 {
				return fmt.Errorf("unexpected argument %q (did you mean --dataset %s?)", pos[0], pos[0])
			}
			if strings.TrimSpace(cfg.Dataset) == "" {
				return errors.New("no --dataset DIR")
			}
			if cfg.K < 1 || cfg.K > index.MaxK {
				return fmt.Errorf("-k must be from 1 to %d, not %d", index.MaxK, cfg.K)
			}
			m, err := parseEvalModes(*mode)
			cfg.Modes = m
			return err
		}

	case "reindex":
		fs = newFlagSet(cmd, "--embedder SPEC [flags]", `
Re-embed every passage of an existing index with another embedding model,
for example to move from the built-in model to an ONNX one or back.
Reports, passages, their links and the keyword index stay as they are.
The new vectors replace the old ones in one commit: until it lands, and
if it is interrupted, the index stays usable as it was, and running the
command again starts over. Servers keep answering meanwhile and must be
restarted with the new model afterwards (without --embedder they pick up
the one the index records).`, stderr)
		fs.StringVar(&cfg.DataDir, "data", defaultDataDir(getenv), "data directory `DIR` holding the index (env "+envData+")")
		fs.StringVar(&cfg.Embedder, "embedder", envOr(getenv, envEmbedder, ""), "embedding model `SPEC` to re-embed with: "+spec.Usage+" (env "+envEmbedder+")")
		check = func(pos []string) error {
			if len(pos) > 0 {
				return fmt.Errorf("unexpected argument %q", pos[0])
			}
			if strings.TrimSpace(cfg.Embedder) == "" {
				return errors.New("no --embedder SPEC to re-embed with")
			}
			return requireData(cfg.DataDir)
		}

	case "healthcheck":
		fs = newFlagSet(cmd, "[flags]", `
Check that a running server answers GET /healthz. Exit status 0 when it is
healthy, 1 otherwise. Used by the Docker HEALTHCHECK.`, stderr)
		fs.StringVar(&cfg.HealthURL, "addr", envOr(getenv, envAddr, defaultAddr), "server `HOST:PORT` or URL (env "+envAddr+")")
		check = func(pos []string) error {
			if len(pos) > 0 {
				return fmt.Errorf("unexpected argument %q", pos[0])
			}
			u, err := healthURL(cfg.HealthURL)
			cfg.HealthURL = u
			return err
		}

	case "version":
		fs = newFlagSet(cmd, "", "Print the version of plenary.", stderr)
		check = func(pos []string) error {
			if len(pos) > 0 {
				return fmt.Errorf("unexpected argument %q", pos[0])
			}
			return nil
		}

	default:
		return cfg, fmt.Errorf("%w %q", errUnknownCommand, cmd)
	}

	// Flags given before the subcommand are the defaults after it.
	var sub commonFlags
	sub.register(fs, common)

	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, flag.ErrHelp
		}
		return cfg, fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := sub.apply(&cfg); err != nil {
		fmt.Fprintf(stderr, "plenary %s: %v\n", cmd, err)
		fs.Usage()
		return cfg, fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := check(pos); err != nil {
		fmt.Fprintf(stderr, "plenary %s: %v\n", cmd, err)
		fs.Usage()
		return cfg, fmt.Errorf("%w: %w", errUsage, err)
	}
	return cfg, nil
}
