package main

import (
	"bufio"
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
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("plenary-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: plenary-load --url URL (--questions FILE | --corpus PATH) [flags]

Send N search requests from C concurrent clients to a running Plenary server
and print latency percentiles (p50, p95, p99), requests per second and,
with --pid, the server's resident memory.

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
	case c.N <= 0 || c.Concurrency <= 0 || c.K <= 0 || c.Warmup < 0 || c.Timeout <= 0:
		problem = "-n, -c, -k and --timeout must be positive, --warmup not negative"
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
	if cfg.Warmup > 0 {
		if _, err := runLoad(ctx, client, cfg.BaseURL, qs, cfg.Warmup, cfg.Concurrency, cfg.K); err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
	}
	res, err := runLoad(ctx, client, cfg.BaseURL, qs, cfg.N, cfg.Concurrency, cfg.K)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "questions=%d requests=%d concurrency=%d errors=%d duration=%s req/s=%.1f\n",
		len(qs), len(res.latencies)+res.errors, cfg.Concurrency, res.errors, res.elapsed.Round(time.Millisecond), res.rate())
	if len(res.latencies) > 0 {
		fmt.Fprintf(stdout, "latency p50=%s p95=%s p99=%s max=%s\n",
			fmtDur(percentile(res.latencies, 50)), fmtDur(percentile(res.latencies, 95)),
			fmtDur(percentile(res.latencies, 99)), fmtDur(percentile(res.latencies, 100)))
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
		return fmt.Errorf("%d of %d requests failed", res.errors, cfg.N)
	}
	return nil
}

func fmtDur(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

type loadResult struct {
	latencies []time.Duration // of successful requests, unordered
	errors    int
	firstErr  error
	elapsed   time.Duration
}

func (r loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.latencies)+r.errors) / r.elapsed.Seconds()
}

// runLoad sends n searches, cycling through qs, from c clients at once.
// Failed requests are counted, not fatal, so one bad answer does not hide
// the latency of the others; only a cancelled ctx stops the run early.
func runLoad(ctx context.Context, client *http.Client, base string, qs []string, n, c, k int) (loadResult, error) {
	jobs := make(chan string)
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range c {
		wg.Go(func() {
			for q := range jobs {
				t0 := time.Now()
				err := search(ctx, client, base, q, k)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					res.latencies = append(res.latencies, d)
				}
				mu.Unlock()
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case jobs <- qs[i%len(qs)]:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, ctx.Err()
}

// search runs one GET /api/search and checks that the answer is JSON with
// a results list, so that fast error pages are not counted as fast answers.
func search(ctx context.Context, client *http.Client, base, q string, k int) error {
	u := base + "/api/search?" + url.Values{"q": {q}, "k": {strconv.Itoa(k)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("search %q: %w", q, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("search %q: %s: %s", q, resp.Status, strings.TrimSpace(string(b)))
	}
	var body struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("search %q: decode answer: %w", q, err)
	}
	if body.Results == nil {
		return fmt.Errorf("search %q: answer has no results list", q)
	}
	return nil
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
