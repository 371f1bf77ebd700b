package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

// result is how a run of the binary ended.
type result struct {
	stdout, stderr string
	err            error
	// maxRSS is the peak resident memory of the process in bytes, from
	// getrusage; 0 when unknown.
	maxRSS int64
}

// runBinary runs the binary to completion within limit and returns how it
// ended, without failing the test: the caller decides what is expected.
func runBinary(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	return runBinaryEnv(t, limit, nil, args...)
}

// runBinaryEnv is runBinary with extra environment variables.
func runBinaryEnv(t *testing.T, limit time.Duration, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(binarytest.CleanEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("plenary %s did not finish within %s\nstderr:\n%s", strings.Join(args, " "), limit, tail(errb.String(), 2000))
	}
	r := result{stdout: out.String(), stderr: errb.String(), err: err}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
		}
	}
	return r
}

// tail returns the last n bytes of s, for error messages.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Vocabulary of the synthetic reports: enough distinct words and names that
// lexical and vector search have something to tell apart.
var (
	synthPlaces = []string{"Kunming", "Hefei", "Changchun", "Harbin", "Chengdu", "Qingdao", "Nanning", "Lhasa", "Xining", "Urumqi", "Fuzhou", "Wuhan"}
	synthTopics = []string{"trade and investment", "tourism", "education exchanges", "the Belt and Road Initiative", "sister-city ties",
		"epidemic prevention", "port logistics", "the Winter Universiade", "agricultural cooperation", "cultural heritage",
		"youth exchanges", "green energy", "border trade", "medical assistance", "science and technology parks"}
	synthVerbs = []string{"reviewed", "summarized", "discussed", "studied", "deployed", "stressed", "pointed out", "called for", "praised", "analysed"}
	synthNames = []string{"Wang Ning", "Li Wei", "Zhang Min", "Liu Yang", "Chen Jing", "Yang Fan", "Zhao Lei", "Huang Tao", "Zhou Hong", "Wu Xia"}
	synthWords = strings.Fields(`the meeting conference plenary session friendship association foreign affairs office provincial government
		committee delegation cooperation exchange work report year plan development opening reform international partners consulate
		officials leaders secretary director deputy governor mayor speech important instructions spirit implement strengthen promote
		deepen expand enhance mutual benefit win-win dialogue visit agreement memorandum signed projects enterprises universities
		hospitals culture people diplomacy local external publicity overseas Chinese affairs protocol interpretation security risks`)
)

// synthReport returns the title and text of a synthetic meeting report,
// the same for the same i and version. version changes the last paragraph,
// as an edited report would.
func synthReport(i, version int) (title, text string) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	place := synthPlaces[r.IntN(len(synthPlaces))]
	topic := synthTopics[r.IntN(len(synthTopics))]
	name := synthNames[r.IntN(len(synthNames))]
	title = fmt.Sprintf("%s holds meeting number %d on %s", place, i, topic)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nOn %d March 2024, the foreign affairs office of %s held a meeting on %s. %s presided over the meeting.\n\n",
		title, 1+i%28, place, topic, name)
	paras := 4 + r.IntN(4)
	for p := range paras {
		if p == paras-1 && version > 0 {
			fmt.Fprintf(&b, "Revision %d of report %d: the office %s new plans for %s in %s.\n", version, i, synthVerbs[version%len(synthVerbs)], topic, place)
			break
		}
		sentences := 3 + r.IntN(4)
		for range sentences {
			n := 10 + r.IntN(15)
			words := make([]string, n)
			for k := range words {
				words[k] = synthWords[r.IntN(len(synthWords))]
			}
			fmt.Fprintf(&b, "%s %s %s %s. ", name, synthVerbs[r.IntN(len(synthVerbs))], strings.Join(words, " "), synthTopics[r.IntN(len(synthTopics))])
		}
		b.WriteString("\n\n")
	}
	return title, b.String()
}

// writeSynthCorpus writes n synthetic reports as report-NNN.txt into dir.
func writeSynthCorpus(t *testing.T, dir string, n, version int) {
	t.Helper()
	for i := range n {
		_, text := synthReport(i, version)
		writeFile(t, filepath.Join(dir, fmt.Sprintf("report-%03d.txt", i)), []byte(text))
	}
}

// state is what an index answers, compared between builds: its counts and
// every passage ID of every report.
type state struct {
	Documents int
	Passages  int
	IDs       map[string][]string // report → its passage IDs in order
}

// indexState reads the counts of the index a running server serves.
func indexState(t *testing.T, s *server) state {
	t.Helper()
	var st struct {
		Documents int `json:"documents"`
		Passages  int `json:"passages"`
	}
	s.getJSON(t, "/api/stats", &st)
	return state{Documents: st.Documents, Passages: st.Passages}
}

// passageIDs fetches the passage IDs of the given reports.
func passageIDs(t *testing.T, s *server, ids []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, id := range ids {
		status, body := s.get(t, "/api/docs/"+id)
		if status == http.StatusNotFound {
			continue
		}
		if status != http.StatusOK {
			t.Fatalf("GET /api/docs/%s: %d %s", id, status, body)
		}
		var d struct {
			Passages []struct {
				PassageID string `json:"passage_id"`
			} `json:"passages"`
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatalf("GET /api/docs/%s: %v", id, err)
		}
		for _, p := range d.Passages {
			out[id] = append(out[id], p.PassageID)
		}
	}
	return out
}
