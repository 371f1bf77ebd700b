package web

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

func TestDocURL(t *testing.T) {
	tests := []struct {
		id, anchor  string
		wantDoc     string
		wantPassage string
	}{
		{"report", "p1", "/doc/report", "/doc/report#p1"},
		{"sub/report", "p-0003", "/doc/sub/report", "/doc/sub/report#p-0003"},
		{"2024/Yunnan meeting?#1%", "a b", "/doc/2024/Yunnan%20meeting%3F%231%25", "/doc/2024/Yunnan%20meeting%3F%231%25#a%20b"},
		{"外事/会议", "x", "/doc/%E5%A4%96%E4%BA%8B/%E4%BC%9A%E8%AE%AE", "/doc/%E5%A4%96%E4%BA%8B/%E4%BC%9A%E8%AE%AE#x"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := docURL(tt.id); got != tt.wantDoc {
				t.Errorf("docURL = %q, want %q", got, tt.wantDoc)
			}
			if got := PassageURL(tt.id, tt.anchor); got != tt.wantPassage {
				t.Errorf("PassageURL = %q, want %q", got, tt.wantPassage)
			}
			// The URL must lead back to the same ID and anchor.
			u, err := url.Parse(PassageURL(tt.id, tt.anchor))
			if err != nil {
				t.Fatal(err)
			}
			id, err := docIDFromPath(u.EscapedPath(), "/doc/")
			if err != nil || id != tt.id {
				t.Errorf("round trip: got %q, %v; want %q", id, err, tt.id)
			}
			if u.Fragment != tt.anchor {
				t.Errorf("fragment %q, want %q", u.Fragment, tt.anchor)
			}
		})
	}
}

func TestDocIDFromPath(t *testing.T) {
	tests := []struct {
		path       string
		want       string
		wantStatus int
	}{
		{"/doc/a", "a", 0},
		{"/doc/sub/report", "sub/report", 0},
		{"/doc/a%2Fb", "a/b", 0},
		{"/doc/a%20b", "a b", 0},
		{"/doc/", "", http.StatusNotFound},
		{"/other/a", "", http.StatusNotFound},
		{"/doc/..%2f..%2fetc", "", http.StatusBadRequest},
		{"/doc/../etc", "", http.StatusBadRequest},
		{"/doc/a/./b", "", http.StatusBadRequest},
		{"/doc/a%00b", "", http.StatusBadRequest},
		{"/doc/%ff", "", http.StatusBadRequest},
		{"/doc/%zz", "", http.StatusBadRequest},
		{"/doc/..a", "..a", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := docIDFromPath(tt.path, "/doc/")
			if tt.wantStatus == 0 {
				if err != nil || got != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var re *requestError
			if !errors.As(err, &re) || re.status != tt.wantStatus {
				t.Errorf("err = %v, want status %d", err, tt.wantStatus)
			}
		})
	}
}
