package main

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plenary-search/plenary/index"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		args []string
		env  map[string]string
		// check inspects the parsed config; nil when an error is expected.
		check   func(t *testing.T, c config)
		wantErr error
	}{
		{
			name: "index flags",
			cmd:  "index",
			args: []string{"--data", "/d", "--max-file-size", "1MiB", "a", "b"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/d")
				eq(t, "MaxFileSize", c.MaxFileSize, int64(1<<20))
				eq(t, "Paths", c.Paths, []string{"a", "b"})
				eq(t, "LogLevel", c.LogLevel, slog.LevelInfo)
				eq(t, "LogFormat", c.LogFormat, "text")
				// Empty: the one the index records, or builtin.
				eq(t, "Embedder", c.Embedder, "")
			},
		},
		{
			name: "reindex flags",
			cmd:  "reindex",
			args: []string{"--data", "/d", "--embedder", "onnx:m"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/d")
				eq(t, "Embedder", c.Embedder, "onnx:m")
			},
		},
		{
			name: "reindex embedder from the environment",
			cmd:  "reindex",
			env:  map[string]string{envData: "/env", envEmbedder: "builtin"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/env")
				eq(t, "Embedder", c.Embedder, "builtin")
			},
		},
		{
			name:    "reindex without embedder",
			cmd:     "reindex",
			args:    []string{"--data", "/d"},
			wantErr: errUsage,
		},
		{
			name: "index flags after paths",
			cmd:  "index",
			args: []string{"a", "--data=/d", "b", "--log-level", "debug"},
			check: func(t *testing.T, c config) {
				eq(t, "Paths", c.Paths, []string{"a", "b"})
				eq(t, "DataDir", c.DataDir, "/d")
				eq(t, "LogLevel", c.LogLevel, slog.LevelDebug)
			},
		},
		{
			name: "index env fallbacks",
			cmd:  "index",
			args: []string{"x"},
			env:  map[string]string{envData: "/env", envMaxFileSize: "2MB", envLogLevel: "warn", envLogFormat: "json"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/env")
				eq(t, "MaxFileSize", c.MaxFileSize, int64(2_000_000))
				eq(t, "LogLevel", c.LogLevel, slog.LevelWarn)
				eq(t, "LogFormat", c.LogFormat, "json")
			},
		},
		{
			name: "flag beats env",
			cmd:  "index",
			args: []string{"--data", "/flag", "--max-file-size", "10", "x"},
			env:  map[string]string{envData: "/env", envMaxFileSize: "2MB"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/flag")
				eq(t, "MaxFileSize", c.MaxFileSize, int64(10))
			},
		},
		{
			name: "default data dir from XDG",
			cmd:  "index",
			args: []string{"x"},
			env:  map[string]string{"XDG_DATA_HOME": "/xdg", "HOME": "/home/u"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/xdg/plenary")
			},
		},
		{
			name: "default data dir from HOME",
			cmd:  "index",
			args: []string{"x"},
			env:  map[string]string{"HOME": "/home/u"},
			check: func(t *testing.T, c config) {
				eq(t, "DataDir", c.DataDir, "/home/u/.local/share/plenary")
			},
		},
		{
			name:    "no data dir at all",
			cmd:     "index",
			args:    []string{"x"},
			wantErr: errUsage,
		},
		{
			name:    "index without paths",
			cmd:     "index",
			args:    []string{"--data", "/d"},
			wantErr: errUsage,
		},
		{
			name:    "bad size",
			cmd:     "index",
			args:    []string{"--data", "/d", "--max-file-size", "lots", "x"},
			wantErr: errUsage,
		},
		{
			name:    "bad size in env",
			cmd:     "serve",
			args:    []string{"--data", "/d"},
			env:     map[string]string{envMaxFileSize: "huge"},
			wantErr: errBadEnv,
		},
		{
			name:    "bad log level",
			cmd:     "index",
			args:    []string{"--data", "/d", "--log-level", "loud", "x"},
			wantErr: errUsage,
		},
		{
			name: "serve defaults",
			cmd:  "serve",
			args: []string{"--data", "/d"},
			check: func(t *testing.T, c config) {
				eq(t, "Addr", c.Addr, defaultAddr)
				eq(t, "Docs", len(c.Docs), 0)
				eq(t, "ReloadInterval", c.ReloadInterval, 5*time.Second)
			},
		},
		{
			name: "serve docs repeated and comma separated",
			cmd:  "serve",
			args: []string{"--data", "/d", "--docs", "a,b", "--docs", "c", "--addr", "127.0.0.1:0"},
			env:  map[string]string{envDocs: "fromenv"},
			check: func(t *testing.T, c config) {
				eq(t, "Docs", c.Docs, []string{"a", "b", "c"})
				eq(t, "Addr", c.Addr, "127.0.0.1:0")
			},
		},
		{
			name: "serve env",
			cmd:  "serve",
			env:  map[string]string{envData: "/d", envAddr: "0.0.0.0:9", envDocs: " x , y ,"},
			check: func(t *testing.T, c config) {
				eq(t, "Docs", c.Docs, []string{"x", "y"})
				eq(t, "Addr", c.Addr, "0.0.0.0:9")
			},
		},
		{
			name:    "serve stray argument",
			cmd:     "serve",
			args:    []string{"--data", "/d", "folder"},
			wantErr: errUsage,
		},
		{
			name: "search question and k anywhere",
			cmd:  "search",
			args: []string{"--data", "/d", "who", "presided", "-k", "3", "--json"},
			check: func(t *testing.T, c config) {
				eq(t, "Question", c.Question, "who presided")
				eq(t, "K", c.K, 3)
				eq(t, "JSON", c.JSON, true)
			},
		},
		{
			name: "search double dash keeps dashes",
			cmd:  "search",
			args: []string{"--data", "/d", "--", "-k", "x"},
			check: func(t *testing.T, c config) {
				eq(t, "Question", c.Question, "-k x")
				eq(t, "K", c.K, defaultK)
			},
		},
		{
			name: "search mode",
			cmd:  "search",
			args: []string{"--data", "/d", "--mode", "lexical", "q"},
			check: func(t *testing.T, c config) {
				eq(t, "Mode", c.Mode, index.ModeLexical)
			},
		},
		{
			name:    "search bad mode",
			cmd:     "search",
			args:    []string{"--data", "/d", "--mode", "fuzzy", "q"},
			wantErr: errUsage,
		},
		{
			name: "embedder from env and flag",
			cmd:  "search",
			args: []string{"--data", "/d", "q"},
			env:  map[string]string{envEmbedder: "ollama:nomic-embed-text"},
			check: func(t *testing.T, c config) {
				eq(t, "Embedder", c.Embedder, "ollama:nomic-embed-text")
			},
		},
		{
			name: "embedder flag beats env",
			cmd:  "serve",
			args: []string{"--data", "/d", "--embedder", "onnx:./m"},
			env:  map[string]string{envEmbedder: "ollama:x"},
			check: func(t *testing.T, c config) {
				eq(t, "Embedder", c.Embedder, "onnx:./m")
			},
		},
		{
			name:    "search without question",
			cmd:     "search",
			args:    []string{"--data", "/d"},
			wantErr: errUsage,
		},
		{
			name:    "search bad k",
			cmd:     "search",
			args:    []string{"--data", "/d", "-k", "0", "q"},
			wantErr: errUsage,
		},
		{
			name: "healthcheck from PLENARY_ADDR wildcard",
			cmd:  "healthcheck",
			env:  map[string]string{envAddr: "0.0.0.0:8080"},
			check: func(t *testing.T, c config) {
				eq(t, "HealthURL", c.HealthURL, "http://127.0.0.1:8080/healthz")
			},
		},
		{
			name:    "help",
			cmd:     "index",
			args:    []string{"-h"},
			wantErr: flag.ErrHelp,
		},
		{
			name:    "unknown command",
			cmd:     "frobnicate",
			wantErr: errUnknownCommand,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			getenv := envMap(tt.env)
			c, err := parseCommand(tt.cmd, tt.args, getenv, &stderr, envCommonFlags(getenv))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				switch {
				case errors.Is(err, errUnknownCommand):
				case errors.Is(err, errBadEnv):
					if !strings.Contains(stderr.String(), envMaxFileSize) {
						t.Errorf("bad variable not named; stderr:\n%s", stderr.String())
					}
				case !strings.Contains(stderr.String(), "Usage: plenary "+tt.cmd):
					t.Errorf("usage not printed; stderr:\n%s", stderr.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v\nstderr:\n%s", err, stderr.String())
			}
			eq(t, "Command", c.Command, tt.cmd)
			tt.check(t, c)
		})
	}
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"32MiB", 32 << 20, true},
		{"32mib", 32 << 20, true},
		{"1.5KiB", 1536, true},
		{"500kB", 500_000, true},
		{"2GB", 2_000_000_000, true},
		{"7", 7, true},
		{"7B", 7, true},
		{" 4 M ", 4 << 20, true},
		{"", 0, false},
		{"MiB", 0, false},
		{"-1MiB", 0, false},
		{"0", 0, false},
		{"12XB", 0, false},
		{"1e30GiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("parseSize(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("parseSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"32MiB", "1.5k", "", "9e99", "-0", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err == nil && n <= 0 {
			t.Errorf("parseSize(%q) = %d without error", s, n)
		}
	})
}

func TestFormatSize(t *testing.T) {
	for _, n := range []int64{1, 1000, 1 << 10, 32 << 20, 3 << 30, 1<<20 + 1} {
		t.Run(formatSize(n), func(t *testing.T) {
			got, err := parseSize(formatSize(n))
			if err != nil || got != n {
				t.Errorf("parseSize(formatSize(%d)) = %d, %v", n, got, err)
			}
		})
	}
}

func TestHealthURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/healthz", true},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz", true},
		{":8080", "http://127.0.0.1:8080/healthz", true},
		{"[::]:9000", "http://127.0.0.1:9000/healthz", true},
		{"http://example.org:81/base/", "http://example.org:81/base/healthz", true},
		{"https://search.example.org", "https://search.example.org/healthz", true},
		{"ftp://x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := healthURL(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("healthURL(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("healthURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
