package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPprofEnabled(t *testing.T) {
	tests := []struct {
		value   string
		want    bool
		wantErr bool
	}{
		{"", false, false},
		{"0", false, false},
		{"false", false, false},
		{"1", true, false},
		{" true ", true, false},
		{"yes", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := pprofEnabled(func(k string) string {
				if k == envPprof {
					return tt.value
				}
				return ""
			})
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("pprofEnabled(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errUsage) {
				t.Errorf("error %v does not wrap errUsage", err)
			}
		})
	}
}

// TestPprofOffByDefault checks that the profiler answers only when asked
// for, and that the application's routes are served either way.
func TestPprofOffByDefault(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	})
	tests := []struct {
		on         bool
		path       string
		wantStatus int
		wantBody   string
	}{
		{false, "/debug/pprof/", http.StatusNotFound, ""},
		{false, "/debug/pprof/heap", http.StatusNotFound, ""},
		{false, "/debug/pprof/cmdline", http.StatusNotFound, ""},
		{false, "/healthz", http.StatusOK, ""},
		{true, "/debug/pprof/", http.StatusOK, "goroutine"},
		{true, "/debug/pprof/heap?debug=1", http.StatusOK, "heap profile"},
		{true, "/healthz", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/")+map[bool]string{true: "/on", false: "/off"}[tt.on], func(t *testing.T) {
			rec := httptest.NewRecorder()
			withPprof(app, tt.on).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET %s: status %d, want %d", tt.path, rec.Code, tt.wantStatus)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s: body lacks %q", tt.path, tt.wantBody)
			}
		})
	}
}
