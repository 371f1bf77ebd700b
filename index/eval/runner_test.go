package eval

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	ds, err := Load(filepath.Join("testdata", "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	// A fake engine that knows one answer per query text.
	answers := map[string][]string{"ice festival exchanges": {"d3", "d1", "d9"}, "border port": {"d7", "d2"}}
	search := func(_ context.Context, q string, k int) ([]string, error) {
		a := answers[q]
		return a[:min(k, len(a))], nil
	}
	runs, err := Run(context.Background(), ds, 2, search)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(runs["q1"], []string{"d3", "d1"}) || len(runs) != 3 {
		t.Errorf("runs = %v", runs)
	}
	// q1 perfect (1); q2: d2 at rank 2 → MRR 0.5, nDCG 1/log2(3) = 0.630930.
	m := Score(ds, runs)
	if !near(m.MRR10, 0.75) || !near(m.NDCG10, (1+0.630930)/2) {
		t.Errorf("Score = %+v", m)
	}

	boom := errors.New("boom")
	_, err = Run(context.Background(), ds, 2, func(context.Context, string, int) ([]string, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "q1") {
		t.Errorf("failing search: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, ds, 2, search); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestReadCorpus(t *testing.T) {
	ctx := context.Background()
	t.Run("reads in order", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "corpus.jsonl")
		writeFile(t, path, `{"id": "a", "title": "T", "text": "x"}`+"\n\n"+`{"id": "b", "text": "y"}`+"\n")
		var got []CorpusDoc
		if err := ReadCorpus(ctx, path, func(d CorpusDoc) error { got = append(got, d); return nil }); err != nil {
			t.Fatal(err)
		}
		want := []CorpusDoc{{"a", "T", "x"}, {"b", "", "y"}}
		if !slices.Equal(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	for _, tc := range []struct{ name, content, want string }{
		{"bad json", `{"id": "a"}` + "\n{oops\n", "corpus.jsonl:2"},
		{"no id", `{"title": "a"}` + "\n", "corpus.jsonl:1: document has no id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corpus.jsonl")
			writeFile(t, path, tc.content)
			err := ReadCorpus(ctx, path, func(CorpusDoc) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("callback error stops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := ReadCorpus(ctx, filepath.Join("testdata", "tiny", "corpus.jsonl"), func(CorpusDoc) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("got %v after %d calls", err, calls)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if err := ReadCorpus(ctx, filepath.Join(t.TempDir(), "none.jsonl"), func(CorpusDoc) error { return nil }); err == nil {
			t.Error("want error")
		}
	})
}
