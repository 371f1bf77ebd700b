package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index"
)

func TestParseSearchParams(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    searchParams
		wantErr string // substring of the message; empty means success
	}{
		{name: "query only", raw: "q=trade+fair", want: searchParams{Query: "trade fair", K: 10, Page: 1}},
		{name: "trimmed", raw: "q=%20%20Laos%0A", want: searchParams{Query: "Laos", K: 10, Page: 1}},
		{name: "k and page", raw: "q=a&k=25&page=3", want: searchParams{Query: "a", K: 25, Page: 3}},
		{name: "empty k means default", raw: "q=a&k=&page=", want: searchParams{Query: "a", K: 10, Page: 1}},
		{name: "first of repeated", raw: "q=one&q=two&k=5&k=7", want: searchParams{Query: "one", K: 5, Page: 1}},
		{name: "max k", raw: "q=a&k=100", want: searchParams{Query: "a", K: 100, Page: 1}},
		{name: "mode", raw: "q=a&mode=lexical", want: searchParams{Query: "a", K: 10, Page: 1, Mode: index.ModeLexical}},
		{name: "exactly 1000 runes", raw: "q=" + strings.Repeat("%E5%A4%96", 1000), want: searchParams{Query: strings.Repeat("外", 1000), K: 10, Page: 1}},
		{name: "missing q", raw: "k=5", wantErr: "(q) is missing or blank"},
		{name: "blank q", raw: "q=+++", wantErr: "(q) is missing or blank"},
		{name: "too long q", raw: "q=" + strings.Repeat("a", 5000), wantErr: "at most 1000"},
		{name: "invalid utf-8", raw: "q=%ff", wantErr: "not valid UTF-8"},
		{name: "nul", raw: "q=a%00b", wantErr: "NUL"},
		{name: "k not a number", raw: "q=a&k=abc", wantErr: "(k) must be a whole number from 1 to 100"},
		{name: "k negative", raw: "q=a&k=-1", wantErr: "(k) must be"},
		{name: "k zero", raw: "q=a&k=0", wantErr: "(k) must be"},
		{name: "k huge", raw: "q=a&k=100000", wantErr: "(k) must be"},
		{name: "k overflow", raw: "q=a&k=99999999999999999999999", wantErr: "(k) must be"},
		{name: "page zero", raw: "q=a&page=0", wantErr: "(page) must be a whole number from 1 to 100"},
		{name: "page too deep", raw: "q=a&k=50&page=21", wantErr: "from 1 to 20 (with k=50)"},
		{name: "page float", raw: "q=a&page=1.5", wantErr: "(page)"},
		{name: "bad mode", raw: "q=a&mode=magic", wantErr: "(mode)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.raw)
			if err != nil {
				t.Fatalf("bad test query: %v", err)
			}
			got, err := parseSearchParams(v)
			if tt.wantErr != "" {
				var re *requestError
				if !errors.As(err, &re) || re.status != http.StatusBadRequest {
					t.Fatalf("err = %v, want a 400 requestError", err)
				}
				if !strings.Contains(re.msg, tt.wantErr) {
					t.Errorf("message %q does not contain %q", re.msg, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzParseSearchParams checks that any query string is either accepted
// with values inside the limits or rejected with a 400, never a panic.
func FuzzParseSearchParams(f *testing.F) {
	for _, s := range []string{"q=hello", "q=a&k=5&page=2", "q=%ff", "k=-1", "q=a&k=100000", "q=a&mode=vector", "q=%00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// ParseQuery returns what it could parse even with an error, as
		// echo does with the request's query.
		v, _ := url.ParseQuery(raw)
		p, err := parseSearchParams(v)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status != http.StatusBadRequest || re.msg == "" {
				t.Fatalf("error %v is not a 400 with a message", err)
			}
			return
		}
		if !utf8.ValidString(p.Query) || strings.TrimSpace(p.Query) != p.Query || p.Query == "" {
			t.Errorf("bad query accepted: %q", p.Query)
		}
		if n := utf8.RuneCountInString(p.Query); n > maxQueryRunes {
			t.Errorf("query of %d runes accepted", n)
		}
		if p.K < 1 || p.K > maxK || p.Page < 1 || p.K*p.Page > maxDepth {
			t.Errorf("out of range: %+v", p)
		}
	})
}

func TestParseK(t *testing.T) {
	tests := []struct {
		raw     string
		want    int
		wantErr bool
	}{
		{"", 5, false},
		{"k=1", 1, false},
		{"k=100", 100, false},
		{"k=0", 0, true},
		{"k=101", 0, true},
		{"k=x", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.raw)
			got, err := parseK(v, 5)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseK(%q) = %d, %v; want %d, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
