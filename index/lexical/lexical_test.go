package lexical

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

type fixture struct {
	ID    string `json:"id"`
	Doc   string `json:"doc"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// loadPassages reads testdata/passages.json.
func loadPassages(t testing.TB) []Doc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "passages.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	if err := json.Unmarshal(raw, &fs); err != nil {
		t.Fatal(err)
	}
	docs := make([]Doc, len(fs))
	for i, f := range fs {
		docs[i] = Doc{ID: f.ID, DocID: f.Doc, Title: f.Title, Text: f.Text}
	}
	return docs
}

// openWith opens a new index in a temporary directory holding docs.
func openWith(t testing.TB, docs []Doc, opts ...Option) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "lexical"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	if err := x.Apply(context.Background(), docs, nil, 1); err != nil {
		t.Fatal(err)
	}
	return x
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// TestRelevance runs the expectations in testdata/relevance.json.
func TestRelevance(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "relevance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     string `json:"name"`
		Query    string `json:"query"`
		First    string `json:"first"`
		FirstDoc string `json:"first_doc"`
		Hits     *int   `json:"hits"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no relevance cases")
	}
	x := openWith(t, loadPassages(t))
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			hits, err := x.Search(context.Background(), tc.Query, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tc.Hits != nil && len(hits) != *tc.Hits {
				t.Errorf("got %d hits %v, want %d", len(hits), ids(hits), *tc.Hits)
			}
			if tc.First != "" && (len(hits) == 0 || hits[0].ID != tc.First) {
				t.Errorf("got %v, want %s first", ids(hits), tc.First)
			}
			if tc.FirstDoc != "" && (len(hits) == 0 || hits[0].DocID != tc.FirstDoc) {
				t.Errorf("got %v, want a passage of %s first", ids(hits), tc.FirstDoc)
			}
			for i, h := range hits {
				if h.Rank != i+1 {
					t.Errorf("hit %d has rank %d", i, h.Rank)
				}
				if i > 0 && h.Score > hits[i-1].Score {
					t.Errorf("hit %d scores %v above hit %d (%v)", i, h.Score, i-1, hits[i-1].Score)
				}
				if h.DocID == "" || !strings.HasPrefix(h.ID, h.DocID+"#") {
					t.Errorf("hit %s has doc ID %q", h.ID, h.DocID)
				}
			}
		})
	}
}

// TestScoreArithmetic checks one BM25 score worked out by hand.
func TestScoreArithmetic(t *testing.T) {
	// Two passages without titles; "apple" occurs once in a 2-token text.
	// N = 2, df = 1: idf = ln(1 + (2-1+0.5)/(1+0.5)) = ln 2 = 0.693147.
	// Average text length (2+1)/2 = 1.5; with b = 0.4 the length norm
	// is 1 - 0.4 + 0.4·2/1.5 = 1.133333, so tf' = 1/1.133333 = 0.882353.
	// With k1 = 0.9: ln 2 · 1.9 · 0.882353/(0.882353+0.9) = 0.651973.
	x := openWith(t, []Doc{
		{ID: "a#1", DocID: "a", Text: "apple banana"},
		{ID: "b#1", DocID: "b", Text: "cherry"},
	}, WithBM25(0.9, 0.4))
	hits, err := x.Search(context.Background(), "apple", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "a#1" {
		t.Fatalf("got %v, want [a#1]", ids(hits))
	}
	if want := 0.651973; math.Abs(hits[0].Score-want) > 1e-5 {
		t.Errorf("score %.6f, want %.6f", hits[0].Score, want)
	}
}

func TestTitleBoost(t *testing.T) {
	// "summit" is in one passage's title and in the other's text, which
	// are otherwise alike; boosting titles must put the title match first.
	docs := []Doc{
		{ID: "t#1", DocID: "t", Title: "Summit held", Text: "delegates met in the hall"},
		{ID: "x#1", DocID: "x", Title: "Talks held", Text: "delegates met at the summit"},
		{ID: "y#1", DocID: "y", Title: "Forum held", Text: "delegates met in the city"},
	}
	for _, tc := range []struct {
		boost float64
		first string
	}{{3, "t#1"}, {0.2, "x#1"}} {
		t.Run(fmt.Sprint(tc.boost), func(t *testing.T) {
			x := openWith(t, docs, WithTitleBoost(tc.boost))
			hits, err := x.Search(context.Background(), "summit", 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 2 || hits[0].ID != tc.first {
				t.Errorf("got %v, want %s first of 2", ids(hits), tc.first)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	x := openWith(t, nil)
	tests := []struct {
		query string
		want  []string
	}{
		{"Meetings of the Committees", []string{"meet", "committe"}},
		{"the and of", nil},
		{"", nil},
		{"meeting meetings MEETING", []string{"meet"}},
		{"Yunnan’s contribution", []string{"yunnan", "contribut"}},
		{"meeting.The plenary", []string{"meet", "plenari"}},
		{"emphasizedIn-depth", []string{"emphas", "depth"}},
		{"+foo -bar title:baz", []string{"foo", "bar", "titl", "baz"}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			if got := x.Terms(tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("Terms(%q) = %q, want %q", tc.query, got, tc.want)
			}
		})
	}
}

func TestHostileQueries(t *testing.T) {
	x := openWith(t, loadPassages(t))
	long := strings.Repeat("port conference ", 5000)
	queries := []string{
		`+foo -bar "x`, `title:x`, `text:port`, `*`, `?`, `\`, `(((`, `"`, `port^100`,
		`port~2`, `/po.*/`, `_id:port-2021#p-0001`, "\x00\xff\xfe", "port\u200bconference",
		"日本語のクエリ", long, strings.Repeat("(", 10000),
	}
	for _, q := range queries {
		name := q
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			if _, err := x.Search(context.Background(), q, 10); err != nil {
				t.Errorf("Search(%q): %v", name, err)
			}
		})
	}
	hits, err := x.Search(context.Background(), "title:Laos", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ID != "friendship-2022#p-0002" {
		t.Errorf("field syntax should be plain words: got %v", ids(hits))
	}
}

func TestSearchLimits(t *testing.T) {
	x := openWith(t, loadPassages(t))
	ctx := context.Background()
	for _, tc := range []struct {
		n, want int
	}{{0, 8}, {-3, 8}, {2, 2}, {1 << 30, 8}} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			// Every fixture passage has "the" removed but shares "held",
			// "meeting" or "port"; this query matches all eight.
			hits, err := x.Search(ctx, "the held meeting port conference session friendship delegates officials", tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != tc.want {
				t.Errorf("n=%d: got %d hits, want %d", tc.n, len(hits), tc.want)
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := x.Search(cancelled, "port", 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: got %v, want context.Canceled", err)
	}
}

func TestApplyDeleteAndReplace(t *testing.T) {
	ctx := context.Background()
	docs := loadPassages(t)
	x := openWith(t, docs)
	if n, err := x.Count(); err != nil || n != uint64(len(docs)) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(docs))
	}
	// Delete the only passage mentioning Vladivostok, and one unknown ID.
	if err := x.Apply(ctx, nil, []string{"harbin-2023#p-0002", "no-such#p"}, 2); err != nil {
		t.Fatal(err)
	}
	if hits, err := x.Search(ctx, "Vladivostok", 10); err != nil || len(hits) != 0 {
		t.Errorf("after delete: %v, %v; want no hits", ids(hits), err)
	}
	// Replace a passage: its old words go, its new words come.
	repl := Doc{ID: "port-2021#p-0002", DocID: "port-2021", Title: "Border port reopening discussed", Text: "A zeppelin landed."}
	if err := x.Apply(ctx, []Doc{repl}, nil, 3); err != nil {
		t.Fatal(err)
	}
	if hits, _ := x.Search(ctx, "copyright", 10); len(hits) != 0 {
		t.Errorf("old text still found: %v", ids(hits))
	}
	if hits, _ := x.Search(ctx, "zeppelin", 10); len(hits) != 1 || hits[0].ID != repl.ID {
		t.Errorf("new text not found: %v", ids(hits))
	}
	if n, _ := x.Count(); n != uint64(len(docs)-1) {
		t.Errorf("Count = %d, want %d", n, len(docs)-1)
	}
	if g, err := x.Generation(); err != nil || g != 3 {
		t.Errorf("Generation = %d, %v; want 3", g, err)
	}
	if err := x.Apply(ctx, []Doc{{Text: "no id"}}, nil, 4); err == nil {
		t.Error("upsert without ID: want error")
	}
}

// TestIncrementalMatchesFresh checks that field-length statistics stay
// exact through replacements and deletions: an index edited into a state
// must rank and score exactly like one built in that state.
func TestIncrementalMatchesFresh(t *testing.T) {
	ctx := context.Background()
	docs := loadPassages(t)
	edited := openWith(t, docs)
	changed := docs[0]
	changed.Text = "A much longer replacement text about the foreign affairs conference, its delegates, its port visits and its friendship exchanges."
	// Upserting the same ID twice in one call keeps the last version;
	// deleting one twice deletes it once; deleting and upserting upserts.
	deletes := []string{docs[3].ID, docs[5].ID, docs[3].ID, docs[0].ID}
	if err := edited.Apply(ctx, []Doc{docs[0], changed}, deletes, 2); err != nil {
		t.Fatal(err)
	}
	final := []Doc{changed, docs[1], docs[2], docs[4], docs[6], docs[7]}
	// Built in batches of two, so statistics must carry across batches.
	fresh := openWith(t, final, func(c *config) { c.batchSize = 2 })
	if g, err := fresh.Generation(); err != nil || g != 1 {
		t.Errorf("batched Apply: Generation = %d, %v; want 1", g, err)
	}
	for _, q := range []string{"conference", "port friendship", "delegates exchanges", "plenary session"} {
		t.Run(q, func(t *testing.T) {
			a, err := edited.Search(ctx, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			b, err := fresh.Search(ctx, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) == 0 || len(a) != len(b) {
				t.Fatalf("edited %v, fresh %v", ids(a), ids(b))
			}
			for i := range a {
				if a[i].ID != b[i].ID || math.Abs(a[i].Score-b[i].Score) > 1e-9 {
					t.Errorf("rank %d: edited %s %.9f, fresh %s %.9f", i+1, a[i].ID, a[i].Score, b[i].ID, b[i].Score)
				}
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "lexical")
	x, err := Open(dir, WithAnalyzer(AnalyzerPlural))
	if err != nil {
		t.Fatal(err)
	}
	if g, err := x.Generation(); err != nil || g != 0 {
		t.Fatalf("new index: Generation = %d, %v; want 0", g, err)
	}
	if err := x.Apply(ctx, loadPassages(t), nil, 41); err != nil {
		t.Fatal(err)
	}
	before, err := x.Search(ctx, "port meetings", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	// The analyzer asked for on reopening is ignored: the index keeps its own.
	y, err := Open(dir, WithAnalyzer(AnalyzerPorter))
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if y.Analyzer() != AnalyzerPlural {
		t.Errorf("analyzer %q, want %q", y.Analyzer(), AnalyzerPlural)
	}
	if g, err := y.Generation(); err != nil || g != 41 {
		t.Errorf("Generation = %d, %v; want 41", g, err)
	}
	after, err := y.Search(ctx, "port meetings", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 || !slices.Equal(ids(before), ids(after)) {
		t.Errorf("before %v, after %v", ids(before), ids(after))
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		corrupt bool
	}{
		{"foreign files", func(t *testing.T, dir string) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"damaged meta", func(t *testing.T, dir string) {
			x, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"damaged root", func(t *testing.T, dir string) {
			x, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "store", "root.bolt"), []byte("garbage garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"damaged segment", func(t *testing.T, dir string) {
			x, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.Apply(context.Background(), loadPassages(t), nil, 1); err != nil {
				t.Fatal(err)
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			zaps, err := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
			if err != nil || len(zaps) == 0 {
				t.Fatalf("no segment files: %v", err)
			}
			for _, z := range zaps {
				b, err := os.ReadFile(z)
				if err != nil {
					t.Fatal(err)
				}
				for i := 100; i < len(b)-100; i += 7 {
					b[i] ^= 0x5a
				}
				if err := os.WriteFile(z, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
		{"a file, not a directory", func(t *testing.T, dir string) {
			if err := os.WriteFile(dir, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lexical")
			tc.setup(t, dir)
			x, err := Open(dir)
			if err == nil {
				_ = x.Close()
				t.Fatal("want error")
			}
			if got := errors.Is(err, ErrCorrupt); got != tc.corrupt {
				t.Errorf("errors.Is(%v, ErrCorrupt) = %v, want %v", err, got, tc.corrupt)
			}
		})
	}
	t.Run("locked", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "lexical")
		x, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		// A second open of the same files, as another process would.
		y, err := Open(dir)
		if err == nil {
			_ = y.Close()
			t.Fatal("want error")
		}
		if !errors.Is(err, ErrLocked) || errors.Is(err, ErrCorrupt) {
			t.Errorf("got %v, want ErrLocked and not ErrCorrupt", err)
		}
	})
	t.Run("empty directory is created", func(t *testing.T) {
		dir := t.TempDir()
		x, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		_ = x.Close()
	})
}

// TestConcurrentSearchDuringApply searches while batches land; run with
// -race to check the locking.
func TestConcurrentSearchDuringApply(t *testing.T) {
	ctx := context.Background()
	x := openWith(t, loadPassages(t))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if _, err := x.Search(ctx, "port conference friendship", 10); err != nil {
					errs <- fmt.Errorf("searcher %d, round %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	for g := range 20 {
		d := Doc{ID: fmt.Sprintf("extra#p-%d", g%5), DocID: "extra", Text: fmt.Sprintf("port visit number %d", g)}
		if err := x.Apply(ctx, []Doc{d}, nil, uint64(g+2)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := x.Count(); n != 8+5 {
		t.Errorf("Count = %d, want 13", n)
	}
}

func TestBleveScoring(t *testing.T) {
	x := openWith(t, loadPassages(t), WithBleveScoring())
	hits, err := x.Search(context.Background(), "Vladivostok +", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "harbin-2023#p-0002" || hits[0].DocID != "harbin-2023" {
		t.Errorf("got %+v", hits)
	}
}

func TestSeparate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"meeting.The meeting", "meeting The meeting"},
		{"DiplomacyMake Yunnan", "Diplomacy Make Yunnan"},
		{"speechWang Yubo", "speech Wang Yubo"},
		{"mRNA IgG iPhone McDonald WeChat", "mRNA IgG iPhone McDonald WeChat"},
		{"LinkedIn", "Linked In"},
		{"U.S. ties", "U S. ties"},
		{"3.5 percent", "3.5 percent"},
		{"plain text.", "plain text."},
		{"end? Yes", "end? Yes"},
		{"end?Yes", "end Yes"},
		{"title:x at 10:30", "title x at 10:30"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := separate(tc.in); got != tc.want {
				t.Errorf("separate(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "port", `+foo -bar "x`, "title:x", "*", "\xff", "meeting.The", "(((", "日本"} {
		f.Add(s)
	}
	x := openWith(f, loadPassages(f))
	f.Fuzz(func(t *testing.T, q string) {
		hits, err := x.Search(context.Background(), q, 5)
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if len(hits) > 5 {
			t.Fatalf("Search(%q): %d hits", q, len(hits))
		}
		if len(hits) > 0 && len(x.Terms(q)) == 0 {
			t.Fatalf("Search(%q) found hits but Terms is empty", q)
		}
	})
}

func FuzzSeparate(f *testing.F) {
	for _, s := range []string{"meeting.The", "speechWang", "a:b", "mRNA", "\xffAbc.D", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := separate(s)
		if twice := separate(once); twice != once {
			t.Errorf("not idempotent: %q → %q → %q", s, once, twice)
		}
		if len(once) < len(s) && utf8.ValidString(s) {
			t.Errorf("separate(%q) = %q lost bytes", s, once)
		}
	})
}

func TestSpans(t *testing.T) {
	x := openWith(t, nil)
	tests := []struct {
		query, text string
		want        []string
	}{
		{"meeting", "The meetings were held. Meeting again.", []string{"meetings", "Meeting"}},
		{"conference", "the conference.The session", []string{"conference"}},
		{"make yunnan", "DiplomacyMake Yunnan’s contribution", []string{"Make", "Yunnan’s"}},
		{"session", "a\xffb sessionWang sessions", []string{"session", "sessions"}},
		{"the of", "the end of it", nil},
		{"port", "", nil},
		{"zeppelin", "no match here", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var got []string
			for _, sp := range x.Spans(tc.query, tc.text) {
				got = append(got, tc.text[sp.Start:sp.End])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Spans(%q, %q) marks %q, want %q", tc.query, tc.text, got, tc.want)
			}
		})
	}
}

func FuzzSpans(f *testing.F) {
	f.Add("meeting", "The meetings.The Meeting")
	f.Add("make", "DiplomacyMake\xff a:b")
	x := openWith(f, nil)
	f.Fuzz(func(t *testing.T, query, text string) {
		end := 0
		for _, sp := range x.Spans(query, text) {
			if sp.Start < end || sp.End <= sp.Start || sp.End > len(text) {
				t.Fatalf("Spans(%q, %q): bad span %+v after %d", query, text, sp, end)
			}
			end = sp.End
		}
	})
}

func TestBest(t *testing.T) {
	// Scores with many ties, so the tie-break on ID is exercised.
	// A small hint, so that the accumulator has to grow.
	scores := newAccumulator(10)
	for i := range uint64(500) {
		scores.add(i*7919%1000, float64(i%13))
	}
	var all []scored
	for _, id := range scores.touched {
		all = append(all, scored{id, scores.val[id]})
	}
	if len(all) != 500 {
		t.Fatalf("accumulator touched %d IDs, want 500", len(all))
	}
	slices.SortFunc(all, byRank)
	for _, n := range []int{1, 5, 100, 499, 500, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			got := best(scores, n)
			want := all[:min(n, len(all))]
			if !slices.Equal(got, want) {
				t.Errorf("best(%d) = %v…, want %v…", n, got[:min(5, len(got))], want[:min(5, len(want))])
			}
		})
	}
}

func TestAccumulatorReset(t *testing.T) {
	a := newAccumulator(4)
	a.add(2, 1)
	a.add(2, 0.5)
	a.add(9, 3)
	if len(a.touched) != 2 || a.val[2] != 1.5 || a.val[9] != 3 {
		t.Fatalf("after adds: touched %v, values %v", a.touched, a.val)
	}
	a.reset()
	if len(a.touched) != 0 || a.val[2] != 0 || a.val[9] != 0 || a.seen[9] {
		t.Fatalf("after reset: touched %v, values %v", a.touched, a.val)
	}
	a.add(9, 1)
	if len(a.touched) != 1 || a.val[9] != 1 {
		t.Fatalf("after reset and add: touched %v, values %v", a.touched, a.val)
	}
	if b := newAccumulator(-5); len(b.val) != 0 {
		t.Fatalf("negative hint: %d values", len(b.val))
	}
}

func TestUseAfterClose(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "lexical"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := x.Apply(ctx, loadPassages(t), nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Search(ctx, "port", 5); err == nil {
		t.Error("Search after Close: want error")
	}
	if err := x.Apply(ctx, nil, []string{"port-2021#p-0001"}, 2); err == nil {
		t.Error("Apply after Close: want error")
	}
	if _, err := x.Count(); err == nil {
		t.Error("Count after Close: want error")
	}
}

// TestStatsMatchAnalyzer checks that the field-length totals BM25F
// normalises with are the analyzer's token counts, after upserts,
// replacements and deletes, whatever the batch size: Apply takes them
// from the analysis it hands to bleve.
func TestStatsMatchAnalyzer(t *testing.T) {
	docs := loadPassages(t)
	for _, batch := range []int{1, 3, 4096} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			x, err := OpenMemory()
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			x.cfg.batchSize = batch
			ctx := context.Background()
			if err := x.Apply(ctx, docs, nil, 1); err != nil {
				t.Fatal(err)
			}
			// Replace the first passage, delete the second.
			changed := docs[0]
			changed.Title, changed.Text = "A new title", "Meetings of delegations; the governor's speech."
			if err := x.Apply(ctx, []Doc{changed}, []string{docs[1].ID}, 2); err != nil {
				t.Fatal(err)
			}
			var want stats
			count := func(s string) uint64 {
				if s = separate(s); s == "" {
					return 0
				}
				return uint64(len(x.analyzer.Analyze([]byte(s))))
			}
			for _, d := range append([]Doc{changed}, docs[2:]...) {
				want.titleLen += count(d.Title)
				want.textLen += count(d.Text)
			}
			raw, err := x.bleve.GetInternal(keyStats)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := decodeStats(raw)
			if !ok || got != want {
				t.Errorf("stats %+v (ok %v), want %+v", got, ok, want)
			}
		})
	}
}

// TestCachedAnalyzerMatches checks that the stem cache gives exactly the
// analyzer's tokens (terms, offsets, positions), for every analyzer,
// whether a word is stemmed for the first time or found in the cache.
func TestCachedAnalyzerMatches(t *testing.T) {
	texts := []string{
		"The delegations' meetings were held; it's the Party's 20th plenary session.",
		"ALL-CAPS HEADLINES, hyphen-ated words, numbers 2023-05-17 and e-mail@example.com",
		"meeting.The meeting    opened   ... running runs ran; studies studying",
		"中华人民共和国 外交部 Ελληνικά naïve café — “quoted” ‘text’",
	}
	for _, p := range loadPassages(t) {
		texts = append(texts, p.Title, p.Text)
	}
	for _, name := range []string{AnalyzerPorter, AnalyzerSnowball, AnalyzerPlural, AnalyzerNoStem} {
		t.Run(name, func(t *testing.T) {
			x, err := OpenMemory(WithAnalyzer(name))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			_, cached := x.reader.(*cachedAnalyzer)
			if cached == (name == AnalyzerNoStem) {
				t.Errorf("analyzer %s: cached %v", name, cached)
			}
			for pass := range 2 {
				for _, s := range texts {
					s = separate(s)
					got, want := x.reader.Analyze([]byte(s)), x.analyzer.Analyze([]byte(s))
					if len(got) != len(want) {
						t.Fatalf("pass %d, %.40q: %d tokens, want %d", pass, s, len(got), len(want))
					}
					for i := range got {
						g, w := got[i], want[i]
						if string(g.Term) != string(w.Term) || g.Start != w.Start || g.End != w.End || g.Position != w.Position {
							t.Fatalf("pass %d, %.40q token %d: %q %d-%d @%d, want %q %d-%d @%d", pass, s, i,
								g.Term, g.Start, g.End, g.Position, w.Term, w.Start, w.End, w.Position)
						}
					}
				}
			}
		})
	}
}
