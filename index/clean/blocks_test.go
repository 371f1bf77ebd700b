package clean

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readFixture returns a file of testdata as a string.
func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(b)
}

// kindsOf returns each block's text mapped to its kind.
func kindsOf(text string, blocks []Block) map[string]Kind {
	out := map[string]Kind{}
	for _, b := range blocks {
		out[text[b.Start:b.End]] = b.Kind
	}
	return out
}

func TestBlocksFurniture(t *testing.T) {
	text := readFixture(t, "furniture.txt")
	got := kindsOf(text, Blocks(text))
	tests := []struct {
		block string
		want  Kind
	}{
		{"Tel: 0871-6360-1234 E-mail: office@example.org", Furniture},
		{"Home > News > Provincial Affairs", Furniture},
		{"Friendship association holds annual council meeting in Lijiang", Title},
		{"Pub Date: 2022-11-03 10:15 Source: Example Province News Office", Byline},
		{"Delegates from twelve prefectures attended the meeting and exchanged views on cooperation with partner organisations in neighbouring countries.", Body},
		{"Editor: Zhang San", Furniture},
		{"Share to: | WeChat | Weibo | Print", Furniture},
		{"browse: 3,402", Furniture},
		{"By Example writer Wang Wu", Byline},
		{"Related News", Furniture},
		{"- Museum reopens after renovation   2022-11-02 09:00", Furniture},
		{"Photo >>", Furniture},
		{"Lanterns light up the old town", Furniture},
		{"Video >>", Furniture},
		{"A morning at the flower market", Furniture},
		{"Contact Us", Furniture},
		{"Copyright © 2005-2022 example.org All rights reserved.", Furniture},
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			k, ok := got[tt.block]
			if !ok {
				t.Fatalf("no block %q; blocks: %v", tt.block, got)
			}
			if k != tt.want {
				t.Errorf("kind = %v, want %v", k, tt.want)
			}
		})
	}
}

func TestBlocksSplitting(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"blank lines", "One.\n\nTwo.\n\n\nThree.", []string{"One.", "Two.", "Three."}},
		{"one paragraph per line", "Headline here\nFirst paragraph.\nSecond paragraph.", []string{"Headline here", "First paragraph.", "Second paragraph."}},
		{"crlf and spaces", "  A line.\r\n\r\n\tB line.  \r\n", []string{"A line.", "B line."}},
		{"unicode spaces", "\u3000\u3000Indented.\u2003\n\u00a0\nNext.", []string{"Indented.", "Next."}},
		{"empty", "", nil},
		{"blank only", " \n\n\t\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, b := range Blocks(tt.text) {
				got = append(got, tt.text[b.Start:b.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("blocks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBlocksHardWrapped(t *testing.T) {
	text := readFixture(t, "wrapped.txt")
	blocks := Blocks(text)
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want 3 (title and two wrapped paragraphs)", len(blocks))
	}
	if blocks[0].Kind != Title {
		t.Errorf("first block kind = %v, want title", blocks[0].Kind)
	}
	for _, b := range blocks[1:] {
		p := text[b.Start:b.End]
		if b.Kind != Body || strings.Count(p, "\n") < 2 {
			t.Errorf("block %q: kind %v, want a body paragraph of several lines", p, b.Kind)
		}
	}
}

func TestBlocksConservative(t *testing.T) {
	// Sentences that mention furniture words are still body.
	tests := []string{
		"The delegates discussed how mobile phone networks and e-mail services could link the border towns, and agreed on a joint plan.",
		"The meeting reviewed copyright protection for cultural products and the rules for their trade with neighbouring countries.",
		"Related news agencies from both sides reported on the talks, which covered trade, tourism and education over three days.",
		"Source materials for the exhibition were provided by museums in five provinces, the organisers said at the opening ceremony.",
	}
	for _, p := range tests {
		t.Run(p[:20], func(t *testing.T) {
			text := "A headline\n\n" + p
			bl := Blocks(text)
			if len(bl) != 2 || bl[1].Kind != Body {
				t.Errorf("blocks %+v, want the paragraph as body", bl)
			}
		})
	}
}

func TestBlocksRelatedListEndsAtBody(t *testing.T) {
	text := "Title line\n\nRelated News\nShort link one\nThe meeting then continued in the afternoon, and the delegates adopted the joint statement on cooperation in trade and culture."
	bl := Blocks(text)
	last := bl[len(bl)-1]
	if last.Kind != Body {
		t.Errorf("sentence after a link list: kind %v, want body", last.Kind)
	}
	if bl[2].Kind != Furniture {
		t.Errorf("link line: kind %v, want furniture", bl[2].Kind)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Body: "body", Title: "title", Furniture: "furniture", Byline: "byline"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(k), k.String(), want)
		}
	}
}

// checkBlocks asserts Blocks' invariants.
func checkBlocks(t *testing.T, text string, blocks []Block) {
	t.Helper()
	bounds := runeBounds(text)
	prev := 0
	for _, b := range blocks {
		if b.Start < prev || b.End > len(text) || b.Start >= b.End {
			t.Fatalf("block %+v out of order or range (len %d, prev end %d)", b, len(text), prev)
		}
		if !bounds[b.Start] || !bounds[b.End] {
			t.Fatalf("block %+v not on rune boundaries", b)
		}
		if b.Kind < Body || b.Kind > Byline {
			t.Fatalf("block %+v has an unknown kind", b)
		}
		prev = b.End
	}
}

// runeBounds marks the offsets where decoding text rune by rune stops,
// the end included; an invalid byte decodes as one rune.
func runeBounds(text string) map[int]bool {
	m := map[int]bool{len(text): true}
	for i := range text {
		m[i] = true
	}
	return m
}

func FuzzBlocks(f *testing.F) {
	for _, name := range []string{"furniture.txt", "wrapped.txt", "glued.txt"} {
		f.Add(readFixture(f, name))
	}
	f.Add("Related News\n\n\xff\xfe>>\n")
	f.Fuzz(func(t *testing.T, text string) {
		checkBlocks(t, text, Blocks(text))
	})
}

func TestBlocksSectionLabel(t *testing.T) {
	// A bare section name is furniture but does not swallow what follows.
	text := "Headline\n\nPhotos\nA short line of body\nAnother short one"
	bl := Blocks(text)
	want := []Kind{Title, Furniture, Body, Body}
	for i, b := range bl {
		if i >= len(want) || b.Kind != want[i] {
			t.Fatalf("kinds: got %v at %d, want %v", b.Kind, i, want)
		}
	}
}
