package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/index/eval"
)

// beirFixture is the tiny collection whose lexical scores were worked out
// by hand in testdata/beir/README.md.
var beirFixture = filepath.Join("testdata", "beir")

// evalJSON is what "plenary eval --json" prints.
type evalJSON struct {
	Dataset string                        `json:"dataset"`
	Queries int                           `json:"queries"`
	Results map[string]map[string]float64 `json:"results"`
}

func TestRunEvalLexicalByHand(t *testing.T) {
	ctx := context.Background()
	stdout, stderr, err := cli(t, ctx, map[string]string{"TMPDIR": t.TempDir()}, "--log-level", "warn", "eval", "--dataset", beirFixture, "--mode", "lexical", "--json")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, stderr)
	}
	var got evalJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if got.Dataset != "beir" || got.Queries != 3 {
		t.Errorf("dataset %q, %d queries; want beir, 3 (q4 has no relevant judgment)", got.Dataset, got.Queries)
	}
	if len(got.Results) != 1 || got.Results["lexical"] == nil {
		t.Fatalf("results %v, want lexical only", got.Results)
	}
	want := map[string]float64{"ndcg@10": 1.859719 / 3, "map@100": 2.0 / 3, "recall@100": 2.0 / 3, "mrr@10": 2.0 / 3}
	for k, w := range want {
		// The JSON keeps four decimals.
		if g, ok := got.Results["lexical"][k]; !ok || math.Abs(g-w) > 6e-5 {
			t.Errorf("lexical %s = %v, want %.4f", k, g, w)
		}
	}
	if len(got.Results["lexical"]) != len(want) {
		t.Errorf("metrics %v, want exactly %v", got.Results["lexical"], want)
	}
	// Only the results go to stdout; the summary and progress to stderr.
	if strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "indexed: added=5") || !strings.Contains(stderr, "mode lexical: 3/3 queries") {
		t.Errorf("stdout %q\nstderr %q", stdout, stderr)
	}
}

func TestRunEvalAllModes(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	env := map[string]string{"TMPDIR": tmp}

	t.Run("json keeps the order of the modes", func(t *testing.T) {
		stdout, stderr, err := cli(t, ctx, env, "--log-level", "warn", "eval", "--dataset", beirFixture, "--json")
		if err != nil {
			t.Fatalf("eval: %v\n%s", err, stderr)
		}
		var raw struct {
			Results json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
			t.Fatal(err)
		}
		var keys []string
		dec := json.NewDecoder(bytes.NewReader(raw.Results))
		depth := 0
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch v := tok.(type) {
			case json.Delim:
				if v == '{' {
					depth++
				} else if v == '}' {
					depth--
				}
			case string:
				if depth == 1 {
					keys = append(keys, v)
				}
			}
		}
		if strings.Join(keys, ",") != "lexical,vector,hybrid" {
			t.Errorf("modes %v, want lexical, vector, hybrid", keys)
		}
		var got evalJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		// q1 and q2 are answered by every mode with d1 and d2 on top,
		// and the vector side can find q3's report, which shares no word
		// with it: hybrid must not score below lexical here.
		if got.Results["hybrid"]["ndcg@10"] < got.Results["lexical"]["ndcg@10"] {
			t.Errorf("hybrid %v below lexical %v", got.Results["hybrid"], got.Results["lexical"])
		}
	})

	t.Run("table", func(t *testing.T) {
		stdout, stderr, err := cli(t, ctx, env, "--log-level", "warn", "eval", "--dataset", beirFixture, "--mode", "hybrid,lexical")
		if err != nil {
			t.Fatalf("eval: %v\n%s", err, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "dataset beir: 3 judged queries") {
			t.Fatalf("table:\n%s", stdout)
		}
		if f := strings.Fields(lines[2]); strings.Join(f[:5], " ") != "mode nDCG@10 MAP@100 Recall@100 MRR@10" {
			t.Errorf("header %q", lines[2])
		}
		if f := strings.Fields(lines[3]); len(f) != 7 || strings.Join(f[:6], " ") != "lexical 0.6199 0.6667 0.6667 0.6667 3" {
			t.Errorf("lexical row %q", lines[3])
		}
		if !strings.HasPrefix(lines[4], "hybrid ") {
			t.Errorf("second row %q, want hybrid", lines[4])
		}
	})

	t.Run("temporary data removed", func(t *testing.T) {
		entries, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Errorf("left behind in TMPDIR: %v", entries)
		}
	})
}

func TestRunEvalKeepsData(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--log-level", "warn", "eval", "--dataset", beirFixture, "--data", data, "--mode", "lexical", "--json"}
	first, stderr, err := cli(t, ctx, nil, args...)
	if err != nil {
		t.Fatalf("first eval: %v\n%s", err, stderr)
	}
	if s := parseSummary(t, stderr); s["added"] != "5" {
		t.Errorf("first run summary %v, want 5 added", s)
	}
	second, stderr, err := cli(t, ctx, nil, args...)
	if err != nil {
		t.Fatalf("second eval: %v\n%s", err, stderr)
	}
	if s := parseSummary(t, stderr); s["unchanged"] != "5" || s["embedded"] != "0" {
		t.Errorf("second run summary %v, want the index reused", s)
	}
	if first != second {
		t.Errorf("the reused index scores differently:\n%s\n%s", first, second)
	}
	// The kept index answers searches.
	out, stderr, err := cli(t, ctx, nil, "search", "--data", data, "--mode", "lexical", "--why", "giant panda")
	if err != nil || !strings.Contains(out, "Chengdu breeding centre") || !strings.Contains(out, "why: Keyword match: rank 1") {
		t.Errorf("search the kept index: %v\n%s%s", err, out, stderr)
	}
}

func TestRunEvalErrors(t *testing.T) {
	good := func(name string) string {
		b, err := os.ReadFile(filepath.Join(beirFixture, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	corpus, queries, qrels := good("corpus.jsonl"), good("queries.jsonl"), good("qrels.tsv")
	tests := []struct {
		name  string
		files map[string]string // nil value: file absent
		args  []string
		usage bool
		want  string
	}{
		{name: "missing corpus", files: map[string]string{"queries.jsonl": queries, "qrels.tsv": qrels}, want: "corpus.jsonl"},
		{name: "missing queries", files: map[string]string{"corpus.jsonl": corpus, "qrels.tsv": qrels}, want: "queries.jsonl"},
		{name: "missing qrels", files: map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries}, want: "qrels.tsv"},
		{name: "malformed corpus line", files: map[string]string{"corpus.jsonl": corpus + "{\"id\": \"d9\", \"text\": \n", "queries.jsonl": queries, "qrels.tsv": qrels}, want: "corpus.jsonl:6: couldn't parse document"},
		{name: "corpus line without id", files: map[string]string{"corpus.jsonl": `{"text": "x"}` + "\n", "queries.jsonl": queries, "qrels.tsv": qrels}, want: "corpus.jsonl:1: document has no id"},
		{name: "empty corpus", files: map[string]string{"corpus.jsonl": "\n", "queries.jsonl": queries, "qrels.tsv": qrels}, want: "has no documents"},
		{name: "malformed query line", files: map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries + "not json\n", "qrels.tsv": qrels}, want: "queries.jsonl:5"},
		{name: "malformed qrels line", files: map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries, "qrels.tsv": qrels + "q1 d2 1\n"}, want: "qrels.tsv:7: want 3 tab-separated fields"},
		{name: "nothing judged", files: map[string]string{"corpus.jsonl": corpus, "queries.jsonl": queries, "qrels.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t0\n"}, want: "no query of"},
		{name: "no dataset", args: []string{"eval"}, usage: true, want: "no --dataset"},
		{name: "positional argument", args: []string{"eval", "--dataset", beirFixture, "extra"}, usage: true, want: "unexpected argument"},
		{name: "bad mode", args: []string{"eval", "--dataset", beirFixture, "--mode", "bm25"}, usage: true, want: "invalid --mode"},
		{name: "k too large", args: []string{"eval", "--dataset", beirFixture, "-k", "101"}, usage: true, want: "-k must be from 1 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				dir := t.TempDir()
				for name, content := range tt.files {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				args = []string{"eval", "--dataset", dir}
			}
			_, stderr, err := cli(t, context.Background(), map[string]string{"TMPDIR": t.TempDir()}, append([]string{"--log-level", "error"}, args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, errUsage); got != tt.usage {
				t.Errorf("usage error %v, want %v: %v", got, tt.usage, err)
			}
			if msg := err.Error() + stderr; !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q\n%s", err, tt.want, stderr)
			}
			if want := map[bool]int{true: 2, false: 1}[tt.usage]; exitCode(err, &bytes.Buffer{}) != want {
				t.Errorf("exit code %d, want %d", exitCode(err, &bytes.Buffer{}), want)
			}
		})
	}
}

func TestParseEvalModes(t *testing.T) {
	all := []index.Mode{index.ModeLexical, index.ModeVector, index.ModeHybrid}
	tests := []struct {
		in      string
		want    []index.Mode
		wantErr bool
	}{
		{"all", all, false},
		{"hybrid", []index.Mode{index.ModeHybrid}, false},
		{"hybrid, lexical", []index.Mode{index.ModeLexical, index.ModeHybrid}, false},
		{"vector,vector", []index.Mode{index.ModeVector}, false},
		{"", nil, true},
		{",", nil, true},
		{"bm25", nil, true},
		{"all,hybrid", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseEvalModes(tt.in)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestQueryProgress(t *testing.T) {
	t.Run("lines on the interval and at the end", func(t *testing.T) {
		var buf bytes.Buffer
		clock := &fakeClock{t: time.Unix(0, 0)}
		p := newQueryProgress(&buf, index.ModeHybrid, 83, false, 5*time.Second, clock.now)
		for i := 1; i <= 83; i++ {
			clock.t = clock.t.Add(time.Second)
			p.update(i)
		}
		p.done()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		// Every fifth second over 83 seconds, then the end.
		if len(lines) != 83/5+1 || lines[0] != "mode hybrid: 5/83 queries" || lines[len(lines)-1] != "mode hybrid: 83/83 queries in 1m23s" {
			t.Errorf("%d lines:\n%s", len(lines), buf.String())
		}
	})
	t.Run("rewritten in place on a terminal", func(t *testing.T) {
		var buf bytes.Buffer
		clock := &fakeClock{t: time.Unix(0, 0)}
		p := newQueryProgress(&buf, index.ModeLexical, 2, true, time.Hour, clock.now)
		p.update(1)
		p.update(2)
		p.done()
		if want := "\rmode lexical: 1/2 queries\rmode lexical: 2/2 queries\rmode lexical: 2/2 queries in 0s\n"; buf.String() != want {
			t.Errorf("got %q, want %q", buf.String(), want)
		}
	})
}

func TestEvalReportJSON(t *testing.T) {
	r := evalReport{Dataset: `a "b"`, Queries: 2, Results: []modeResult{
		{Mode: index.ModeVector, Metrics: evalMetrics(0.123456, math.NaN(), 1, 0)},
		{Mode: index.ModeLexical, Metrics: evalMetrics(0.5, 0.25, 0.75, 1)},
	}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"dataset":"a \"b\"","queries":2,"results":{"vector":{"ndcg@10":0.1235,"map@100":0,"recall@100":1,"mrr@10":0},"lexical":{"ndcg@10":0.5,"map@100":0.25,"recall@100":0.75,"mrr@10":1}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func evalMetrics(ndcg, mapv, recall, mrr float64) eval.Metrics {
	return eval.Metrics{NDCG10: ndcg, MAP100: mapv, Recall100: recall, MRR10: mrr}
}

func FuzzParseEvalModes(f *testing.F) {
	for _, s := range []string{"all", "hybrid,lexical", " vector ", ",,", "bm25", "lexical,all"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		modes, err := parseEvalModes(s)
		if err != nil {
			if modes != nil {
				t.Errorf("%q: modes %v with error %v", s, modes, err)
			}
			return
		}
		if len(modes) == 0 || len(modes) > 3 {
			t.Fatalf("%q: %d modes", s, len(modes))
		}
		// In table order, without repeats.
		last := -1
		for _, m := range modes {
			i := slices.Index(evalModes, m)
			if i <= last {
				t.Errorf("%q: modes %v out of order or repeated", s, modes)
			}
			last = i
		}
	})
}
