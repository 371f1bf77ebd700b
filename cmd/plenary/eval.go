package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/index/eval"
)

// evalModes is the order in which "--mode all" runs the modes and the
// order of the table and the JSON: the baseline first, fusion last.
var evalModes = []index.Mode{index.ModeLexical, index.ModeVector, index.ModeHybrid}

// parseEvalModes reads --mode of eval: "all", or one or more of hybrid,
// vector and lexical separated by commas. It returns the modes in
// evalModes order without repeats.
func parseEvalModes(s string) ([]index.Mode, error) {
	if strings.TrimSpace(s) == "all" {
		return evalModes, nil
	}
	want := map[index.Mode]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		m, err := index.ParseMode(name)
		if err != nil {
			return nil, fmt.Errorf("invalid --mode %q: want all, or hybrid, vector or lexical (comma separated)", s)
		}
		want[m] = true
	}
	var out []index.Mode
	for _, m := range evalModes {
		if want[m] {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("invalid --mode %q: want all, or hybrid, vector or lexical (comma separated)", s)
	}
	return out, nil
}

// modeResult is what one mode measured.
type modeResult struct {
	Mode    index.Mode
	Metrics eval.Metrics
	Took    time.Duration
	// Failed counts queries the index refused (empty or too long); they
	// score zero, as a missing ranking does.
	Failed int
}

// evalReport is the outcome of "plenary eval".
type evalReport struct {
	Dataset string
	Queries int // judged queries, over which the metrics are averaged
	Index   time.Duration
	Results []modeResult
}

// MarshalJSON writes {"dataset","queries","results":{mode: metrics}},
// the modes in the order they ran, with metrics rounded to four decimals
// (more digits than that are noise for collections of tens of queries).
func (r evalReport) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteString(`{"dataset":`)
	name, err := json.Marshal(r.Dataset)
	if err != nil {
		return nil, err
	}
	b.Write(name)
	fmt.Fprintf(&b, `,"queries":%d,"results":{`, r.Queries)
	for i, m := range r.Results {
		if i > 0 {
			b.WriteByte(',')
		}
		mj, err := json.Marshal(eval.Metrics{
			NDCG10:    round4(m.Metrics.NDCG10),
			MAP100:    round4(m.Metrics.MAP100),
			Recall100: round4(m.Metrics.Recall100),
			MRR10:     round4(m.Metrics.MRR10),
		})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", m.Mode, mj)
	}
	b.WriteString("}}")
	return []byte(b.String()), nil
}

func round4(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*1e4) / 1e4
}

// runEval indexes a BEIR-format test collection and measures every mode
// of cfg.Modes on its judged queries, printing a table or JSON on stdout
// and progress on stderr. It returns an error naming the file and line
// for a missing or malformed dataset file, and an error when the index
// cannot be built or a query cannot be run.
func runEval(ctx context.Context, cfg config, stdout, stderr io.Writer, getenv func(string) string, log *slog.Logger) error {
	ds, err := eval.Load(cfg.Dataset)
	if err != nil {
		return fmt.Errorf("load dataset %s: %w", cfg.Dataset, err)
	}
	// A malformed corpus line would only be skipped by ingest, which
	// quietly lowers every score; check the whole file before indexing.
	ndocs := 0
	if err := eval.ReadCorpus(ctx, ds.CorpusPath(), func(eval.CorpusDoc) error { ndocs++; return nil }); err != nil {
		return fmt.Errorf("load dataset %s: %w", cfg.Dataset, err)
	}
	if ndocs == 0 {
		return fmt.Errorf("load dataset %s: %s has no documents", cfg.Dataset, ds.CorpusPath())
	}

	if cfg.DataDir == "" {
		// TMPDIR is read through getenv, as every setting is, so that
		// tests can see the directory go.
		dir, err := os.MkdirTemp(getenv("TMPDIR"), "plenary-eval-")
		if err != nil {
			return fmt.Errorf("create a temporary data directory: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	ix, closeIndex, err := openIndex(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	rep, err := evaluate(ctx, ix, ds, cfg, stderr, log)
	if cerr := closeIndex(); cerr != nil && err == nil {
		err = fmt.Errorf("close index: %w", cerr)
	}
	if err != nil {
		return err
	}
	if cfg.JSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	return writeEvalTable(stdout, rep)
}

// evaluate indexes the dataset's corpus into ix and runs its judged
// queries in every mode of cfg.Modes.
func evaluate(ctx context.Context, ix *index.Index, ds *eval.Dataset, cfg config, stderr io.Writer, log *slog.Logger) (evalReport, error) {
	rep := evalReport{Dataset: ds.Name}
	// The summary goes to stderr with the progress: stdout is for the
	// results only, so that --json output can be piped.
	ur, err := indexPaths(ctx, ix, []string{ds.CorpusPath()}, cfg.MaxFileSize, stderr, stderr, log)
	if err != nil {
		return rep, err
	}
	rep.Index = ur.Duration
	if ur.Added+ur.Changed+ur.Unchanged == 0 {
		return rep, fmt.Errorf("no document of %s could be indexed", ds.CorpusPath())
	}

	var queries []eval.Query
	for _, q := range ds.Queries {
		if judged(ds.Qrels[q.ID]) {
			queries = append(queries, q)
		}
	}
	rep.Queries = len(queries)
	if len(queries) == 0 {
		return rep, fmt.Errorf("no query of %s has a relevant judgment in qrels.tsv", ds.Name)
	}

	for _, mode := range cfg.Modes {
		prog := newQueryProgress(stderr, mode, len(queries), isTerminal(stderr), 5*time.Second, time.Now)
		start := time.Now()
		runs := make(map[string][]string, len(queries))
		failed := 0
		for i, q := range queries {
			ids, err := ix.RankDocuments(ctx, q.Text, mode, cfg.K)
			switch {
			case errors.Is(err, index.ErrBadQuery):
				// An empty or over-long query is the collection's quirk,
				// not a reason to lose the other measurements.
				failed++
				fmt.Fprintf(stderr, "query %s not run: %v\n", q.ID, err)
			case err != nil:
				prog.done()
				return rep, fmt.Errorf("mode %s: query %s: %w", mode, q.ID, err)
			default:
				runs[q.ID] = ids
			}
			prog.update(i + 1)
		}
		prog.done()
		rep.Results = append(rep.Results, modeResult{
			Mode:    mode,
			Metrics: eval.Score(ds, runs),
			Took:    time.Since(start),
			Failed:  failed,
		})
	}
	return rep, nil
}

// judged reports whether a query has at least one relevant document, as
// eval.Score requires to count it.
func judged(rels map[string]int) bool {
	for _, g := range rels {
		if g >= 1 {
			return true
		}
	}
	return false
}

// writeEvalTable prints one row per mode: the four measures, the number
// of queries and how long they took.
func writeEvalTable(w io.Writer, r evalReport) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "dataset %s: %d judged queries, indexed in %s\n\n", r.Dataset, r.Queries, roundDuration(r.Index))
	fmt.Fprintf(bw, "%-8s  %7s  %7s  %10s  %6s  %7s  %8s\n", "mode", "nDCG@10", "MAP@100", "Recall@100", "MRR@10", "queries", "time")
	for _, m := range r.Results {
		fmt.Fprintf(bw, "%-8s  %7.4f  %7.4f  %10.4f  %6.4f  %7d  %8s\n",
			m.Mode, m.Metrics.NDCG10, m.Metrics.MAP100, m.Metrics.Recall100, m.Metrics.MRR10, r.Queries-m.Failed, roundDuration(m.Took))
	}
	for _, m := range r.Results {
		if m.Failed > 0 {
			fmt.Fprintf(bw, "\n%s: %d queries could not be run and score zero.\n", m.Mode, m.Failed)
		}
	}
	return bw.Flush()
}

// roundDuration keeps three significant places of a duration, so that a
// sub-millisecond run does not print as 0s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// queryProgress shows "mode hybrid: 40/83 queries" on stderr: rewritten
// in place on a terminal; otherwise a line every interval and one at the
// end, so that logs of a long run stay short.
type queryProgress struct {
	w        io.Writer
	mode     index.Mode
	total    int
	term     bool
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	start time.Time
	last  time.Time
	n     int
}

func newQueryProgress(w io.Writer, mode index.Mode, total int, term bool, interval time.Duration, now func() time.Time) *queryProgress {
	t := now()
	return &queryProgress{w: w, mode: mode, total: total, term: term, interval: interval, now: now, start: t, last: t}
}

// update reports that n queries have been run.
func (p *queryProgress) update(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n = n
	if p.term {
		fmt.Fprintf(p.w, "\rmode %s: %d/%d queries", p.mode, n, p.total)
		return
	}
	if now := p.now(); now.Sub(p.last) >= p.interval {
		p.last = now
		fmt.Fprintf(p.w, "mode %s: %d/%d queries\n", p.mode, n, p.total)
	}
}

// done ends the progress with how many queries ran and how long they took.
func (p *queryProgress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := roundDuration(p.now().Sub(p.start))
	if p.term {
		fmt.Fprintf(p.w, "\rmode %s: %d/%d queries in %s\n", p.mode, p.n, p.total, took)
		return
	}
	fmt.Fprintf(p.w, "mode %s: %d/%d queries in %s\n", p.mode, p.n, p.total, took)
}
