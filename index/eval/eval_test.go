package eval

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const eps = 1e-6

func near(a, b float64) bool { return math.Abs(a-b) < eps }

func checkMetrics(t *testing.T, got, want Metrics) {
	t.Helper()
	if !near(got.NDCG10, want.NDCG10) || !near(got.MAP100, want.MAP100) ||
		!near(got.Recall100, want.Recall100) || !near(got.MRR10, want.MRR10) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// ranking returns n IDs "n1".."nN" that no judgment names, with the given
// IDs placed at the given 1-based ranks.
func ranking(n int, at map[int]string) []string {
	r := make([]string, n)
	for i := range r {
		r[i] = "n" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if id, ok := at[i+1]; ok {
			r[i] = id
		}
	}
	return r
}

func TestQueryMetrics(t *testing.T) {
	tests := []struct {
		name string
		rels map[string]int
		run  []string
		want Metrics
	}{
		{
			// Binary, R = 3; relevant at ranks 1 and 3.
			// DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
			// IDCG = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.630930 + 0.5 = 2.130930
			// nDCG = 1.5/2.130930 = 0.703918
			// AP = (1/1 + 2/3)/3 = 0.555556; recall = 2/3; MRR = 1.
			name: "binary",
			rels: map[string]int{"d1": 1, "d3": 1, "d5": 1},
			run:  []string{"d1", "d2", "d3", "d4"},
			want: Metrics{NDCG10: 0.703918, MAP100: 0.555556, Recall100: 2.0 / 3, MRR10: 1},
		},
		{
			// Graded a=4, b=2, c=1, ranked c, a, x, b.
			// DCG = 1/1 + 4/log2(3) + 2/log2(5) = 1 + 2.523719 + 0.861353 = 4.385072
			// IDCG = 4/1 + 2/log2(3) + 1/log2(4) = 4 + 1.261860 + 0.5 = 5.761860
			// nDCG = 0.761052; AP = (1/1 + 2/2 + 3/4)/3 = 0.916667.
			name: "graded",
			rels: map[string]int{"a": 4, "b": 2, "c": 1},
			run:  []string{"c", "a", "x", "b"},
			want: Metrics{NDCG10: 0.761052, MAP100: 0.916667, Recall100: 1, MRR10: 1},
		},
		{
			// Tied grades: either order of a and b is ideal.
			name: "ties in the ideal ranking",
			rels: map[string]int{"a": 2, "b": 2},
			run:  []string{"b", "a"},
			want: Metrics{NDCG10: 1, MAP100: 1, Recall100: 1, MRR10: 1},
		},
		{
			// Only relevant doc at rank 11: outside nDCG@10 and MRR@10,
			// inside MAP@100: AP = (1/11)/1 = 0.090909.
			name: "first relevant at 11",
			rels: map[string]int{"r": 1},
			run:  ranking(20, map[int]string{11: "r"}),
			want: Metrics{NDCG10: 0, MAP100: 1.0 / 11, Recall100: 1, MRR10: 0},
		},
		{
			name: "relevant at 100 and 101",
			rels: map[string]int{"r": 1, "s": 1},
			run:  ranking(120, map[int]string{100: "r", 101: "s"}),
			// AP = (1/100)/2 = 0.005; recall = 1/2.
			want: Metrics{MAP100: 0.005, Recall100: 0.5},
		},
		{
			// A repeated ID keeps its first rank: d1 at 2, the copy at 3
			// is skipped, so y is rank 3. nDCG = (1/log2 3)/1 = 0.630930.
			name: "duplicate in run",
			rels: map[string]int{"d1": 1},
			run:  []string{"x", "d1", "d1", "y"},
			want: Metrics{NDCG10: 0.630930, MAP100: 0.5, Recall100: 1, MRR10: 0.5},
		},
		{
			// A grade of 0 is a judged non-relevant document.
			name: "grade zero",
			rels: map[string]int{"a": 0, "b": 1},
			run:  []string{"a", "b"},
			want: Metrics{NDCG10: 0.630930, MAP100: 0.5, Recall100: 1, MRR10: 0.5},
		},
		{name: "empty run", rels: map[string]int{"a": 1}, run: nil, want: Metrics{}},
		{name: "no relevant judgments", rels: map[string]int{"a": 0}, run: []string{"a"}, want: Metrics{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkMetrics(t, QueryMetrics(tc.rels, tc.run), tc.want)
		})
	}
}

func TestLoadAndScore(t *testing.T) {
	ds, err := Load(filepath.Join("testdata", "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "tiny" || len(ds.Queries) != 3 || ds.Queries[1].Text != "border port" {
		t.Fatalf("loaded %+v", ds)
	}
	if ds.Qrels["q1"]["d3"] != 2 || len(ds.Qrels["q1"]) != 2 || ds.Qrels["q3"]["d4"] != 0 {
		t.Errorf("qrels %v", ds.Qrels)
	}
	if got, want := ds.CorpusPath(), filepath.Join("testdata", "tiny", "corpus.jsonl"); got != want {
		t.Errorf("CorpusPath = %s, want %s", got, want)
	}
	// q1: d3 (grade 2) at 1, d1 (grade 1) at 2 → every measure 1.
	// q2: missing from runs → 0. q3: no relevant judgment → not counted.
	runs := map[string][]string{"q1": {"d3", "d1"}, "q3": {"d4"}}
	checkMetrics(t, Score(ds, runs), Metrics{NDCG10: 0.5, MAP100: 0.5, Recall100: 0.5, MRR10: 0.5})
	per := PerQuery(ds, runs)
	if len(per) != 2 || per["q1"].NDCG10 != 1 || per["q2"].NDCG10 != 0 {
		t.Errorf("PerQuery = %+v", per)
	}
	// Swapping q1's two documents: DCG = 1 + 2/log2(3) = 2.261860,
	// IDCG = 2 + 1/log2(3) = 2.630930, nDCG = 0.859719; the mean halves it.
	swapped := Score(ds, map[string][]string{"q1": {"d1", "d3"}})
	if !near(swapped.NDCG10, 0.859719/2) {
		t.Errorf("swapped nDCG@10 = %.6f, want %.6f", swapped.NDCG10, 0.859719/2)
	}
	if got := Score(&Dataset{}, runs); got != (Metrics{}) {
		t.Errorf("empty dataset: %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	const goodQueries = `{"id": "q1", "text": "a"}` + "\n"
	const goodQrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\n"
	tests := []struct {
		name           string
		queries, qrels string
		noQueries      bool
		want           string
	}{
		{name: "bad json", queries: goodQueries + "{\"id\": \n", qrels: goodQrels, want: "queries.jsonl:2"},
		{name: "query without id", queries: `{"text": "a"}` + "\n", qrels: goodQrels, want: "queries.jsonl:1: query has no id"},
		{name: "duplicate query", queries: goodQueries + goodQueries, qrels: goodQrels, want: "queries.jsonl:2: duplicate"},
		{name: "empty queries", queries: "", qrels: goodQrels, want: "empty file"},
		{name: "missing queries", noQueries: true, qrels: goodQrels, want: "queries.jsonl"},
		{name: "two fields", queries: goodQueries, qrels: goodQrels + "q1\td2\n", want: "qrels.tsv:3: want 3"},
		{name: "bad score", queries: goodQueries, qrels: goodQrels + "q1\td2\thigh\n", want: "qrels.tsv:3: bad score"},
		{name: "empty id", queries: goodQueries, qrels: goodQrels + "\td2\t1\n", want: "qrels.tsv:3: empty"},
		{name: "duplicate judgment", queries: goodQueries, qrels: goodQrels + "q1\td1\t2\n", want: "qrels.tsv:3: duplicate"},
		{name: "no header", queries: goodQueries, qrels: "q1\td1\t1\n", want: "qrels.tsv:1: missing header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if !tc.noQueries {
				writeFile(t, filepath.Join(dir, "queries.jsonl"), tc.queries)
			}
			writeFile(t, filepath.Join(dir, "qrels.tsv"), tc.qrels)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	t.Run("missing qrels", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "queries.jsonl"), goodQueries)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "qrels.tsv") {
			t.Errorf("got %v", err)
		}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSharedDatasets loads every shared collection that has judgments.
func TestSharedDatasets(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "datasets")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("shared datasets not found at %s: %v", root, err)
	}
	n := 0
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "qrels.tsv")); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			ds, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			judged := 0
			for _, q := range ds.Queries {
				if hasRelevant(ds.Qrels[q.ID]) {
					judged++
				}
			}
			if judged == 0 || judged != len(ds.Queries) {
				t.Errorf("%d of %d queries have relevant judgments", judged, len(ds.Queries))
			}
		})
	}
	if n == 0 {
		t.Skip("no judged collections found")
	}
}

func FuzzLoadQrels(f *testing.F) {
	f.Add("query-id\tcorpus-id\tscore\nq\td\t1\n")
	f.Add("q\td\t1\n")
	f.Add("h\nq\td\tx\n\n\t\t\n")
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "qrels.tsv")
		writeFile(t, path, content)
		qrels, err := loadQrels(path)
		if err != nil {
			return
		}
		for q, m := range qrels {
			if q == "" || len(m) == 0 {
				t.Fatalf("bad entry %q → %v", q, m)
			}
		}
	})
}
