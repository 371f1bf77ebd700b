package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
)

// ErrModelNotFound is wrapped when the server says it does not know the model.
var ErrModelNotFound = errors.New("embedding model not found")

// ErrDimensionChanged is wrapped when the server returns vectors of another
// length than it did when the embedder was built.
var ErrDimensionChanged = errors.New("embedding dimension changed")

// Defaults for Options fields left zero.
const (
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 4
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 30 * time.Second
)

// maxResponseBytes bounds what is read from a server (a batch of 128
// vectors of 3072 floats in JSON is about 8 MB).
const maxResponseBytes = 256 << 20

// Options configure a remote embedder. The zero value is usable.
type Options struct {
	// Client sends the requests; nil uses a new http.Client without a
	// global timeout (each attempt gets Timeout).
	Client *http.Client
	// Logger receives retries and fallbacks; nil discards them. API keys
	// are never logged.
	Logger *slog.Logger
	// APIKey is sent as "Authorization: Bearer" (OpenAI-compatible servers).
	APIKey string
	// Timeout bounds each HTTP attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a request is retried after a network
	// error, a 429 or a 5xx; 0 means DefaultMaxRetries, negative none.
	MaxRetries int
	// BaseDelay and MaxDelay bound the exponential backoff between
	// attempts (also a Retry-After header); 0 means the defaults.
	BaseDelay, MaxDelay time.Duration
	// BatchSize is the number of texts per request; 0 uses the backend's
	// default.
	BatchSize int
	// QueryPrefix and PassagePrefix are put before texts of that kind
	// (nomic-embed-text wants "search_query: " and "search_document: ").
	QueryPrefix, PassagePrefix string
}

func (o Options) withDefaults(batch int) Options {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.BatchSize <= 0 {
		o.BatchSize = batch
	}
	return o
}

// client sends JSON requests with retries.
type client struct {
	opts    Options
	service string // "ollama" or "openai", for messages
}

// statusError is a non-2xx answer that is not retried (or no longer).
type statusError struct {
	status int
	body   []byte
}

func (e *statusError) Error() string { return fmt.Sprintf("status %d", e.status) }

// redact removes the API key from server-provided text.
func (c *client) redact(s string) string {
	if c.opts.APIKey != "" {
		s = strings.ReplaceAll(s, c.opts.APIKey, "[redacted]")
	}
	return s
}

// post sends body as JSON to url and decodes a 2xx answer into out. It
// retries network errors, 429 and 5xx with exponential backoff and
// jitter, honouring Retry-After. A final non-2xx answer is returned as a
// *statusError; the caller turns it into a message.
func (c *client) post(ctx context.Context, url string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	for attempt := 0; ; attempt++ {
		retryAfter, err := c.attempt(ctx, url, payload, out)
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		var se *statusError
		retriable := !errors.As(err, &se) || se.status == http.StatusTooManyRequests || se.status >= 500
		if !retriable || attempt >= c.opts.MaxRetries {
			if attempt > 0 {
				return fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		delay := c.backoff(attempt, retryAfter)
		c.opts.Logger.Warn("embedding request failed, retrying",
			"service", c.service, "url", url, "attempt", attempt+1, "delay", delay, "err", c.redact(err.Error()))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff returns the wait before attempt+1: Retry-After when the server
// gave one, else BaseDelay·2^attempt with jitter, capped at MaxDelay.
func (c *client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.opts.MaxDelay)
	}
	d := c.opts.BaseDelay << min(attempt, 20)
	if d <= 0 || d > c.opts.MaxDelay {
		d = c.opts.MaxDelay
	}
	// Equal jitter: half fixed, half random, so clients that failed
	// together do not retry together.
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func (c *client) attempt(ctx context.Context, url string, payload []byte, out any) (time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return 0, fmt.Errorf("couldn't get an answer from %s within %v", url, c.opts.Timeout)
		}
		// url.Error repeats the URL; the cause is what matters.
		return 0, fmt.Errorf("couldn't reach %s: %w", url, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, fmt.Errorf("read answer from %s: %w", url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseRetryAfter(resp.Header.Get("Retry-After")), &statusError{status: resp.StatusCode, body: data}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, fmt.Errorf("decode answer from %s: %w", url, err)
	}
	return 0, nil
}

func unwrapURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseRetryAfter reads seconds or an HTTP date; 0 if absent or invalid.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		// Anything past a day is as good as never; capping also keeps the
		// multiplication from overflowing.
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// serverMessage extracts a human message from an error body: Ollama's
// {"error":"..."}, OpenAI's {"error":{"message":"..."}}, or short text.
func serverMessage(body []byte) string {
	var o struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &o) == nil && len(o.Error) > 0 {
		var s string
		if json.Unmarshal(o.Error, &s) == nil {
			return s
		}
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(o.Error, &m) == nil && m.Message != "" {
			return m.Message
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
