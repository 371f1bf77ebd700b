package binarytest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a running "plenary serve" whose address was read from its log.
type Server struct {
	Base string // http://127.0.0.1:PORT
	Cmd  *exec.Cmd

	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	mu  sync.Mutex
	log bytes.Buffer
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// StartServer runs bin with args (which should include "serve" and
// "--addr 127.0.0.1:0") in CleanEnv, reads the listening address from its
// log and returns once /healthz answers 200. It kills the process and
// returns an error holding the log when it exits early, does not listen
// within 2 minutes, or is not healthy 30 s later.
func StartServer(bin string, args ...string) (*Server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = CleanEnv()
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("plenary serve: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start plenary serve: %w", err)
	}
	s := &Server{Cmd: cmd, exited: make(chan struct{})}
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
	case s.Base = <-found:
	case <-s.exited:
		return nil, fmt.Errorf("plenary serve exited before listening: %v\n%s", s.waitErr, s.Logs())
	case <-time.After(2 * time.Minute):
		s.Kill()
		return nil, fmt.Errorf("plenary serve did not listen within 2 minutes:\n%s", s.Logs())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := healthy(ctx, s.Base)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			s.Kill()
			return nil, fmt.Errorf("plenary serve is not healthy: %w\n%s", err, s.Logs())
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

// Logs returns what the server has written to stderr so far.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Exited is closed when the process has exited; WaitErr is valid then.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// WaitErr is the process's exit error, once Exited is closed.
func (s *Server) WaitErr() error {
	<-s.exited
	return s.waitErr
}

// Kill kills the process, if it still runs, and waits for it to exit.
func (s *Server) Kill() {
	select {
	case <-s.exited:
	default:
		_ = s.Cmd.Process.Kill()
		<-s.exited
	}
}

// Stop sends SIGTERM, as a service manager would, and returns an error
// when the server does not exit cleanly within 30 s (then it is killed).
func (s *Server) Stop() error {
	if err := s.Cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop plenary serve: %w", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("plenary serve did not exit cleanly on SIGTERM: %w\n%s", s.waitErr, s.Logs())
		}
		return nil
	case <-time.After(30 * time.Second):
		s.Kill()
		return fmt.Errorf("plenary serve did not stop within 30s of SIGTERM:\n%s", s.Logs())
	}
}

// CleanEnv is the process environment without PLENARY_ settings, so that
// a developer's own configuration cannot change what a test runs.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLENARY_") {
			env = append(env, kv)
		}
	}
	return env
}
