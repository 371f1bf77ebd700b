package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

// searchIDs asks the server one question and returns the passage IDs of
// the answer, or an error for anything but a 200 with JSON results.
func searchIDs(ctx context.Context, client *http.Client, base, q string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/search?"+url.Values{"q": {q}, "k": {"10"}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	var r searchResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	ids := []string{}
	for _, h := range r.Results {
		ids = append(ids, h.PassageID)
	}
	lastScores.Store(fmt.Sprint(scoresOf(r)))
	return ids, nil
}

// lastScores is the score list of the last search answered, for failure
// messages.
var lastScores atomic.Value

func scoresOf(r searchResponse) []string {
	var out []string
	for _, h := range r.Results {
		out = append(out, fmt.Sprintf("%s=%.6f", h.PassageID[strings.Index(h.PassageID, "#")+1:], h.Score))
	}
	return out
}

// TestSearchDuringIndex keeps four clients searching a running server
// while another process indexes 300 more reports into its data directory.
// Every search must succeed and answer as either the old or the new index
// does, and the server must pick the new index up.
func TestSearchDuringIndex(t *testing.T) {
	need(t)
	data := t.TempDir()
	indexInto(t, data, seeds)
	srv := startServer(t, data, "--reload-interval", "100ms")
	client := &http.Client{Timeout: 30 * time.Second}
	qs := []string{questions[0].q, questions[1].q, "Kunming meeting on trade and investment"}
	old := map[string][]string{}
	for _, q := range qs {
		ids, err := searchIDs(context.Background(), client, srv.base, q)
		if err != nil {
			t.Fatal(err)
		}
		old[q] = ids
	}

	more := filepath.Join(t.TempDir(), "more")
	writeSynthCorpus(t, more, 300, 0)

	type answer struct {
		q      string
		ids    []string
		scores any
	}
	var (
		mu       sync.Mutex
		got      []answer
		failures []error
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for c := range 4 {
		wg.Go(func() {
			for i := 0; i < 100000; i++ { // bounded; stop ends it far sooner
				select {
				case <-stop:
					return
				default:
				}
				q := qs[(c+i)%len(qs)]
				ids, err := searchIDs(context.Background(), client, srv.base, q)
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					got = append(got, answer{q, ids, lastScores.Load()})
				}
				mu.Unlock()
			}
		})
	}
	// The index grows from 5 to 305 reports under the searches.
	s := indexInto(t, data, seeds, more)
	if s.added != 300 {
		t.Errorf("index of 300 more reports: %+v", s)
	}
	var st struct {
		Documents int `json:"documents"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for st.Documents != 305 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		srv.getJSON(t, "/api/stats", &st)
	}
	time.Sleep(300 * time.Millisecond) // searches on the new index too
	close(stop)
	wg.Wait()
	if st.Documents != 305 {
		t.Fatalf("the server did not pick up the new index within 30 s: %d documents\n%s", st.Documents, srv.logs())
	}
	newAns := map[string][]string{}
	for _, q := range qs {
		ids, err := searchIDs(context.Background(), client, srv.base, q)
		if err != nil {
			t.Fatal(err)
		}
		newAns[q] = ids
	}
	if reflect.DeepEqual(old, newAns) {
		t.Log("the new reports do not change these answers; only failures are checked")
	}
	for _, err := range failures {
		t.Errorf("search failed during indexing: %v", err)
	}
	mixed, reordered := 0, 0
	for _, a := range got {
		if !reflect.DeepEqual(a.ids, old[a.q]) && !reflect.DeepEqual(a.ids, newAns[a.q]) {
			mixed++
			if sameSet(a.ids, old[a.q]) || sameSet(a.ids, newAns[a.q]) {
				reordered++
			}
			if mixed <= 3 {
				t.Errorf("answer to %q is neither the old nor the new index's:\n got %v\n old %v\n new %v\n scores (of a recent answer) %v", a.q, a.ids, old[a.q], newAns[a.q], a.scores)
			}
		}
	}
	t.Logf("%d searches during indexing and reload, %d failed, %d inconsistent (%d of them the old or new passages in another order)",
		len(got)+len(failures), len(failures), mixed, reordered)
	if len(got) < 20 {
		t.Errorf("only %d searches ran during indexing", len(got))
	}
	srv.stop(t)
}

// TestTwoWriters starts a second "plenary index" on a data directory just
// as a first one opens it: whichever takes the writer lock second is
// refused with a message naming the holder's PID, the other completes, and
// the index equals a clean build. Never both at once.
func TestTwoWriters(t *testing.T) {
	need(t)
	const n = 2000 // long enough that the two runs overlap
	corpus := filepath.Join(t.TempDir(), "reports")
	writeSynthCorpus(t, corpus, n, 0)
	var sample []string
	for i := 0; i < n; i += 40 {
		sample = append(sample, fmt.Sprintf("report-%03d", i))
	}
	state := func(data string) state {
		srv := startServer(t, data, "--reload-interval", "0")
		st := indexState(t, srv)
		st.IDs = passageIDs(t, srv, sample)
		srv.stop(t)
		return st
	}
	clean := t.TempDir()
	indexInto(t, clean, corpus)
	want := state(clean)

	data := t.TempDir()
	type run struct {
		cmd      *exec.Cmd
		out, err strings.Builder
		done     chan error
	}
	start := func(watch func(line string)) *run {
		r := &run{cmd: exec.Command(binary, "index", "--data", data, corpus), done: make(chan error, 1)}
		r.cmd.Env = binarytest.CleanEnv()
		r.cmd.Stdout = &r.out
		pipe, err := r.cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(pipe)
			for sc.Scan() {
				r.err.WriteString(sc.Text() + "\n")
				if watch != nil {
					watch(sc.Text())
				}
			}
			r.done <- r.cmd.Wait()
		}()
		return r
	}
	opened := make(chan struct{})
	var once sync.Once
	first := start(func(line string) {
		if strings.Contains(line, "index opened") {
			once.Do(func() { close(opened) })
		}
	})
	select {
	case <-opened:
	case <-time.After(time.Minute):
		t.Fatal("the first writer never opened the index")
	}
	second := start(nil)
	var errs [2]error
	for i, r := range []*run{first, second} {
		select {
		case errs[i] = <-r.done:
		case <-time.After(2 * time.Minute):
			t.Fatal("a writer did not finish within 2 minutes")
		}
	}
	var winner, loser *run
	switch {
	case errs[0] == nil && errs[1] != nil:
		winner, loser = first, second
	case errs[0] != nil && errs[1] == nil:
		winner, loser = second, first
	case errs[0] == nil && errs[1] == nil:
		if strings.Contains(second.out.String(), fmt.Sprintf("unchanged=%d", n)) {
			t.Skip("the first writer finished before the second started; cannot test the lock")
		}
		t.Fatalf("both writers ran at once:\nfirst: %s\nsecond: %s", first.out.String(), second.out.String())
	default:
		t.Fatalf("both writers failed:\nfirst: %v\n%s\nsecond: %v\n%s", errs[0], first.err.String(), errs[1], second.err.String())
	}
	holder := regexp.MustCompile(`another plenary process is writing to this data directory.*held by pid ` +
		strconv.Itoa(winner.cmd.Process.Pid) + ` on \S+ since `)
	if !holder.MatchString(loser.err.String()) {
		t.Errorf("the refused writer's message does not name the holder, pid %d:\n%s", winner.cmd.Process.Pid, loser.err.String())
	}
	if !strings.Contains(winner.out.String(), fmt.Sprintf("added=%d ", n)) {
		t.Errorf("the writer that ran: %s", winner.out.String())
	}
	if got := state(data); !reflect.DeepEqual(got, want) {
		t.Errorf("after two writers: %d documents, %d passages; a clean build has %d, %d (or passage IDs differ)", got.Documents, got.Passages, want.Documents, want.Passages)
	}
}

// drainGrace is how long TestGracefulShutdown waits between writing its
// requests and sending SIGTERM. net/http drops, with a bare close, every
// request it finishes reading after Shutdown began (and the kernel resets
// those still in the listen backlog), so only requests the server has read
// can be drained; on two busy cores its connection goroutines need a
// moment to read 96 requests, far less than the time the searches take.
const drainGrace = 250 * time.Millisecond

// TestGracefulShutdown sends SIGTERM while many searches are in flight:
// each must complete with 200, and the server must exit with status 0.
func TestGracefulShutdown(t *testing.T) {
	need(t)
	corpus := filepath.Join(t.TempDir(), "reports")
	writeSynthCorpus(t, corpus, 300, 0)
	data := t.TempDir()
	indexInto(t, data, corpus, seeds)
	srv := startServer(t, data)

	const n = 96
	var (
		written sync.WaitGroup
		done    sync.WaitGroup
		sigAt   atomic.Int64
		after   atomic.Int32
		errs    = make(chan error, n)
	)
	// A fresh connection per request: Shutdown closes idle keep-alive
	// connections at once, and a request written on one could be lost by
	// the client, not the server.
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}
	written.Add(n)
	for i := range n {
		done.Go(func() {
			var once sync.Once
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(written.Done) }}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			q := questions[i%len(questions)].q + " " + synthTopics[i%len(synthTopics)]
			_, err := searchIDs(ctx, client, srv.base, q)
			once.Do(written.Done)
			if err != nil {
				errs <- fmt.Errorf("request %d: %w", i, err)
				return
			}
			if s := sigAt.Load(); s != 0 && time.Now().UnixNano() > s {
				after.Add(1)
			}
		})
	}
	written.Wait()
	// A request that is half sent when the signal arrives: whatever the
	// machine's speed, it is in flight across SIGTERM and must be answered.
	half, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := io.WriteString(half, "GET /api/search?q=foreign+affairs+meeting HTTP/1.1\r\nHost: plenary\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(drainGrace)
	sigAt.Store(time.Now().UnixNano())
	if err := srv.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := io.WriteString(half, "Connection: close\r\n\r\n"); err != nil {
		t.Fatalf("finish the half-sent request after SIGTERM: %v", err)
	}
	_ = half.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(half), nil)
	if err != nil {
		t.Errorf("request in flight across SIGTERM got no answer: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("request in flight across SIGTERM: status %d, want 200", resp.StatusCode)
		}
	}
	done.Wait()
	close(errs)
	var lost []error
	for err := range errs {
		lost = append(lost, err)
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d searches written before SIGTERM got no answer; first: %v\n"+
			"net/http closes, without answering, a connection whose request it reads after Shutdown began; "+
			"on a saturated server that includes requests already sent: the server should keep serving for a grace "+
			"period after SIGTERM before it calls Shutdown (docs/reliability.md, section 5)", len(lost), n, lost[0])
	}
	select {
	case <-srv.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit within 30 s of SIGTERM")
	}
	if srv.WaitErr() != nil {
		t.Errorf("server exit: %v, want status 0\n%s", srv.WaitErr(), srv.logs())
	}
	if !strings.Contains(srv.logs(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", srv.logs())
	}
	t.Logf("%d of %d concurrent searches completed after SIGTERM was sent", after.Load(), n)
}

// sameSet reports whether a and b hold the same IDs, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
