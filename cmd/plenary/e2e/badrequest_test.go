package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBadRequests sends the real server requests no form would send and
// checks that each gets a 4xx with a clear message, never a 500, a hang or
// a file from outside the index.
func TestBadRequests(t *testing.T) {
	need(t)
	data := t.TempDir()
	indexInto(t, data, seeds)
	srv := startServer(t, data)
	long := strings.Repeat("meeting ", 12<<10) // ~100 KB
	client := &http.Client{Timeout: 20 * time.Second}

	cases := []struct {
		name   string
		method string
		path   string // raw: sent as written, not re-encoded
		body   io.Reader
		want   []int  // acceptable statuses
		msg    string // part of the message the user sees; "" for any
	}{
		{"k missing", "GET", "/api/search?q=meeting", nil, []int{200}, ""},
		{"k empty", "GET", "/api/search?q=meeting&k=", nil, []int{200}, ""},
		{"k not a number", "GET", "/api/search?q=meeting&k=ten", nil, []int{400}, "(k)"},
		{"k negative", "GET", "/api/search?q=meeting&k=-5", nil, []int{400}, "(k)"},
		{"k zero", "GET", "/api/search?q=meeting&k=0", nil, []int{400}, "(k)"},
		{"k huge", "GET", "/api/search?q=meeting&k=99999999999999999999999", nil, []int{400}, "(k)"},
		{"k float", "GET", "/api/search?q=meeting&k=1e3", nil, []int{400}, "(k)"},
		{"k too big page", "GET", "/search?q=meeting&k=1000000", nil, []int{400}, "(k)"},
		{"page negative", "GET", "/search?q=meeting&page=-1", nil, []int{400}, "(page)"},
		{"page too deep", "GET", "/api/search?q=meeting&page=100000", nil, []int{400}, "(page)"},
		{"mode unknown", "GET", "/api/search?q=meeting&mode=magic", nil, []int{400}, "(mode)"},
		{"similar k bad", "GET", "/api/docs/" + yunnanConference + "/similar?k=-1", nil, []int{400}, "(k)"},
		{"q missing", "GET", "/api/search", nil, []int{400}, "(q)"},
		{"q blank", "GET", "/search?q=%20%20", nil, []int{400}, "(q)"},
		{"q 2000 characters", "GET", "/api/search?q=" + strings.Repeat("a", 2000), nil, []int{400}, "at most"},
		// net/http refuses a request line over MaxHeaderBytes (64 KB)
		// itself, with 431, before any handler runs.
		{"q 100 KB", "GET", "/api/search?q=" + url.QueryEscape(long), nil, []int{400, 414, 431}, ""},
		{"q invalid UTF-8", "GET", "/api/search?q=%ff%fe", nil, []int{400}, "UTF-8"},
		{"q invalid UTF-8 page", "GET", "/search?q=caf%e9", nil, []int{400}, "UTF-8"},
		{"q NUL", "GET", "/api/search?q=a%00b", nil, []int{400}, "NUL"},
		{"q bad escape", "GET", "/api/search?q=%zz", nil, []int{400}, ""},
		{"unknown doc page", "GET", "/doc/no-such-report", nil, []int{404}, "no report"},
		{"unknown doc api", "GET", "/api/docs/no-such-report", nil, []int{404}, "no report"},
		{"unknown similar", "GET", "/api/docs/no-such-report/similar", nil, []int{404}, "no report"},
		{"huge doc id", "GET", "/doc/" + strings.Repeat("x", 20000), nil, []int{404, 400}, ""},
		{"traversal encoded", "GET", "/doc/..%2f..%2f..%2fetc%2fpasswd", nil, []int{404, 400}, ""},
		{"traversal dots", "GET", "/doc/%2e%2e/%2e%2e/etc/passwd", nil, []int{404, 400}, ""},
		{"traversal plain", "GET", "/doc/../../etc/passwd", nil, []int{404, 400}, ""},
		{"traversal api", "GET", "/api/docs/..%2f..%2fetc%2fpasswd", nil, []int{404, 400}, ""},
		{"traversal static", "GET", "/static/..%2f..%2f..%2fetc%2fpasswd", nil, []int{404, 400}, ""},
		{"traversal static dots", "GET", "/static/%2e%2e%2fgo.mod", nil, []int{404, 400}, ""},
		{"encoded slash id", "GET", "/doc/a%2fb%2fc", nil, []int{404, 400}, ""},
		{"NUL in id", "GET", "/doc/abc%00def", nil, []int{404, 400}, ""},
		{"invalid UTF-8 id", "GET", "/doc/%ff%fe", nil, []int{404, 400}, ""},
		{"bad escape in path", "GET", "/doc/%zz", nil, []int{404, 400}, ""},
		{"unknown page", "GET", "/admin", nil, []int{404}, ""},
		{"POST home", "POST", "/", strings.NewReader("x=1"), []int{405}, "GET"},
		{"POST 10 MB", "POST", "/api/search?q=meeting", bytes.NewReader(make([]byte, 10<<20)), []int{405, 413}, ""},
		{"PUT 10 MB", "PUT", "/doc/" + yunnanConference, bytes.NewReader(make([]byte, 10<<20)), []int{405, 413}, ""},
		{"DELETE", "DELETE", "/api/docs/" + yunnanConference, nil, []int{405}, "GET"},
		{"TRACE", "TRACE", "/", nil, []int{405}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, srv.base+"/", c.body)
			if err != nil {
				t.Fatal(err)
			}
			// Send the path exactly as written, escapes included.
			req.URL.Opaque = ""
			u, err := url.Parse(srv.base)
			if err != nil {
				t.Fatal(err)
			}
			req.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Opaque: "//" + u.Host + c.path}
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				// A server may answer a huge upload early and close the
				// connection while the client still writes; then the
				// client sees a reset, not a hang.
				if c.body != nil && time.Since(start) < 10*time.Second {
					t.Logf("client error after %s (server answered early and closed): %v", time.Since(start), err)
					return
				}
				t.Fatalf("%s %s: %v", c.method, c.path, err)
			}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			ok := false
			for _, s := range c.want {
				ok = ok || resp.StatusCode == s
			}
			if !ok {
				t.Errorf("%s %.80s: status %d, want one of %v\n%.300s", c.method, c.path, resp.StatusCode, c.want, b)
			}
			if resp.StatusCode >= 500 {
				t.Errorf("server error %d", resp.StatusCode)
			}
			if strings.Contains(string(b), "root:") || strings.Contains(string(b), "module github.com") {
				t.Errorf("answer leaks a file: %.300s", b)
			}
			if resp.StatusCode >= 400 && resp.StatusCode != 431 {
				msg := errorMessage(t, resp.Header.Get("Content-Type"), b)
				if msg == "" {
					t.Errorf("status %d with no message: %.300s", resp.StatusCode, b)
				}
				if c.msg != "" && !strings.Contains(msg, c.msg) {
					t.Errorf("message %q does not mention %q", msg, c.msg)
				}
				for _, leak := range []string{"goroutine", ".go:", "runtime error", "panic"} {
					if strings.Contains(string(b), leak) {
						t.Errorf("answer leaks internals (%q): %.300s", leak, b)
					}
				}
			}
		})
	}
	if strings.Contains(srv.logs(), "handler panicked") || strings.Contains(srv.logs(), "level=ERROR") {
		t.Errorf("server logged errors:\n%s", srv.logs())
	}
	srv.stop(t)
}

// errorMessage returns what an error answer tells the user: the JSON
// "error" field, or the text of an HTML page.
func errorMessage(t *testing.T, ct string, b []byte) string {
	t.Helper()
	if strings.HasPrefix(ct, "application/json") {
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("error answer is not JSON: %v: %.200s", err, b)
		}
		return e.Error
	}
	return collapse(string(b))
}

// TestSlowClients checks the server's connection timeouts: a client that
// never finishes its headers is disconnected, and one that stops reading
// cannot hold a request open for ever.
func TestSlowClients(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("waits for the server's header timeout")
	}
	data := t.TempDir()
	indexInto(t, data, seeds)
	srv := startServer(t, data)
	addr := strings.TrimPrefix(srv.base, "http://")

	t.Run("headers never finished", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nX-Slow: ", addr)
		start := time.Now()
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err = io.ReadAll(conn) // ends when the server closes
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("server kept a connection with unfinished headers for %s (err %v), want it closed after its 5 s header timeout", d, err)
		} else {
			t.Logf("unfinished headers: connection closed after %s", d.Round(100*time.Millisecond))
		}
	})

	t.Run("others served meanwhile", func(t *testing.T) {
		// A few stalled connections must not keep others waiting.
		var conns []net.Conn
		for range 20 {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		start := time.Now()
		if r := srv.search(t, questions[0].q); len(r.Results) == 0 {
			t.Error("no results while slow clients are connected")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a search took %s while 20 clients stalled", d)
		}
	})

	t.Run("keep-alive request after request", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(conn)
		for i := range 3 {
			fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("request %d on one connection: %v", i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("request %d: %d", i, resp.StatusCode)
			}
		}
	})
	srv.stop(t)
}

// TestRequestTimeout starts the server with a time limit no search can
// meet and checks that searches answer 503 with a clear message, quickly.
func TestRequestTimeout(t *testing.T) {
	need(t)
	data := t.TempDir()
	indexInto(t, data, seeds)
	srv := startServer(t, data, "--request-timeout", "1us")
	timedOut := 0
	for _, p := range []string{"/api/search?q=meeting", "/search?q=meeting", "/api/docs/" + yunnanConference + "/similar"} {
		start := time.Now()
		status, b := srv.get(t, p)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("GET %s took %s with a 1µs limit", p, d)
		}
		if status != http.StatusServiceUnavailable && status != http.StatusOK {
			t.Errorf("GET %s: %d, want 503 (or 200 if it beat the clock)\n%.300s", p, status, b)
		}
		if status == http.StatusServiceUnavailable {
			timedOut++
			if !strings.Contains(string(b), "took too long") {
				t.Errorf("GET %s: 503 without the timeout message: %.300s", p, b)
			}
		}
	}
	if timedOut == 0 {
		t.Error("no request timed out with a 1µs limit: the limit is not applied")
	}
	srv.stop(t)
}
