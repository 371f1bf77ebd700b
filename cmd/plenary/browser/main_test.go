package browser_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plenary-search/plenary/cmd/plenary/internal/binarytest"
)

var readmeScreenshot = flag.Bool("readme-screenshot", false, "write the desktop results page to docs/screenshot.png")

// What TestMain prepared for the tests: the base URL of a running
// "plenary serve" over the seed reports, and the browser to drive. When a
// prerequisite is missing, skipReason (outside CI) or failReason (in CI)
// says which.
var (
	site       *server
	chromium   string
	skipReason string
	failReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		if testing.Short() {
			skipReason = "browser tests are skipped in -short mode"
			return m.Run()
		}
		var missing []string
		chromium = findChromium()
		if chromium == "" {
			missing = append(missing, "no Chromium: set PLENARY_CHROMIUM or install the chromium package (bash .ci/run does)")
		}
		seeds := binarytest.FindShared(filepath.Join("corpus", "seeds"))
		if seeds == "" {
			missing = append(missing, "../shared/corpus/seeds not found beside the repository")
		}
		if p := os.Getenv("PLENARY_CHROMIUM"); p != "" && chromium == "" {
			// A browser that was asked for by name and is not there is a
			// configuration error, not a reason to skip.
			failReason = "PLENARY_CHROMIUM=" + p + " is not an executable"
			return m.Run()
		}
		if len(missing) > 0 {
			if inCI() {
				failReason = "CI=true but the browser tests cannot run: " + strings.Join(missing, "; ")
			} else {
				skipReason = strings.Join(missing, "; ")
			}
			return m.Run()
		}

		tmp, err := os.MkdirTemp("", "plenary-browser-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		bin := filepath.Join(tmp, "plenary")
		if err := binarytest.Build("github.com/plenary-search/plenary/cmd/plenary", bin, "browser"); err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		site, err = startServer(bin, filepath.Join(tmp, "data"), seeds)
		if err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		code := m.Run()
		if err := site.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			code = 1
		}
		return code
	}())
}

// need skips or fails t when TestMain could not prepare the browser and
// the server.
func need(t *testing.T) {
	t.Helper()
	switch {
	case failReason != "":
		t.Fatal(failReason)
	case skipReason != "":
		t.Skip(skipReason)
	}
}

// inCI reports whether the CI variable is set to a true value, as CI
// services set it.
func inCI() bool {
	ok, _ := strconv.ParseBool(os.Getenv("CI"))
	return ok
}

// findChromium returns the browser to drive: PLENARY_CHROMIUM when set,
// else the first of the usual names on PATH, or "" when there is none.
func findChromium() string {
	if p := os.Getenv("PLENARY_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return ""
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// server is a running "plenary serve".
type server struct {
	base    string // http://127.0.0.1:PORT
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	mu  sync.Mutex
	log bytes.Buffer
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// startServer starts "plenary serve" on a free loopback port, indexing docs
// into data first, and returns once it answers /healthz.
func startServer(bin, data, docs string) (*server, error) {
	cmd := exec.Command(bin, "serve", "--data", data, "--docs", docs, "--addr", "127.0.0.1:0", "--reload-interval", "0")
	cmd.Env = cleanEnv()
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("plenary serve: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start plenary serve: %w", err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	found := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-drained // Wait closes the pipe, so it must not run before the pipe is read to the end
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	select {
	case s.base = <-found:
	case <-s.exited:
		return nil, fmt.Errorf("plenary serve exited before listening: %v\n%s", s.waitErr, s.logs())
	case <-time.After(2 * time.Minute):
		s.kill()
		return nil, fmt.Errorf("plenary serve did not listen within 2 minutes:\n%s", s.logs())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if err := healthy(ctx, s.base); err == nil {
			return s, nil
		} else if ctx.Err() != nil {
			s.kill()
			return nil, fmt.Errorf("plenary serve is not healthy: %w\n%s", err, s.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healthy(ctx context.Context, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	return nil
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// stop asks the server to shut down, as a service manager would, and
// reports an unclean exit.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop plenary serve: %w", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("plenary serve did not exit cleanly: %w\n%s", s.waitErr, s.logs())
		}
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		return fmt.Errorf("plenary serve did not stop within 30s of SIGTERM")
	}
}

// cleanEnv is the process environment without PLENARY_ settings, so that
// a developer's own configuration cannot change what the test runs.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLENARY_") {
			env = append(env, kv)
		}
	}
	return env
}
