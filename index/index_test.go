package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/plenary-search/plenary/index/ingest"
	"github.com/plenary-search/plenary/index/store"
)

func TestFirstBuildThenUnchanged(t *testing.T) {
	emb := newCounting(t)
	ix := openTest(t, t.TempDir(), emb)
	reports := copyTree(t, "reports")
	prog := &recorder{}
	rep, err := ix.Update(context.Background(), []string{reports}, UpdateOptions{Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 6 || rep.Changed+rep.Unchanged+rep.Removed+rep.Skipped != 0 || !rep.Refitted {
		t.Fatalf("first build report = %+v, want 6 added and a fit", rep)
	}
	st, _ := ix.Stats(context.Background())
	if st.Documents != 6 || st.Passages != rep.Passages || st.Passages < 6 || st.Dim != 100 {
		t.Fatalf("stats = %+v, report = %+v", st, rep)
	}
	if got := int(emb.passages.Load()); got != st.Passages {
		t.Errorf("embedded %d passages, index has %d", got, st.Passages)
	}
	if prog.total != st.Passages || prog.done != st.Passages || prog.finished != 1 {
		t.Errorf("progress saw %+v, want %d started and done, finished once", prog, st.Passages)
	}

	emb.passages.Store(0)
	rep = update(t, ix, reports)
	if rep.Unchanged != 6 || rep.Added+rep.Changed+rep.Removed != 0 || rep.Refitted {
		t.Fatalf("re-index of unchanged files = %+v", rep)
	}
	if n := emb.passages.Load(); n != 0 {
		t.Fatalf("re-index of unchanged files embedded %d passages", n)
	}
}

func TestChangedFileIsTheOnlyOneReembedded(t *testing.T) {
	emb := newCounting(t)
	ix := openTest(t, t.TempDir(), emb)
	reports := copyTree(t, "reports")
	update(t, ix, reports)
	before := passageIDs(t, ix)

	path := filepath.Join(reports, "gansu-plenary.txt")
	b, _ := os.ReadFile(path)
	edited := strings.Replace(string(b), "Editor: Li Na",
		"The meeting also decided to open a representative office in Almaty to serve traders of camel wool and apricots.\n\nEditor: Li Na", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	emb.passages.Store(0)
	rep := update(t, ix, reports)
	if rep.Changed != 1 || rep.Unchanged != 5 || rep.Refitted {
		t.Fatalf("report after editing one file = %+v", rep)
	}
	after := passageIDs(t, ix)
	man, err := ix.st.ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(man.Segments); n != 2 || man.Segments[1].Docs != 1 || man.Segments[1].Size >= man.Segments[0].Size/3 {
		t.Errorf("changing one report should append one small segment: %+v", man.Segments)
	}
	if got, want := emb.passages.Load(), int64(len(after["gansu-plenary"])); got != want {
		t.Errorf("embedded %d passages, the changed report has %d", got, want)
	}
	for id, ids := range before {
		if id == "gansu-plenary" {
			continue
		}
		if !slices.Equal(ids, after[id]) {
			t.Errorf("passage IDs of unchanged %s moved: %v → %v", id, ids, after[id])
		}
	}
	// Untouched paragraphs of the edited report keep their anchors.
	kept := 0
	for _, id := range before["gansu-plenary"] {
		if slices.Contains(after["gansu-plenary"], id) {
			kept++
		}
	}
	if kept == 0 {
		t.Errorf("no passage of the edited report kept its ID: %v → %v", before["gansu-plenary"], after["gansu-plenary"])
	}
	res, err := ix.Search(context.Background(), Query{Text: "representative office in Almaty for camel wool", K: 1})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].DocID != "gansu-plenary" {
		t.Fatalf("search for the new paragraph: %+v, %v", res.Hits, err)
	}
}

func TestDeletedFileIsRemovedOtherRootsStay(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	reports, more := copyTree(t, "reports"), copyTree(t, "more")
	update(t, ix, reports, more)
	if err := os.Remove(filepath.Join(reports, "hainan-friendship.txt")); err != nil {
		t.Fatal(err)
	}
	rep := update(t, ix, reports)
	if rep.Removed != 1 || rep.Unchanged != 5 {
		t.Fatalf("report after deleting one file = %+v", rep)
	}
	if _, _, err := ix.Document(context.Background(), "hainan-friendship"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted report: err = %v, want ErrNotFound", err)
	}
	if _, _, err := ix.Document(context.Background(), "tibet-border"); err != nil {
		t.Errorf("report of the other root: %v", err)
	}
	res, err := ix.Search(context.Background(), Query{Text: "zero-tariff free trade port council", K: 20, PerDoc: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.DocID == "hainan-friendship" {
			t.Fatalf("a deleted report is still found: %s", h.ID)
		}
	}
	// A path that does not exist fails the update and removes nothing.
	if _, err := ix.Update(context.Background(), []string{filepath.Join(reports, "nope")}, UpdateOptions{}); err == nil {
		t.Fatal("update of a missing path succeeded")
	}
	if st, _ := ix.Stats(context.Background()); st.Documents != 6 {
		t.Fatalf("documents after a failed update = %d, want 6", st.Documents)
	}
}

func TestIDsSurviveReopenAndReindex(t *testing.T) {
	dir := t.TempDir()
	reports := copyTree(t, "reports")
	ix := openTest(t, dir, newCounting(t))
	update(t, ix, reports)
	want := passageIDs(t, ix)
	q := Query{Text: "Harbin ice and snow festival", K: 5}
	wantRes, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if _, err := ix.Search(context.Background(), q); err == nil {
		t.Error("search on a closed index succeeded")
	}

	ix2 := openTest(t, dir, newCounting(t))
	if got := passageIDs(t, ix2); !equalIDs(got, want) {
		t.Fatalf("passage IDs after reopen differ:\n%v\n%v", got, want)
	}
	gotRes, err := ix2.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotRes.Hits) != len(wantRes.Hits) {
		t.Fatalf("%d hits after reopen, %d before", len(gotRes.Hits), len(wantRes.Hits))
	}
	for i := range gotRes.Hits {
		g, w := gotRes.Hits[i], wantRes.Hits[i]
		if g.ID != w.ID || fmt.Sprintf("%.5f", g.Score) != fmt.Sprintf("%.5f", w.Score) {
			t.Errorf("hit %d after reopen = %s %.5f, before %s %.5f", i, g.ID, g.Score, w.ID, w.Score)
		}
	}

	// A fresh index of the same files gets the same IDs.
	ix3 := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix3, reports)
	if got := passageIDs(t, ix3); !equalIDs(got, want) {
		t.Fatalf("passage IDs of a rebuilt index differ:\n%v\n%v", got, want)
	}
}

func equalIDs(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestEmbedderMismatch(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir, newCounting(t))
	update(t, ix, copyTree(t, "more"))
	ix.Close()
	for _, tc := range []struct {
		name string
		emb  *countingEmbedder
	}{
		{"other name", func() *countingEmbedder { e := newCounting(t); e.name = "remote:other-model"; return e }()},
		{"other dimension", func() *countingEmbedder { e := newCounting(t); e.dim = 384; return e }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), dir, Options{Embedder: tc.emb})
			if !errors.Is(err, ErrEmbedderMismatch) {
				t.Fatalf("err = %v, want ErrEmbedderMismatch", err)
			}
			if !strings.Contains(err.Error(), "builtin:glove-6b-100d-sif") || !strings.Contains(err.Error(), tc.emb.Name()) {
				t.Errorf("error %q does not name both embedders", err)
			}
		})
	}
	// An empty index records whichever embedder first fills it.
	other := newCounting(t)
	other.name = "test:renamed"
	ix2 := openTest(t, t.TempDir(), other)
	update(t, ix2, copyTree(t, "more"))
	if st, _ := ix2.Stats(context.Background()); st.Embedder != "test:renamed" {
		t.Errorf("stats name %q", st.Embedder)
	}
}

// searchCases are questions whose answer is one report of testdata; each
// uses words distinctive of that report, so a failure means retrieval
// broke, not that the model has taste.
var searchCases = []struct {
	q, want string
}{
	{"ice and snow tourism in Harbin", "heilongjiang"},
	{"China-ASEAN Expo in Nanning", "guangxi-asean"},
	{"Dunhuang Mogao Grottoes murals", "gansu-plenary"},
	{"Hainan free trade port zero-tariff policy", "hainan-friendship"},
	{"overseas Chinese investment in Quanzhou", "fujian-overseas"},
	{"Qinghai Lake cycling race", "qinghai-conference"},
}

func TestSearchFindsTheReport(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	for _, tc := range searchCases {
		t.Run(tc.q, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Query{Text: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].DocID != tc.want {
				t.Fatalf("top hit %v, want %s", hitDocs(res.Hits), tc.want)
			}
			h := res.Hits[0]
			if h.Title == "" || h.Score <= 0 || h.Score > 1.0001 || h.ID != h.DocID+"#"+h.Anchor {
				t.Errorf("hit fields: %+v", h)
			}
			d, _, err := ix.Document(context.Background(), h.DocID)
			if err != nil || d.Text[h.Start:h.End] != h.Text {
				t.Errorf("hit text is not the document's text at its offsets (err %v)", err)
			}
			if !hasMatch(h.Snippet) {
				t.Errorf("snippet marks nothing: %+v", h.Snippet)
			}
			for i := 1; i < len(res.Hits); i++ {
				if res.Hits[i].Score > res.Hits[i-1].Score {
					t.Errorf("hits out of order at %d", i)
				}
			}
		})
	}
}

func hitDocs(hs []Hit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%s(%.2f)", h.DocID, h.Score))
	}
	return out
}

func hasMatch(fs []Fragment) bool {
	for _, f := range fs {
		if f.Match {
			return true
		}
	}
	return false
}

func TestPerDocCapAndKClamping(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	st, _ := ix.Stats(context.Background())
	count := func(hs []Hit) map[string]int {
		m := map[string]int{}
		for _, h := range hs {
			m[h.DocID]++
		}
		return m
	}
	tests := []struct {
		name      string
		q         Query
		wantHits  int
		maxPerDoc int
	}{
		{"default cap", Query{Text: "the meeting", K: 100}, -1, DefaultPerDoc},
		{"cap of one", Query{Text: "the meeting", K: 100, PerDoc: 1}, st.Documents, 1},
		{"no cap returns every passage", Query{Text: "the meeting", K: 1000, PerDoc: -1}, st.Passages, 1000},
		{"default K", Query{Text: "the meeting", PerDoc: -1}, min(DefaultK, st.Passages), 1000},
		{"negative K", Query{Text: "the meeting", K: -3, PerDoc: -1}, min(DefaultK, st.Passages), 1000},
		{"K of one", Query{Text: "the meeting", K: 1}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantHits >= 0 && len(res.Hits) != tc.wantHits {
				t.Errorf("%d hits, want %d", len(res.Hits), tc.wantHits)
			}
			for doc, n := range count(res.Hits) {
				if n > tc.maxPerDoc {
					t.Errorf("%d passages of %s, cap %d", n, doc, tc.maxPerDoc)
				}
			}
		})
	}
	// Without a cap some report contributes more than the default cap,
	// so the cap test above is not vacuous.
	res, _ := ix.Search(context.Background(), Query{Text: "the meeting", K: 100, PerDoc: -1})
	most := 0
	for _, n := range count(res.Hits) {
		most = max(most, n)
	}
	if most <= DefaultPerDoc {
		t.Fatalf("no report has more than %d passages; the fixtures cannot test the cap", DefaultPerDoc)
	}
}

func TestSearchOnEmptyIndexAndBadQueries(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	res, err := ix.Search(context.Background(), Query{Text: "anything at all", K: 100})
	if err != nil || len(res.Hits) != 0 {
		t.Fatalf("empty index: %+v, %v", res, err)
	}
	for _, mode := range []Mode{ModeLexical, ModeVector, ModeHybrid} {
		res, err := ix.Search(context.Background(), Query{Text: "border ports", Mode: mode})
		if err != nil || len(res.Hits) != 0 {
			t.Fatalf("empty index, mode %s: %+v, %v", mode, res, err)
		}
		ids, err := ix.RankDocuments(context.Background(), "border ports", mode, 10)
		if err != nil || len(ids) != 0 {
			t.Fatalf("empty index, rank reports in mode %s: %v, %v", mode, ids, err)
		}
	}
	if _, err := ix.Similar(context.Background(), "x", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("similar on empty index: %v", err)
	}
	update(t, ix, copyTree(t, "more"))
	for name, q := range map[string]string{
		"empty":    "",
		"blank":    " \t\n ",
		"too long": strings.Repeat("é", MaxQueryRunes+1),
		"bad utf8": "\xff\xfe",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), Query{Text: q})
			if name == "bad utf8" {
				// Replaced by U+FFFD and searched: not an error.
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("err = %v, want ErrBadQuery", err)
			}
		})
	}
	for _, tc := range []struct {
		mode Mode
		ok   bool
		// check says what Why must show for the top hit.
		check func(w Why, score float64) bool
	}{
		{"", true, func(w Why, _ float64) bool { return w.LexicalRank == 1 && w.VectorRank > 0 }},
		{ModeHybrid, true, func(w Why, _ float64) bool { return w.LexicalRank == 1 && w.VectorRank > 0 }},
		{ModeVector, true, func(w Why, s float64) bool { return w.VectorRank == 1 && w.VectorScore == s && w.LexicalRank == 0 }},
		{ModeLexical, true, func(w Why, s float64) bool { return w.LexicalRank == 1 && w.LexicalScore == s && w.VectorRank == 0 }},
		{"bm25", false, nil},
	} {
		res, err := ix.Search(context.Background(), Query{Text: "border ports", Mode: tc.mode})
		if tc.ok && (err != nil || len(res.Hits) == 0 || !tc.check(res.Hits[0].Why, res.Hits[0].Score)) {
			t.Errorf("mode %q: %+v, %v", tc.mode, res.Hits, err)
		}
		if !tc.ok && !errors.Is(err, ErrBadQuery) {
			t.Errorf("mode %q: err = %v, want ErrBadQuery", tc.mode, err)
		}
	}
	if _, err := ix.Search(context.Background(), Query{Text: strings.Repeat("é", MaxQueryRunes)}); err != nil {
		t.Errorf("question of exactly the maximum length: %v", err)
	}
}

func TestSimilar(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"), copyTree(t, "more"))
	sims, err := ix.Similar(context.Background(), "qinghai-conference", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sims) != DefaultSimilar {
		t.Fatalf("%d similar reports, want %d", len(sims), DefaultSimilar)
	}
	for i, s := range sims {
		if s.DocID == "qinghai-conference" {
			t.Error("a report is similar to itself")
		}
		if s.Title == "" {
			t.Errorf("similar report %s without title", s.DocID)
		}
		if i > 0 && s.Score > sims[i-1].Score {
			t.Errorf("similar reports out of order at %d", i)
		}
	}
	all, err := ix.Similar(context.Background(), "qinghai-conference", 1000)
	if err != nil || len(all) != 6 {
		t.Fatalf("k above the count: %d results, %v; want the 6 others", len(all), err)
	}
	for _, id := range []string{"nope", "", "../reports/gansu-plenary", "gansu-plenary/..", "a\x00b", strings.Repeat("x", 1<<20), "gansu-plenary#p-0000000000"} {
		if _, err := ix.Similar(context.Background(), id, 3); !errors.Is(err, ErrNotFound) {
			t.Errorf("Similar(%.20q) err = %v, want ErrNotFound", id, err)
		}
		if _, _, err := ix.Document(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Document(%.20q) err = %v, want ErrNotFound", id, err)
		}
	}
}

func TestDocumentPassagesInOrder(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	update(t, ix, copyTree(t, "reports"))
	for _, id := range []string{"qinghai-conference", "heilongjiang", "guangxi-asean"} {
		d, ps, err := ix.Document(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != id || d.Title == "" || d.Text == "" || d.Path == "" || len(ps) == 0 {
			t.Fatalf("document %s = %+v with %d passages", id, d, len(ps))
		}
		for i, p := range ps {
			if p.Ord != i || p.DocID != id || p.Text != d.Text[p.Start:p.End] || (i > 0 && p.Start < ps[i-1].End) {
				t.Errorf("%s passage %d = %+v", id, i, p)
			}
		}
	}
	d, _, _ := ix.Document(context.Background(), "guangxi-asean")
	if d.Date != "2024-01-15" || d.Place == "" || d.URL == "" || d.Source != "Guangxi Daily" {
		t.Errorf("JSONL metadata: %+v", d)
	}
	d, _, _ = ix.Document(context.Background(), "heilongjiang")
	if strings.Contains(d.Text, "<p>") || !strings.Contains(d.Title, "Harbin") {
		t.Errorf("HTML report: title %q, text %.80q", d.Title, d.Text)
	}
}

func TestConcurrentSearchDuringUpdate(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	reports, more := copyTree(t, "reports"), copyTree(t, "more")
	update(t, ix, reports)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				mode := []Mode{ModeHybrid, ModeLexical, ModeVector}[i%3]
				res, err := ix.Search(ctx, Query{Text: searchCases[(g+i)%len(searchCases)].q, Mode: mode})
				if err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
				if err == nil && len(res.Hits) == 0 {
					errs <- errors.New("no hits while updating")
					return
				}
				if _, err := ix.Similar(ctx, "gansu-plenary", 3); err != nil && ctx.Err() == nil {
					errs <- err
					return
				}
				if _, err := ix.Stats(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range 3 {
		path := filepath.Join(reports, "gansu-plenary.txt")
		b, _ := os.ReadFile(path)
		os.WriteFile(path, append(b, fmt.Sprintf("\nAddendum %d on the Hexi Corridor logistics hub and apricot exports.\n", i)...), 0o644)
		update(t, ix, reports, more)
		os.Remove(filepath.Join(more, "tibet-border.txt"))
		update(t, ix, more)
		os.WriteFile(filepath.Join(more, "tibet-border.txt"), []byte("The conference in Lhasa discussed border ports with Nepal and mountaineering on the plateau.\n"), 0o644)
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCrashBeforeCommitKeepsPreviousIndex(t *testing.T) {
	for _, step := range []string{"segment-written", "state-written", "manifest-temp-written"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			crash := false
			hook := func(s string) error {
				if crash && s == step {
					return errors.New("simulated crash")
				}
				return nil
			}
			emb := newCounting(t)
			ix, err := Open(context.Background(), dir, Options{Embedder: emb, storeHook: hook, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			reports, more := copyTree(t, "reports"), copyTree(t, "more")
			update(t, ix, reports)
			want := passageIDs(t, ix)

			crash = true
			// Adding a root with more passages than the fit forces a refit,
			// so the state file is written too.
			extra := t.TempDir()
			for i := range 20 {
				b, _ := os.ReadFile(filepath.Join(more, "tibet-border.txt"))
				os.WriteFile(filepath.Join(extra, fmt.Sprintf("copy%d.txt", i)), append(b, fmt.Sprintf("\nCopy number %d.\n", i)...), 0o644)
			}
			if _, err := ix.Update(context.Background(), []string{extra}, UpdateOptions{}); err == nil {
				t.Fatal("update with a crash hook succeeded")
			}
			// The process that failed still serves the old index...
			if got := passageIDs(t, ix); !equalIDs(got, want) {
				t.Fatal("the failed update changed the served index")
			}
			res, err := ix.Search(context.Background(), Query{Text: searchCases[0].q, K: 1})
			if err != nil || res.Hits[0].DocID != searchCases[0].want {
				t.Fatalf("search after a failed update: %v %v", hitDocs(res.Hits), err)
			}
			// ...and so does a fresh process.
			ix2 := openTest(t, dir, newCounting(t))
			if got := passageIDs(t, ix2); !equalIDs(got, want) {
				t.Fatal("the index on disk changed after a crash before commit")
			}
			res2, err := ix2.Search(context.Background(), Query{Text: searchCases[0].q, K: 1})
			if err != nil || res2.Hits[0].ID != res.Hits[0].ID || fmt.Sprintf("%.5f", res2.Hits[0].Score) != fmt.Sprintf("%.5f", res.Hits[0].Score) {
				t.Fatalf("reopened index answers differently: %v vs %v (%v)", hitDocs(res2.Hits), hitDocs(res.Hits), err)
			}
			crash = false
			rep := update(t, ix2, extra)
			if rep.Added != 20 || !rep.Refitted {
				t.Fatalf("update after the crash: %+v", rep)
			}
		})
	}
}

func TestLockedAndReload(t *testing.T) {
	dir := t.TempDir()
	reader := openTest(t, dir, newCounting(t))
	writer := openTest(t, dir, newCounting(t))
	if changed, err := reader.Reload(context.Background()); changed || err != nil {
		t.Fatalf("reload with nothing new: %v, %v", changed, err)
	}
	update(t, writer, copyTree(t, "reports"))
	changed, err := reader.Reload(context.Background())
	if !changed || err != nil {
		t.Fatalf("reload after another writer committed: %v, %v", changed, err)
	}
	if st, _ := reader.Stats(context.Background()); st.Documents != 6 {
		t.Fatalf("reader sees %d documents after reload", st.Documents)
	}
	res, err := reader.Search(context.Background(), Query{Text: searchCases[1].q, K: 1})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].DocID != searchCases[1].want {
		t.Fatalf("reader search after reload: %v %v", hitDocs(res.Hits), err)
	}
	// The reader, now behind the writer's next commit, catches up before
	// its own update instead of overwriting it.
	update(t, writer, copyTree(t, "more"))
	rep := update(t, reader, copyTree(t, "more"))
	if rep.Unchanged != 1 {
		t.Errorf("update of a stale reader = %+v, want the other writer's report unchanged", rep)
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Unlock()
	_, err = writer.Update(context.Background(), []string{copyTree(t, "more")}, UpdateOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("update while locked: err = %v, want ErrLocked naming the holder", err)
	}
	// Readers are not blocked by the writer lock.
	if _, err := writer.Search(context.Background(), Query{Text: "border ports"}); err != nil {
		t.Fatalf("search while locked: %v", err)
	}
}

func TestProblemsAreReported(t *testing.T) {
	ix := openTest(t, t.TempDir(), newCounting(t))
	dir := copyTree(t, "more")
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{not json\n"), 0o644)
	var problems []string
	rep, err := ix.Update(context.Background(), []string{dir}, UpdateOptions{OnProblem: func(p ingest.Problem) {
		problems = append(problems, p.Path)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 2 || len(problems) != 2 || rep.Added != 1 {
		t.Fatalf("report %+v, problems %v", rep, problems)
	}
}

// A question with no word the built-in model knows has no meaningful
// vector: no mode may present its nearest passages as answers. A real
// question on the same index still gets them.
func TestGibberishFindsNothing(t *testing.T) {
	ix := openTest(t, t.TempDir(), nil)
	update(t, ix, copyTree(t, "reports"))
	for _, mode := range []Mode{ModeHybrid, ModeVector, ModeLexical} {
		t.Run(string(mode), func(t *testing.T) {
			for q, want := range map[string]bool{"zzzqqqxx vvkkwwj": false, "foreign affairs meeting": true} {
				res, err := ix.Search(context.Background(), Query{Text: q, Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				if got := len(res.Hits) > 0; got != want {
					t.Errorf("%q: hits %v, want any: %v", q, hitDocs(res.Hits), want)
				}
			}
		})
	}
}
