package e2e_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

// binary is the plenary executable built once by TestMain; seeds is the
// folder of real reports in ../shared. Either is empty when unavailable,
// and skipReason says why.
var (
	binary     string
	seeds      string
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		switch {
		case testing.Short():
			skipReason = "end-to-end tests are skipped in -short mode"
		default:
			seeds = binarytest.FindShared(filepath.Join("corpus", "seeds"))
			if seeds == "" {
				skipReason = "../shared/corpus/seeds not found beside the repository; the end-to-end tests need the seed reports"
				break
			}
			// A binary built elsewhere (PLENARY_E2E_BINARY) lets the tests
			// run while the tree is mid-edit, or against a release build.
			if b := os.Getenv("PLENARY_E2E_BINARY"); b != "" {
				binary = b
				break
			}
			dir, err := os.MkdirTemp("", "plenary-e2e-bin-")
			if err != nil {
				fmt.Fprintln(os.Stderr, "e2e:", err)
				return 1
			}
			defer os.RemoveAll(dir)
			binary = filepath.Join(dir, "plenary")
			if err := binarytest.Build("github.com/plenary-search/plenary/cmd/plenary", binary, "e2e"); err != nil {
				fmt.Fprintln(os.Stderr, "e2e:", err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func need(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// plenary runs the binary to completion and returns its output.
func plenary(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = binarytest.CleanEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("plenary %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

var summaryRE = regexp.MustCompile(`indexed: added=(\d+) changed=(\d+) unchanged=(\d+) removed=(\d+) skipped=(\d+) passages=(\d+) embedded=(\d+)`)

type summary struct{ added, changed, unchanged, removed, skipped, passages, embedded int }

func indexInto(t *testing.T, data string, paths ...string) summary {
	t.Helper()
	out, errOut := plenary(t, append([]string{"index", "--data", data}, paths...)...)
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in output:\n%s\nstderr:\n%s", out, errOut)
	}
	var s summary
	for i, p := range []*int{&s.added, &s.changed, &s.unchanged, &s.removed, &s.skipped, &s.passages, &s.embedded} {
		fmt.Sscan(m[i+1], p)
	}
	return s
}

// server is a running "plenary serve", killed at the end of the test that
// started it unless the test stopped it.
type server struct {
	*binarytest.Server
	base string
}

func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, extra...)
	s, err := binarytest.StartServer(binary, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return &server{Server: s, base: s.Base}
}

func (s *server) logs() string { return s.Logs() }

// stop sends SIGTERM and asserts a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.logs(), "stopped") {
		t.Errorf("server log has no clean stop:\n%s", s.logs())
	}
}

// get fetches path and returns the status and body.
func (s *server) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, b
}

func (s *server) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	status, b := s.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

type hit struct {
	DocID     string  `json:"doc_id"`
	PassageID string  `json:"passage_id"`
	Title     string  `json:"title"`
	Date      string  `json:"date"`
	Place     string  `json:"place"`
	Text      string  `json:"text"`
	Snippet   string  `json:"snippet"`
	Score     float64 `json:"score"`
	URL       string  `json:"url"`
	// Why is decoded generically, so that the comparison of the CLI's
	// and the API's JSON covers every field the index explains with.
	Why map[string]any `json:"why"`
}

type searchResponse struct {
	Query   string  `json:"query"`
	Mode    string  `json:"mode"`
	TookMS  float64 `json:"took_ms"`
	Results []hit   `json:"results"`
}

func (s *server) search(t *testing.T, q string) searchResponse {
	t.Helper()
	var r searchResponse
	s.getJSON(t, "/api/search?"+url.Values{"q": {q}}.Encode(), &r)
	return r
}

// The seed reports and questions whose answer a reader can check in them.
const (
	yunnanConference  = "000_fa7249a3d403bb6b" // Kunming, Wang Ning presided
	yunnanFriendship  = "001_d44c4d3e8e1cadb2" // friendship association directors
	centralConference = "002_8b4324cd1f24d36d" // Beijing, Xi Jinping's speech
	jilinPlenary      = "003_a46bb6e1a2a4da29" // Changchun 2027 Winter Universiade
	anhuiConference   = "004_293d459c3e9c25e4" // Hefei, COVID-19
)

var questions = []struct {
	q, want string
}{
	{"preparations for the Changchun Winter Universiade", jilinPlenary},
	{"who presided over the Yunnan foreign affairs work conference in Kunming", yunnanConference},
	{"Anhui foreign affairs work and COVID-19 epidemic prevention", anhuiConference},
	{"Xi Jinping's important speech at the Central Foreign Affairs Work Conference in Beijing", centralConference},
	{"work exchange meeting of the executive directors of the Association for Friendship with Foreign Countries", yunnanFriendship},
}

// urls is what must stay the same across restarts and re-indexing: the
// passage IDs and permalinks of every answer.
func urls(t *testing.T, s *server) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, q := range questions {
		for _, h := range s.search(t, q.q).Results {
			out[q.q] = append(out[q.q], h.PassageID+" "+h.URL)
		}
	}
	return out
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestSeeds(t *testing.T) {
	need(t)
	data := t.TempDir()
	if s := indexInto(t, data, seeds); s.added != 5 || s.skipped != 0 || s.passages == 0 {
		t.Fatalf("first index: %+v, want 5 added, none skipped", s)
	}
	srv := startServer(t, data)

	t.Run("questions", func(t *testing.T) {
		for _, q := range questions {
			t.Run(q.want, func(t *testing.T) {
				r := srv.search(t, q.q)
				if len(r.Results) == 0 {
					t.Fatalf("no results for %q", q.q)
				}
				if got := r.Results[0].DocID; got != q.want {
					t.Errorf("top hit for %q is %s (%q), want %s", q.q, got, r.Results[0].Title, q.want)
				}
				for i := 1; i < len(r.Results); i++ {
					if r.Results[i].Score > r.Results[i-1].Score {
						t.Errorf("scores not descending at %d: %v > %v", i, r.Results[i].Score, r.Results[i-1].Score)
					}
				}
			})
		}
	})

	t.Run("permalink", func(t *testing.T) {
		r := srv.search(t, questions[1].q)
		if len(r.Results) == 0 {
			t.Fatal("no results")
		}
		for _, h := range r.Results[:min(3, len(r.Results))] {
			page, anchor, ok := strings.Cut(h.URL, "#")
			if !ok || anchor == "" || !strings.HasPrefix(page, "/doc/") {
				t.Fatalf("url %q is not /doc/{id}#{anchor}", h.URL)
			}
			status, body := srv.get(t, page)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", page, status)
			}
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			id, err := url.PathUnescape(anchor)
			if err != nil {
				t.Fatal(err)
			}
			el := doc.Find(`[id="` + id + `"]`)
			if el.Length() != 1 {
				t.Fatalf("%s has %d elements with id %q, want 1", page, el.Length(), id)
			}
			if got, want := collapse(el.Text()), collapse(h.Text); !strings.Contains(got, want) {
				t.Errorf("element #%s does not contain the hit's text\n got: %.300s\nwant: %.300s", id, got, want)
			}
		}
	})

	t.Run("similar", func(t *testing.T) {
		var r struct {
			Results []struct {
				DocID string  `json:"doc_id"`
				Score float64 `json:"score"`
				URL   string  `json:"url"`
			} `json:"results"`
		}
		srv.getJSON(t, "/api/docs/"+yunnanConference+"/similar", &r)
		if len(r.Results) != 4 {
			t.Errorf("got %d similar reports, want the 4 others: %+v", len(r.Results), r.Results)
		}
		seen := map[string]bool{}
		for i, s := range r.Results {
			if s.DocID == yunnanConference {
				t.Errorf("a report is similar to itself: %+v", r.Results)
			}
			if seen[s.DocID] {
				t.Errorf("%s listed twice", s.DocID)
			}
			seen[s.DocID] = true
			if i > 0 && s.Score > r.Results[i-1].Score {
				t.Errorf("scores not descending at %d: %+v", i, r.Results)
			}
		}
	})

	t.Run("cli json matches api", func(t *testing.T) {
		q := questions[0].q
		for _, mode := range []string{"", "lexical", "vector"} {
			t.Run("mode="+mode, func(t *testing.T) {
				args := []string{"search", "--data", data, "--json", "-k", "10"}
				params := url.Values{"q": {q}, "k": {"10"}}
				if mode != "" {
					args = append(args, "--mode", mode)
					params.Set("mode", mode)
				}
				out, _ := plenary(t, append(args, q)...)
				var cli searchResponse
				if err := json.Unmarshal([]byte(out), &cli); err != nil {
					t.Fatalf("plenary search --json: %v\n%s", err, out)
				}
				var api searchResponse
				srv.getJSON(t, "/api/search?"+params.Encode(), &api)
				cli.TookMS, api.TookMS = 0, 0
				if !reflect.DeepEqual(cli, api) {
					t.Errorf("plenary search --json and /api/search differ\ncli: %+v\napi: %+v", cli, api)
				}
				if want := cmp.Or(mode, "hybrid"); api.Mode != want || len(api.Results) == 0 || len(api.Results[0].Why) == 0 {
					t.Errorf("mode %q, want %q; first hit's why %v", api.Mode, want, api.Results)
				}
				// Field by field, so that a field added to one side only is caught.
				_, apiBody := srv.get(t, "/api/search?"+params.Encode())
				if c, a := jsonKeys(t, []byte(out)), jsonKeys(t, apiBody); !reflect.DeepEqual(c, a) {
					t.Errorf("JSON fields differ\ncli: %v\napi: %v", c, a)
				}
			})
		}
	})

	before := urls(t, srv)
	srv.stop(t)

	t.Run("restart keeps permalinks", func(t *testing.T) {
		srv := startServer(t, data)
		if after := urls(t, srv); !reflect.DeepEqual(before, after) {
			t.Errorf("answers changed across a restart\nbefore: %v\nafter:  %v", before, after)
		}
		srv.stop(t)
	})

	t.Run("re-index embeds nothing", func(t *testing.T) {
		s := indexInto(t, data, seeds)
		if s.unchanged != 5 || s.added+s.changed+s.removed != 0 || s.embedded != 0 {
			t.Errorf("re-index of the same folder: %+v, want unchanged=5, nothing else, nothing embedded", s)
		}
		srv := startServer(t, data)
		if after := urls(t, srv); !reflect.DeepEqual(before, after) {
			t.Errorf("answers changed after re-indexing\nbefore: %v\nafter:  %v", before, after)
		}
		srv.stop(t)
	})
}

// jsonKeys lists the keys of a search response and of its first result.
func jsonKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	var results []map[string]json.RawMessage
	if err := json.Unmarshal(top["results"], &results); err == nil && len(results) > 0 {
		for k := range results[0] {
			keys = append(keys, "results[]."+k)
		}
	}
	sort.Strings(keys)
	return keys
}

// docPassages returns a report's passage URLs from the JSON API, or nil
// and the status when it is not found.
func docPassages(t *testing.T, s *server, id string) ([]string, int) {
	t.Helper()
	status, body := s.get(t, "/api/docs/"+id)
	if status != http.StatusOK {
		return nil, status
	}
	var d struct {
		Passages []struct {
			PassageID string `json:"passage_id"`
			URL       string `json:"url"`
		} `json:"passages"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("GET /api/docs/%s: %v", id, err)
	}
	var out []string
	for _, p := range d.Passages {
		out = append(out, p.URL)
	}
	return out, status
}

func allPassages(t *testing.T, s *server, ids []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, id := range ids {
		ps, status := docPassages(t, s, id)
		if status != http.StatusOK {
			t.Fatalf("GET /api/docs/%s: %d", id, status)
		}
		out[id] = ps
	}
	return out
}

// TestEditAndDelete changes the files under a running server and checks
// that "plenary index" in another process re-embeds only what changed, that
// the server picks the changes up, and that the other permalinks survive.
func TestEditAndDelete(t *testing.T) {
	need(t)
	folder := filepath.Join(t.TempDir(), "reports")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(seeds)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(seeds, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSuffix(e.Name(), ".txt"))
	}
	sort.Strings(ids)

	data := t.TempDir()
	if s := indexInto(t, data, folder); s.added != 5 {
		t.Fatalf("first index: %+v, want 5 added", s)
	}
	srv := startServer(t, data, "--reload-interval", "200ms")
	before := allPassages(t, srv, ids)

	// Rewrite the last paragraph of the Jilin report.
	edited := filepath.Join(folder, jilinPlenary+".txt")
	b, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimRight(string(b), "\n")
	cut := strings.LastIndex(text, "\n")
	if cut < 0 {
		t.Fatal("the Jilin report has a single line")
	}
	text = text[:cut+1] + "Reported by the provincial foreign affairs office; figures on exchange visits will follow in the spring.\n"
	if err := os.WriteFile(edited, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	if s := indexInto(t, data, folder); s.changed != 1 || s.unchanged != 4 || s.added+s.removed != 0 || s.embedded == 0 || s.embedded >= s.passages {
		t.Errorf("index after editing one file: %+v, want changed=1 unchanged=4 and only that report embedded", s)
	}
	after := waitFor(t, srv, func() (map[string][]string, bool) {
		a := allPassages(t, srv, ids)
		return a, !reflect.DeepEqual(a[jilinPlenary], before[jilinPlenary])
	})
	for _, id := range ids {
		if id == jilinPlenary {
			continue
		}
		if !reflect.DeepEqual(before[id], after[id]) {
			t.Errorf("permalinks of unchanged %s changed\nbefore: %v\nafter:  %v", id, before[id], after[id])
		}
	}
	// Only the end changed, so the first passage keeps its link.
	if len(after[jilinPlenary]) == 0 || after[jilinPlenary][0] != before[jilinPlenary][0] {
		t.Errorf("first passage of the edited report changed link\nbefore: %v\nafter:  %v", before[jilinPlenary], after[jilinPlenary])
	}
	if r := srv.search(t, "figures on exchange visits will follow in the spring"); len(r.Results) == 0 || r.Results[0].DocID != jilinPlenary {
		t.Errorf("the edited text is not found: %+v", r.Results)
	}

	// Delete the Anhui report.
	if err := os.Remove(filepath.Join(folder, anhuiConference+".txt")); err != nil {
		t.Fatal(err)
	}
	if s := indexInto(t, data, folder); s.removed != 1 || s.unchanged != 4 {
		t.Errorf("index after deleting one file: %+v, want removed=1 unchanged=4", s)
	}
	waitFor(t, srv, func() (struct{}, bool) {
		_, status := docPassages(t, srv, anhuiConference)
		return struct{}{}, status == http.StatusNotFound
	})
	if status, _ := srv.get(t, "/doc/"+anhuiConference); status != http.StatusNotFound {
		t.Errorf("GET /doc/%s after deletion: %d, want 404", anhuiConference, status)
	}
	for _, h := range srv.search(t, "Anhui COVID-19 epidemic prevention Hefei").Results {
		if h.DocID == anhuiConference {
			t.Errorf("deleted report still answers: %+v", h)
		}
	}
	srv.stop(t)
}

// waitFor polls until ok, for the server's periodic reload to pick up a
// change committed by another process.
func waitFor[T any](t *testing.T, s *server, check func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v, ok := check()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not pick up the change within 30s:\n%s", s.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	need(t)
	data := t.TempDir()
	srv := startServer(t, data)
	cmd := exec.Command(binary, "healthcheck")
	cmd.Env = append(binarytest.CleanEnv(), "PLENARY_ADDR="+srv.base)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("healthcheck of a running server: %v\n%s", err, out)
	}
	srv.stop(t)
	cmd = exec.Command(binary, "healthcheck", "--addr", srv.base)
	cmd.Env = binarytest.CleanEnv()
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("healthcheck of a stopped server: %v, want exit status 1", err)
	}
}

// TestEvalADI runs "plenary eval" on the smallest shared test collection
// and checks each mode against a floor a little under what it measured
// (nDCG@10 lexical .508, vector .426, hybrid .547 on 2026-11-21), so
// that a change that hurts ranking, or breaks the command, fails here.
func TestEvalADI(t *testing.T) {
	need(t)
	adi := binarytest.FindShared(filepath.Join("datasets", "adi"))
	if adi == "" {
		t.Skip("../shared/datasets/adi not found beside the repository")
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--log-level", "warn", "eval", "--dataset", adi, "--json")
	cmd.Env = append(binarytest.CleanEnv(), "TMPDIR="+tmp)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("plenary eval: %v\n%s", err, errb.String())
	}
	var got struct {
		Dataset string                        `json:"dataset"`
		Queries int                           `json:"queries"`
		Results map[string]map[string]float64 `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
	}
	if got.Dataset != "adi" || got.Queries != 35 || len(got.Results) != 3 {
		t.Fatalf("got %+v, want adi, 35 queries, three modes", got)
	}
	floors := map[string]float64{"lexical": 0.49, "vector": 0.41, "hybrid": 0.53}
	for mode, floor := range floors {
		m := got.Results[mode]
		t.Logf("%s: %v", mode, m)
		if m["ndcg@10"] < floor {
			t.Errorf("%s nDCG@10 %.4f, below %.2f", mode, m["ndcg@10"], floor)
		}
		for _, k := range []string{"map@100", "recall@100", "mrr@10"} {
			if v, ok := m[k]; !ok || v <= 0 || v > 1 {
				t.Errorf("%s %s = %v", mode, k, v)
			}
		}
	}
	if !strings.Contains(errb.String(), "mode hybrid: 35/35 queries") {
		t.Errorf("no progress on stderr:\n%s", errb.String())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary index was left in TMPDIR: %v", entries)
	}
}
