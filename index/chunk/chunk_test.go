package chunk

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plenary-search/plenary/index/clean"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(b)
}

// split runs Blocks, Extract and Split as the index does.
func split(text string, opts Options) []Passage {
	blocks := clean.Blocks(text)
	m := clean.ExtractBlocks(text, blocks, clean.Hint{})
	return Split(text, blocks, m.Title, opts)
}

var anchorRE = regexp.MustCompile(`^p-[0-9a-f]{10}(-[0-9]+)?$`)

// checkPassages asserts the invariants every passage list must hold.
func checkPassages(t *testing.T, text string, ps []Passage, opts Options) {
	t.Helper()
	opts = opts.withDefaults()
	seen := map[string]bool{}
	prevEnd := 0
	for i, p := range ps {
		if p.Ord != i {
			t.Errorf("passage %d has Ord %d", i, p.Ord)
		}
		if p.Start < prevEnd || p.End > len(text) || p.Start >= p.End {
			t.Fatalf("passage %d span [%d,%d) out of order or range (len %d)", i, p.Start, p.End, len(text))
		}
		prevEnd = p.End
		if text[p.Start:p.End] != p.Text {
			t.Errorf("passage %d: Text is not text[Start:End]", i)
		}
		if p.Clean != clean.Repair(p.Text) {
			t.Errorf("passage %d: Clean is not Repair(Text)", i)
		}
		if !utf8.ValidString(p.Text) && utf8.ValidString(text) {
			t.Errorf("passage %d: invalid UTF-8", i)
		}
		if !anchorRE.MatchString(p.Anchor) || seen[p.Anchor] {
			t.Errorf("passage %d: bad or repeated anchor %q", i, p.Anchor)
		}
		seen[p.Anchor] = true
		if w := countWords(p.Text); w > opts.MaxWords {
			t.Errorf("passage %d has %d words, more than %d", i, w, opts.MaxWords)
		}
	}
}

func TestSplitFixture(t *testing.T) {
	text := readFixture(t, "report.txt")
	ps := split(text, Options{})
	checkPassages(t, text, ps, Options{})
	var got []string
	for _, p := range ps {
		got = append(got, p.Text)
	}
	all := strings.Join(got, "\n")
	for _, bad := range []string{"Source: Example Daily", "Editor: Li Si"} {
		if strings.Contains(all, bad) {
			t.Errorf("furniture %q was indexed", bad)
		}
	}
	if strings.Count(all, "Delegation visits partner province") != 0 {
		t.Errorf("headline or its repetition was indexed")
	}
	// The two one-line paragraphs join the opening paragraph before them;
	// the long paragraph (194 words) stays whole; the closing paragraph
	// cannot join it without passing 200 words.
	if len(ps) != 3 {
		t.Fatalf("got %d passages, want 3", len(ps))
	}
	if !strings.HasPrefix(ps[0].Text, "On May 12") || !strings.HasSuffix(ps[0].Text, "long history.") {
		t.Errorf("first passage = %q, want the opening and the two short paragraphs", ps[0].Text)
	}
	if !strings.HasPrefix(ps[1].Text, "The head of the delegation") || countWords(ps[1].Text) != 194 {
		t.Errorf("second passage = %q, want the long paragraph whole", ps[1].Text)
	}
	last := ps[len(ps)-1]
	if !strings.Contains(last.Text, "songs and dances.") {
		t.Errorf("last passage = %q, want the closing paragraph", last.Text)
	}
}

func TestSplitCases(t *testing.T) {
	words := func(n int, w string) string { return strings.TrimSpace(strings.Repeat(w+" ", n)) }
	// Each sentence is different, so that none is dropped as a duplicate.
	seq := 0
	sentence := func(n int) string {
		seq++
		return "Word" + strconv.Itoa(seq) + " " + words(n-1, "word") + "."
	}
	body := func(paras ...string) (string, []clean.Block) {
		text := strings.Join(paras, "\n\n")
		var blocks []clean.Block
		off := 0
		for _, p := range paras {
			blocks = append(blocks, clean.Block{Start: off, End: off + len(p), Kind: clean.Body})
			off += len(p) + 2
		}
		return text, blocks
	}
	tests := []struct {
		name   string
		paras  []string
		kinds  map[int]clean.Kind // overrides of block kinds
		title  string
		opts   Options
		counts []int // words per passage
	}{
		{name: "whole paragraphs", paras: []string{sentence(50), sentence(120)}, counts: []int{50, 120}},
		{name: "short merged", paras: []string{sentence(10), sentence(10), sentence(10), sentence(50)}, counts: []int{80}},
		{name: "short merged up to max", paras: []string{sentence(10), sentence(10), sentence(10), sentence(190)}, counts: []int{30, 190}},
		{name: "short tail merged back", paras: []string{sentence(100), sentence(10)}, counts: []int{110}},
		{name: "merge stops at max", paras: []string{sentence(30), sentence(180)}, counts: []int{30, 180}},
		{name: "long windowed evenly", paras: []string{strings.Repeat(sentence(25)+" ", 12)}, counts: []int{150, 150}},
		{name: "enormous sentence cut", paras: []string{words(450, "w")}, counts: []int{200, 200, 50}},
		{name: "text without spaces cut", paras: []string{strings.Repeat("x", maxWordBytes*450)}, counts: []int{200, 200, 50}},
		{name: "furniture breaks merging", paras: []string{sentence(10), "Editor: X", sentence(10)}, kinds: map[int]clean.Kind{1: clean.Furniture}, counts: []int{10, 10}},
		{name: "duplicate dropped", paras: []string{"Same " + words(49, "x"), "same  " + words(49, "x") + "!"}, counts: []int{50}},
		{name: "title dropped", paras: []string{"The Big Headline", sentence(50)}, title: "the big headline!", counts: []int{50}},
		{name: "lead sentence is not the title", paras: []string{"The office met in Kunming on trade.", sentence(50)}, kinds: map[int]clean.Kind{0: clean.Title}, title: "Kunming trade meeting report", counts: []int{57}},
		{name: "headline equal to the title dropped", paras: []string{"The Big Headline", sentence(50)}, kinds: map[int]clean.Kind{0: clean.Title}, title: "The big headline", counts: []int{50}},
		{name: "headline beginning with a cut title dropped", paras: []string{"A very long headline about the meeting", sentence(50)}, kinds: map[int]clean.Kind{0: clean.Title}, title: "A very long headline…", counts: []int{50}},
		{name: "only body used", paras: []string{"Headline", "Source: X", sentence(50)}, kinds: map[int]clean.Kind{0: clean.Title, 1: clean.Byline}, counts: []int{50}},
		{name: "custom sizes", paras: []string{sentence(5), sentence(5), sentence(30)}, opts: Options{MinWords: 8, MaxWords: 20}, counts: []int{10, 20, 10}},
		{name: "chinese characters are words", paras: []string{strings.Repeat("会议强调合作。", 60)}, counts: []int{140, 140, 140}},
		{name: "empty", paras: nil, counts: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, blocks := body(tt.paras...)
			for i, k := range tt.kinds {
				blocks[i].Kind = k
			}
			ps := Split(text, blocks, tt.title, tt.opts)
			checkPassages(t, text, ps, tt.opts)
			var got []int
			for _, p := range ps {
				got = append(got, countWords(p.Text))
			}
			if !equalInts(got, tt.counts) {
				t.Errorf("words per passage = %v, want %v", got, tt.counts)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSplitBadBlocks(t *testing.T) {
	text := "Some body text that is here."
	blocks := []clean.Block{{Start: -5, End: 4}, {Start: 10, End: 999}, {Start: 8, End: 3}, {Start: 0, End: len(text)}, {Start: 2, End: 6}}
	ps := Split(text, blocks, "", Options{})
	if len(ps) != 1 || ps[0].Text != text {
		t.Errorf("Split with bad blocks = %+v, want the one good block", ps)
	}
}

func TestAnchors(t *testing.T) {
	text := readFixture(t, "report.txt")
	a, b := split(text, Options{}), split(text, Options{})
	for i := range a {
		if a[i].Anchor != b[i].Anchor {
			t.Fatalf("anchor %d differs between runs: %s, %s", i, a[i].Anchor, b[i].Anchor)
		}
	}
	// Editing the last paragraph leaves the other passages' anchors alone.
	edited := strings.Replace(text, "performed songs and dances", "performed folk songs", 1)
	c := split(edited, Options{})
	if len(c) != len(a) {
		t.Fatalf("edit changed the passage count: %d, %d", len(a), len(c))
	}
	for i := range a[:len(a)-1] {
		if a[i].Anchor != c[i].Anchor {
			t.Errorf("anchor %d changed after an unrelated edit", i)
		}
	}
	if a[len(a)-1].Anchor == c[len(c)-1].Anchor {
		t.Errorf("edited passage kept its anchor")
	}
	// Spacing and glue repaired for indexing do not change the anchor.
	if anchorOf(clean.Repair("the meeting.The  end")) != anchorOf(clean.Repair("The meeting. The end")) {
		t.Errorf("anchor depends on spacing or case")
	}
}

func TestAnchorCollision(t *testing.T) {
	// Two equal passages (kept because dedupe works per paragraph and
	// windows of one paragraph may repeat) get numbered anchors.
	p := strings.Repeat("Same sentence here. ", 10)
	text := strings.TrimSpace(strings.Repeat(p, 2))
	ps := Split(text, []clean.Block{{Start: 0, End: len(text), Kind: clean.Body}}, "", Options{MinWords: 5, MaxWords: 30})
	if len(ps) < 2 {
		t.Fatalf("got %d passages", len(ps))
	}
	base := ps[0].Anchor
	if ps[1].Anchor != base+"-2" {
		t.Errorf("second equal passage anchor = %q, want %q", ps[1].Anchor, base+"-2")
	}
}

// TestSeeds checks the passages of the shared seed reports: counts (a
// golden expectation, change it knowingly), offsets, sizes and anchors.
func TestSeeds(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared seeds not available at %s: %v", dir, err)
	}
	want := map[string]int{
		"000_fa7249a3d403bb6b.txt": 8,
		"001_d44c4d3e8e1cadb2.txt": 3,
		"002_8b4324cd1f24d36d.txt": 18,
		"003_a46bb6e1a2a4da29.txt": 5,
		"004_293d459c3e9c25e4.txt": 15,
	}
	for name, n := range want {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			ps := split(text, Options{})
			checkPassages(t, text, ps, Options{})
			if len(ps) != n {
				t.Errorf("got %d passages, want %d", len(ps), n)
			}
			for i, p := range ps {
				if w := countWords(p.Text); w < defaultMinWords {
					t.Errorf("passage %d has only %d words: %q", i, w, p.Text)
				}
				if strings.Contains(p.Text, "Copyright") || strings.Contains(p.Text, "Related News") {
					t.Errorf("passage %d holds furniture", i)
				}
			}
			again := split(text, Options{})
			for i := range ps {
				if ps[i].Anchor != again[i].Anchor {
					t.Errorf("anchor %d unstable", i)
				}
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add(readFixture(f, "report.txt"), "", 0, 0)
	f.Add("a\n\nb\n\nc", "a", 1, 1)
	f.Add(strings.Repeat("word ", 500), "", 3, 7)
	f.Fuzz(func(t *testing.T, text, title string, minW, maxW int) {
		opts := Options{MinWords: minW % 500, MaxWords: maxW % 1000}
		blocks := clean.Blocks(text)
		ps := Split(text, blocks, title, opts)
		bounds := map[int]bool{len(text): true}
		for i := range text {
			bounds[i] = true
		}
		for _, p := range ps {
			if !bounds[p.Start] || !bounds[p.End] {
				t.Fatalf("passage [%d,%d) not on rune boundaries", p.Start, p.End)
			}
		}
		checkPassages(t, text, ps, opts)
	})
}

// BenchmarkBlocksSplit measures cleaning and splitting a 1 MB report.
func BenchmarkBlocksSplit(b *testing.B) {
	para := readFixture(b, "report.txt")
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		// Vary the text so that paragraphs are not dropped as duplicates.
		sb.WriteString(strings.ReplaceAll(para, "delegation", "delegation "+strconv.Itoa(i)))
		sb.WriteString("\n\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n = len(Split(text, clean.Blocks(text), "", Options{}))
	}
	b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "passages/s")
}
