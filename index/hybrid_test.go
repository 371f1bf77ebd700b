package index

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNearDuplicate checks the SimHash threshold on pairs that must and
// must not be folded together.
func TestNearDuplicate(t *testing.T) {
	para := "The association was founded to promote people-to-people exchanges between the province and the peoples of South and Southeast Asia, to deepen mutual understanding and friendship, and to serve the opening up of the province to the outside world through sister-city ties, youth camps and cultural tours."
	for _, tc := range []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", para, para, true},
		{"case and punctuation", para, strings.ToUpper(strings.ReplaceAll(para, ",", ";")), true},
		{"one word changed", para, strings.Replace(para, "friendship", "trust", 1), true},
		{"one word dropped", para, strings.Replace(para, "mutual ", "", 1), true},
		{"reprinted headline", "Provincial Foreign Affairs Work Conference held in Xining", "Provincial foreign affairs work conference held in Xining.", true},
		{"same topic, other words", para, "The friendship association works to deepen exchanges between the peoples of the province and of Southeast Asia through youth camps, cultural tours and ties between sister cities, serving the opening up of the province.", false},
		{"other conference", "Provincial Foreign Affairs Work Conference held in Xining", "Provincial Foreign Affairs Work Conference held in Lhasa", false},
		{"a sentence added", para, para + " This year it will also organise a forum on rural revitalisation with partners from Laos and Vietnam, and a photography exhibition on tea culture in Bangkok.", false},
		{"unrelated", para, "On March 4 the plenary session reviewed the draft budget and elected new members of the standing committee.", false},
		{"no words", "…", "—", false},
		{"long text, few words changed", para + " " + para, strings.Replace(para, "friendship", "trust", 1) + " " + para, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := simhash(tc.a), simhash(tc.b)
			if got := nearDuplicate(a, b); got != tc.want {
				t.Errorf("nearDuplicate = %v (distance %d, %d and %d shingles), want %v",
					got, bits.OnesCount64(a.hash^b.hash), a.shingles, b.shingles, tc.want)
			}
		})
	}
}

func BenchmarkSimhash(b *testing.B) {
	text := strings.Repeat("The conference required that the region strengthen the management of border ports. ", 12)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		simhash(text)
	}
}

// TestCollapseNearDuplicates checks that a paragraph reprinted in two
// reports is one hit, counted in Why.Collapsed, and that the fold happens
// before the per-report cap and K.
func TestCollapseNearDuplicates(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "dups"))
	q := "friendship association people-to-people exchanges sister-city ties youth camps cultural tours"
	for _, mode := range []Mode{ModeHybrid, ModeLexical, ModeVector} {
		t.Run(string(mode), func(t *testing.T) {
			res, err := ix.Search(context.Background(), Query{Text: q, Mode: mode, K: 3, PerDoc: 1})
			if err != nil {
				t.Fatal(err)
			}
			copies, collapsed := 0, 0
			for _, h := range res.Hits {
				if strings.Contains(h.Text, "sister-city ties") {
					copies++
				}
				collapsed += h.Why.Collapsed
			}
			if copies != 1 || collapsed != 1 {
				t.Errorf("%d copies of the reprinted paragraph, %d collapsed, want 1 and 1: %v", copies, collapsed, hitDocs(res.Hits))
			}
			// With the copy folded, each report still gets its own hit.
			if len(res.Hits) != 2 || res.Hits[0].DocID == res.Hits[1].DocID {
				t.Errorf("hits %v, want one per report", hitDocs(res.Hits))
			}
		})
	}
	// RankDocuments does not fold: both reports are answers.
	ids, err := ix.RankDocuments(context.Background(), q, ModeLexical, 10)
	if err != nil || len(ids) != 2 {
		t.Errorf("rank reports: %v, %v", ids, err)
	}
}

// TestModesAndWhy checks each mode's ranking source, the Why fields and
// the highlighting of every hit.
func TestModesAndWhy(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	ctx := context.Background()

	// Stems: the question says "meetings" and "ports", passages "meeting"
	// and "port".
	res, err := ix.Search(ctx, Query{Text: "meetings border ports", Mode: ModeLexical, K: 5})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("lexical: %v, %v", hitDocs(res.Hits), err)
	}
	for i, h := range res.Hits {
		if h.Why.LexicalRank == 0 || h.Why.VectorRank != 0 || len(h.Why.Terms) == 0 {
			t.Errorf("lexical hit %d: why %+v", i, h.Why)
		}
		if i > 0 && h.Score > res.Hits[i-1].Score {
			t.Errorf("lexical hits out of order: %v after %v", h.Score, res.Hits[i-1].Score)
		}
		for _, f := range h.Snippet {
			if f.Match && !slices.ContainsFunc([]string{"meeting", "border", "port"}, func(w string) bool {
				return strings.Contains(strings.ToLower(f.Text), w)
			}) {
				t.Errorf("lexical hit %d marks %q", i, f.Text)
			}
		}
		if !hasMatch(h.Snippet) {
			t.Errorf("lexical hit %d has no marked word: %+v", i, h.Snippet)
		}
	}
	if top := res.Hits[0]; top.DocID != "tibet-border" || !slices.Contains(top.Why.Terms, "port") {
		t.Errorf("lexical top hit %s, terms %v", top.DocID, top.Why.Terms)
	}

	// Every vector hit is marked: by its words when it shares any with
	// the question, else by its sentence closest to it.
	res, err = ix.Search(ctx, Query{Text: "alpinists trekking on glaciers", Mode: ModeVector, K: 10, PerDoc: -1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("vector: %v, %v", hitDocs(res.Hits), err)
	}
	semantic := 0
	for i, h := range res.Hits {
		if h.Why.VectorRank != i+1 || h.Why.LexicalRank != 0 {
			t.Errorf("vector hit %d: why %+v", i, h.Why)
		}
		if !hasMatch(h.Snippet) {
			t.Errorf("vector hit %d has no marked text: %+v", i, h.Snippet)
		}
		if len(h.Why.Terms) == 0 {
			semantic++
		}
	}
	if semantic == 0 {
		t.Errorf("no vector hit without a shared word; the test question no longer tests semantic snippets")
	}

	// Hybrid: the fused order, and a hit found by both retrievers says so.
	res, err = ix.Search(ctx, Query{Text: "border ports with Nepal", K: 10, PerDoc: -1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("hybrid: %v, %v", hitDocs(res.Hits), err)
	}
	if w := res.Hits[0].Why; w.LexicalRank == 0 || w.VectorRank == 0 || w.LexicalScore <= 0 {
		t.Errorf("hybrid top hit why %+v", w)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("hybrid hits out of order at %d", i)
		}
	}
}

// TestRankDocuments checks the evaluation hook: distinct reports, best
// first, K clamped, modes checked.
func TestRankDocuments(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	ctx := context.Background()
	for _, mode := range []Mode{"", ModeHybrid, ModeLexical, ModeVector} {
		ids, err := ix.RankDocuments(ctx, "foreign affairs conference", mode, 1000)
		if err != nil {
			t.Fatalf("%q: %v", mode, err)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%q: report %s twice", mode, id)
			}
			seen[id] = true
		}
		if len(ids) == 0 || len(ids) > MaxK {
			t.Errorf("%q: %d reports", mode, len(ids))
		}
		top, _ := ix.RankDocuments(ctx, "foreign affairs conference", mode, 1)
		if len(top) != 1 || top[0] != ids[0] {
			t.Errorf("%q: k=1 gives %v, k=1000 starts with %s", mode, top, ids[0])
		}
	}
	if _, err := ix.RankDocuments(ctx, "x", "bm25", 10); !errors.Is(err, ErrBadQuery) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := ix.RankDocuments(ctx, " ", ModeLexical, 10); !errors.Is(err, ErrBadQuery) {
		t.Errorf("empty text: %v", err)
	}
	// Test collections have paragraph-long queries.
	if _, err := ix.RankDocuments(ctx, strings.Repeat("border ports ", 200), ModeHybrid, 10); err != nil {
		t.Errorf("long text: %v", err)
	}
}

// lexicalIDs lists what the lexical index of ix holds.
func lexicalIDs(t *testing.T, ix *Index) []string {
	t.Helper()
	x, err := ix.ensureLexical(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids, err := x.IDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// viewIDs lists the passages of ix's view.
func viewIDs(t *testing.T, ix *Index) []string {
	t.Helper()
	var ids []string
	for _, ps := range passageIDs(t, ix) {
		ids = append(ids, ps...)
	}
	slices.Sort(ids)
	return ids
}

func lexicalGeneration(t *testing.T, ix *Index) (lex, store uint64) {
	t.Helper()
	x, err := ix.ensureLexical(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lex, err = x.Generation()
	if err != nil {
		t.Fatal(err)
	}
	_ = ix.read(func(v *view) error { store = v.man.Generation; return nil })
	return lex, store
}

// TestLexicalCatchUpAfterCrash simulates a crash between the manifest
// commit and the lexical apply, then reopens: the lexical index must be
// brought level with the store, and lexical hits of passages the store no
// longer has must never be returned meanwhile.
func TestLexicalCatchUpAfterCrash(t *testing.T) {
	dir := t.TempDir()
	reports, more := copyTree(t, "reports"), copyTree(t, "more")
	crash := false
	ix, err := Open(context.Background(), dir, Options{Logger: testLogger(t), Embedder: newCounting(t),
		lexicalHook: func() error {
			if crash {
				return errors.New("simulated crash")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	update(t, ix, reports)
	if l, s := lexicalGeneration(t, ix); l != s {
		t.Fatalf("lexical generation %d, store %d after a clean update", l, s)
	}
	crash = true
	update(t, ix, more)
	if err := os.Remove(filepath.Join(reports, "hainan-friendship.txt")); err != nil {
		t.Fatal(err)
	}
	update(t, ix, reports)
	if l, s := lexicalGeneration(t, ix); l == s {
		t.Fatalf("the simulated crash did not leave the lexical index behind (generation %d)", l)
	}
	// Stale lexical hits are dropped: the removed report is not returned.
	res, err := ix.Search(context.Background(), Query{Text: "Hainan friendship", Mode: ModeLexical, K: 20, PerDoc: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.DocID == "hainan-friendship" {
			t.Fatalf("a removed report is returned by the stale lexical index")
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix2 := openTest(t, dir, newCounting(t))
	if l, s := lexicalGeneration(t, ix2); l != s {
		t.Fatalf("after reopening, lexical generation %d, store %d", l, s)
	}
	if got, want := lexicalIDs(t, ix2), viewIDs(t, ix2); !slices.Equal(got, want) {
		t.Fatalf("lexical index holds %d passages, store %d", len(got), len(want))
	}
	res, err = ix2.Search(context.Background(), Query{Text: "Gyirong Zhangmu ports", Mode: ModeLexical, K: 1})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].DocID != "tibet-border" {
		t.Fatalf("report added before the crash not found lexically: %v, %v", hitDocs(res.Hits), err)
	}
}

// TestLexicalRebuiltWhenDamaged checks that a corrupt or missing lexical
// index is rebuilt from the store on Open.
func TestLexicalRebuiltWhenDamaged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"removed", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix := openTest(t, dir, newCounting(t))
			update(t, ix, copyTree(t, "reports"))
			want := viewIDs(t, ix)
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, filepath.Join(dir, lexicalDir))
			ix2 := openTest(t, dir, newCounting(t))
			if got := lexicalIDs(t, ix2); !slices.Equal(got, want) {
				t.Fatalf("rebuilt lexical index holds %v, want %v", got, want)
			}
			res, err := ix2.Search(context.Background(), Query{Text: searchCases[1].q, Mode: ModeLexical, K: 1})
			if err != nil || len(res.Hits) == 0 {
				t.Fatalf("lexical search after rebuild: %v, %v", hitDocs(res.Hits), err)
			}
		})
	}
}

// TestLexicalHeldByAnotherIndex opens two indexes on one directory, as a
// server and an indexer would: the second cannot open the lexical index
// (bolt's lock), so its updates skip it and its searches use an in-memory
// copy; the holder catches up on Reload. Results are right on both sides.
func TestLexicalHeldByAnotherIndex(t *testing.T) {
	dir := t.TempDir()
	server := openTest(t, dir, newCounting(t))
	update(t, server, copyTree(t, "reports"))
	indexer := openTest(t, dir, newCounting(t))
	if indexer.lex != nil {
		t.Fatal("the second index opened the lexical index the first holds")
	}
	update(t, indexer, copyTree(t, "more"))
	q := Query{Text: "Gyirong Zhangmu ports", Mode: ModeLexical, K: 1}
	res, err := indexer.Search(context.Background(), q)
	if err != nil || len(res.Hits) == 0 || res.Hits[0].DocID != "tibet-border" {
		t.Fatalf("indexer (in-memory lexical index): %v, %v", hitDocs(res.Hits), err)
	}
	if changed, err := server.Reload(context.Background()); !changed || err != nil {
		t.Fatalf("server reload: %v, %v", changed, err)
	}
	res, err = server.Search(context.Background(), q)
	if err != nil || len(res.Hits) == 0 || res.Hits[0].DocID != "tibet-border" {
		t.Fatalf("server after reload: %v, %v", hitDocs(res.Hits), err)
	}
	if l, s := lexicalGeneration(t, server); l != s {
		t.Fatalf("server lexical generation %d, store %d", l, s)
	}
}

// TestLexicalQueriesAnyUnicode runs odd questions in every mode: none
// may fail other than as a bad query, or panic.
func TestLexicalQueriesAnyUnicode(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "more"))
	for _, q := range lexicalOddQueries {
		for _, mode := range []Mode{ModeLexical, ModeHybrid, ModeVector} {
			t.Run(fmt.Sprintf("%s %q", mode, q), func(t *testing.T) {
				_, err := ix.Search(context.Background(), Query{Text: q, Mode: mode})
				if err != nil && !errors.Is(err, ErrBadQuery) {
					t.Fatalf("err = %v", err)
				}
			})
		}
	}
}

var lexicalOddQueries = []string{
	"\u200b", "🙂🙂🙂", "西藏 边境 口岸", "\x00\x01", "שלום עולם", "e\u0301e\u0301", "AND OR NOT", `"unterminated`,
	"title:border", "+border -ports", "*", "?", "border~2", "border^10", "/re.*/", "ports.The", "ﬁnance",
	strings.Repeat("ports ", 300),
}

func FuzzSearch(f *testing.F) {
	for _, q := range lexicalOddQueries {
		f.Add(q, 0)
	}
	f.Add("border ports", 1)
	f.Add("border ports", 2)
	ix := openTest(f, f.TempDir(), newCounting(f))
	update(f, ix, copyTree(f, "more"))
	modes := []Mode{ModeLexical, ModeHybrid, ModeVector}
	f.Fuzz(func(t *testing.T, q string, m int) {
		mode := modes[uint(m)%uint(len(modes))]
		res, err := ix.Search(context.Background(), Query{Text: q, Mode: mode})
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("%q: %v", q, err)
			}
			return
		}
		for _, h := range res.Hits {
			if h.Text == "" || len(h.Snippet) == 0 {
				t.Fatalf("%q: hit %s without text or snippet", q, h.ID)
			}
		}
	})
}
