package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errUsage marks a bad command line; main exits with status 2.
var errUsage = errors.New("usage error")

type config struct {
	BaseURL     string
	Questions   string // file, one question per line
	Corpus      string // folder of .txt or a .jsonl file
	N           int
	Concurrency int
	K           int
	Warmup      int
	PID         int
	Timeout     time.Duration
	// Duration, when positive, runs the load for this long instead of N
	// requests.
	Duration time.Duration
	// Mix weighs the kinds of request; the zero value sends only searches.
	Mix mix
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("plenary-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: plenary-load --url URL (--questions FILE | --corpus PATH) [flags]

Send N requests (or requests for --duration) from C concurrent clients to a
running Plenary server and print latency percentiles (p50, p95, p99),
requests per second and, with --pid, the server's resident memory. By
default every request is a search; --mix adds result pages, report pages
and similar-report lists, e.g. --mix search=4,page=2,doc=2,similar=2.
Any answer but a 200 with a whole page or a JSON results list is an error,
and errors make the exit status 1.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.BaseURL, "url", "http://127.0.0.1:8080", "base URL of the server")
	fs.StringVar(&c.Questions, "questions", "", "file of questions, one per line (# starts a comment)")
	fs.StringVar(&c.Corpus, "corpus", "", "folder of .txt reports or a .jsonl corpus to make questions from")
	fs.IntVar(&c.N, "n", 100, "number of measured requests")
	fs.IntVar(&c.Concurrency, "c", 1, "number of concurrent clients")
	fs.IntVar(&c.K, "k", 10, "results per request")
	fs.IntVar(&c.Warmup, "warmup", 5, "requests sent and not measured before the run")
	fs.IntVar(&c.PID, "pid", 0, "server process ID, to report its VmRSS and VmHWM after the run (Linux)")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "time limit for one request")
	fs.DurationVar(&c.Duration, "duration", 0, "run for this long instead of -n requests (e.g. 60s)")
	mixSpec := fs.String("mix", "search=1", "kinds of request and their weights: search (GET /api/search), page (GET /search), "+
		"doc (GET /doc/{id}, a report page with its similar meetings), similar (GET /api/docs/{id}/similar)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %w", errUsage, err)
	}
	var problem string
	switch {
	case fs.NArg() > 0:
		problem = fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case (c.Questions == "") == (c.Corpus == ""):
		problem = "give exactly one of --questions and --corpus"
	case c.N <= 0 || c.Concurrency <= 0 || c.K <= 0 || c.Warmup < 0 || c.Timeout <= 0 || c.Duration < 0:
		problem = "-n, -c, -k and --timeout must be positive, --warmup and --duration not negative"
	}
	if problem == "" {
		m, err := parseMix(*mixSpec)
		if err != nil {
			problem = err.Error()
		}
		c.Mix = m
	}
	if problem != "" {
		fmt.Fprintf(stderr, "plenary-load: %s\n", problem)
		fs.Usage()
		return c, fmt.Errorf("%w: %s", errUsage, problem)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return c, nil
}

// run loads the questions, runs the load and prints the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var qs []string
	if cfg.Questions != "" {
		qs, err = questionsFromFile(cfg.Questions)
	} else {
		qs, err = questionsFromCorpus(cfg.Corpus)
	}
	if err != nil {
		return err
	}
	if len(qs) == 0 {
		return errors.New("no questions found")
	}
	client := &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: cfg.Concurrency,
			DisableCompression:  true,
		},
	}
	l := &loader{client: client, base: cfg.BaseURL, qs: qs, k: cfg.K, mix: cfg.Mix}
	if cfg.Warmup > 0 {
		if _, err := l.run(ctx, cfg.Warmup, 0, cfg.Concurrency); err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
	}
	if cfg.Mix.needsIDs() {
		if err := l.collectIDs(ctx, 20); err != nil {
			return err
		}
	}
	res, err := l.run(ctx, cfg.N, cfg.Duration, cfg.Concurrency)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "questions=%d requests=%d concurrency=%d errors=%d duration=%s req/s=%.1f\n",
		len(qs), res.requests(), cfg.Concurrency, res.errors, res.elapsed.Round(time.Millisecond), res.rate())
	if len(res.latencies) > 0 {
		fmt.Fprintf(stdout, "latency p50=%s p95=%s p99=%s max=%s\n",
			fmtDur(percentile(res.latencies, 50)), fmtDur(percentile(res.latencies, 95)),
			fmtDur(percentile(res.latencies, 99)), fmtDur(percentile(res.latencies, 100)))
	}
	if len(cfg.Mix.kinds()) > 1 {
		for _, k := range cfg.Mix.kinds() {
			ls := res.byKind[k]
			fmt.Fprintf(stdout, "kind=%s requests=%d errors=%d p50=%s p95=%s p99=%s\n", k, len(ls)+res.errorsByKind[k], res.errorsByKind[k],
				fmtDur(percentile(ls, 50)), fmtDur(percentile(ls, 95)), fmtDur(percentile(ls, 99)))
		}
	}
	if res.firstErr != nil {
		fmt.Fprintf(stdout, "first error: %v\n", res.firstErr)
	}
	if cfg.PID > 0 {
		mem, err := procMemory(filepath.Join("/proc", strconv.Itoa(cfg.PID), "status"))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server pid=%d VmRSS=%s VmHWM=%s\n", cfg.PID, mem["VmRSS"], mem["VmHWM"])
	}
	if res.errors > 0 {
		return fmt.Errorf("%d of %d requests failed", res.errors, res.requests())
	}
	return nil
}

func fmtDur(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

type loadResult struct {
	latencies    []time.Duration // of successful requests, unordered
	byKind       map[string][]time.Duration
	errors       int
	errorsByKind map[string]int
	firstErr     error
	elapsed      time.Duration
}

func (r loadResult) requests() int { return len(r.latencies) + r.errors }

func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests()) / r.elapsed.Seconds()
}

// loader sends the requests of one run.
type loader struct {
	client *http.Client
	base   string
	qs     []string
	k      int
	mix    mix

	mu  sync.Mutex
	ids []string // report IDs seen in search answers, for doc and similar
}

// job is one request to send: its kind and the n-th of the run, which
// picks its question or report.
type job struct {
	kind string
	n    int
}

// run sends n requests, or, when d > 0, requests for d, from c clients at
// once, in the proportions of l.mix. Failed requests are counted, not
// fatal, so one bad answer does not hide the latency of the others; only a
// cancelled ctx stops the run early.
func (l *loader) run(ctx context.Context, n int, d time.Duration, c int) (loadResult, error) {
	jobs := make(chan job)
	var (
		mu  sync.Mutex
		res = loadResult{byKind: map[string][]time.Duration{}, errorsByKind: map[string]int{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range c {
		wg.Go(func() {
			for j := range jobs {
				t0 := time.Now()
				err := l.send(ctx, j)
				lat := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.errors++
					res.errorsByKind[j.kind]++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					res.latencies = append(res.latencies, lat)
					res.byKind[j.kind] = append(res.byKind[j.kind], lat)
				}
				mu.Unlock()
			}
		})
	}
	seq := l.mix.sequence()
	var deadline <-chan time.Time
	if d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		deadline = timer.C
	}
feed:
	for i := 0; (d > 0 || i < n) && ctx.Err() == nil; i++ {
		select {
		case jobs <- job{kind: seq[i%len(seq)], n: i}:
		case <-deadline:
			break feed
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, ctx.Err()
}

// send sends one request of job j's kind.
func (l *loader) send(ctx context.Context, j job) error {
	q := l.qs[j.n%len(l.qs)]
	switch j.kind {
	case "page":
		return l.get(ctx, "/search?"+url.Values{"q": {q}, "k": {strconv.Itoa(l.k)}}.Encode(), checkHTML)
	case "doc", "similar":
		id, ok := l.pick(j.n)
		if !ok {
			return errors.New("no report ID to ask for: no search has answered yet")
		}
		if j.kind == "doc" {
			return l.get(ctx, "/doc/"+escapeID(id), checkHTML)
		}
		return l.get(ctx, "/api/docs/"+escapeID(id)+"/similar", checkResults(nil))
	}
	return l.get(ctx, "/api/search?"+url.Values{"q": {q}, "k": {strconv.Itoa(l.k)}}.Encode(), checkResults(l.remember))
}

// escapeID escapes each segment of a report ID, whose slashes are part of
// the route.
func escapeID(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// collectIDs asks up to n questions, unmeasured, so that doc and similar
// requests have reports to ask for.
func (l *loader) collectIDs(ctx context.Context, n int) error {
	var firstErr error
	for i := 0; i < n && i < len(l.qs); i++ {
		err := l.get(ctx, "/api/search?"+url.Values{"q": {l.qs[i]}, "k": {strconv.Itoa(l.k)}}.Encode(), checkResults(l.remember))
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		if firstErr != nil {
			return fmt.Errorf("find report IDs: %w", firstErr)
		}
		return errors.New("find report IDs: no search returned a report")
	}
	return nil
}

// remember keeps the report IDs of a search answer, up to a bound.
func (l *loader) remember(ids []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if len(l.ids) >= 1000 {
			return
		}
		if id != "" && !slices.Contains(l.ids, id) {
			l.ids = append(l.ids, id)
		}
	}
}

func (l *loader) pick(n int) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return "", false
	}
	return l.ids[n%len(l.ids)], true
}

// get fetches path and checks the answer, so that fast error pages are not
// counted as fast answers.
func (l *loader) get(ctx context.Context, path string, check func([]byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+path, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: read answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 300 {
			b = b[:300]
		}
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := check(b); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// checkResults checks a JSON answer with a results list and passes the
// report IDs in it to seen, if not nil.
func checkResults(seen func([]string)) func([]byte) error {
	return func(b []byte) error {
		var body struct {
			Results []struct {
				DocID string `json:"doc_id"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
		if body.Results == nil {
			return errors.New("answer has no results list")
		}
		if seen != nil {
			ids := make([]string, 0, len(body.Results))
			for _, r := range body.Results {
				ids = append(ids, r.DocID)
			}
			seen(ids)
		}
		return nil
	}
}

// checkHTML checks that a page is a whole HTML document.
func checkHTML(b []byte) error {
	if !bytes.Contains(b, []byte("</html>")) {
		return errors.New("answer is not a whole HTML page")
	}
	return nil
}

// mix is the weight of each kind of request.
type mix map[string]int

// mixKinds are the kinds of request, in the order they are reported.
var mixKinds = []string{"search", "page", "doc", "similar"}

// parseMix reads "search=4,doc=2": kinds and weights, comma separated.
func parseMix(spec string) (mix, error) {
	m := mix{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, w, ok := strings.Cut(part, "=")
		if !ok {
			w = "1"
		}
		n, err := strconv.Atoi(w)
		if !slices.Contains(mixKinds, k) || err != nil || n < 0 || n > 100 {
			return nil, fmt.Errorf("bad --mix %q: want KIND=WEIGHT,... with KIND one of %s and WEIGHT 0 to 100", spec, strings.Join(mixKinds, ", "))
		}
		m[k] = n
	}
	if len(m.kinds()) == 0 {
		return nil, fmt.Errorf("bad --mix %q: no kind has a positive weight", spec)
	}
	return m, nil
}

// kinds lists the kinds with a positive weight, in report order; an empty
// mix means searches only.
func (m mix) kinds() []string {
	if len(m) == 0 {
		return []string{"search"}
	}
	var out []string
	for _, k := range mixKinds {
		if m[k] > 0 {
			out = append(out, k)
		}
	}
	return out
}

func (m mix) needsIDs() bool { return m["doc"] > 0 || m["similar"] > 0 }

// sequence is one round of the mix, interleaved so that every stretch of
// the run has its share of each kind: search=2,doc=1 gives search, doc,
// search.
func (m mix) sequence() []string {
	kinds := m.kinds()
	if len(m) == 0 {
		return kinds
	}
	left := map[string]int{}
	total := 0
	for _, k := range kinds {
		left[k] = m[k]
		total += m[k]
	}
	out := make([]string, 0, total)
	for len(out) < total {
		for _, k := range kinds {
			if left[k] > 0 {
				out = append(out, k)
				left[k]--
			}
		}
	}
	return out
}

// percentile returns the p-th percentile (nearest rank) of ds; it sorts ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	rank := int(p/100*float64(len(ds)) + 0.999999)
	rank = min(max(rank, 1), len(ds))
	return ds[rank-1]
}

func questionsFromFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			qs = append(qs, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read questions from %s: %w", path, err)
	}
	return qs, nil
}

// questionsFromCorpus makes one question per report: the first sentence of
// its body that has enough words to be a real question, cut to maxWords.
// Such questions have a known best answer, and their mix of names and
// phrasing is like what users type.
func questionsFromCorpus(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	var bodies []string
	if st.IsDir() {
		err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".txt") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			// The first line of a report is its title; the question comes
			// from the body.
			_, body, _ := strings.Cut(string(b), "\n")
			bodies = append(bodies, body)
			return nil
		})
	} else {
		bodies, err = jsonlTexts(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read corpus %s: %w", path, err)
	}
	var qs []string
	for _, b := range bodies {
		if q := firstSentence(b, 6, 20); q != "" {
			qs = append(qs, q)
		}
	}
	return qs, nil
}

func jsonlTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var rec struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, rec.Text)
	}
	return out, sc.Err()
}

// firstSentence returns the first sentence of text with at least minWords
// words, cut to maxWords words, or "" when there is none.
func firstSentence(text string, minWords, maxWords int) string {
	for _, para := range strings.Split(text, "\n") {
		for _, s := range splitSentences(para) {
			w := strings.Fields(s)
			if len(w) < minWords {
				continue
			}
			if len(w) > maxWords {
				w = w[:maxWords]
			}
			return strings.Join(w, " ")
		}
	}
	return ""
}

func splitSentences(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '.', '?', '!':
			if i+1 == len(p) || p[i+1] == ' ' {
				out = append(out, p[start:i+1])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(p[start:]) != "" {
		out = append(out, p[start:])
	}
	return out
}

// procMemory reads the memory lines (VmRSS, VmHWM, ...) of a
// /proc/PID/status file.
func procMemory(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read server memory: %w", err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.HasPrefix(k, "Vm") {
			out[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	if out["VmRSS"] == "" {
		return nil, fmt.Errorf("read server memory: no VmRSS in %s", path)
	}
	return out, nil
}
