package lexical

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestMemoryMatchesDisk checks that an in-memory index ranks exactly as
// one on disk holding the same passages, and follows the same changes.
func TestMemoryMatchesDisk(t *testing.T) {
	ctx := context.Background()
	docs := loadPassages(t)
	disk := openWith(t, docs)
	mem, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mem.Close() })
	if err := mem.Apply(ctx, docs, nil, 1); err != nil {
		t.Fatal(err)
	}
	compare := func(step string) {
		t.Helper()
		for _, q := range []string{"foreign affairs work conference", "meetings", "friendship association", "border ports"} {
			a, err1 := disk.Search(ctx, q, 20)
			b, err2 := mem.Search(ctx, q, 20)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s %q: %v, %v", step, q, err1, err2)
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s %q: disk %v, memory %v", step, q, a, b)
			}
		}
	}
	compare("after build")
	del := []string{docs[0].ID, docs[1].ID}
	for _, x := range []*Index{disk, mem} {
		if err := x.Apply(ctx, nil, del, 2); err != nil {
			t.Fatal(err)
		}
	}
	compare("after delete")
	if g, err := mem.Generation(); err != nil || g != 2 {
		t.Errorf("memory generation = %d, %v", g, err)
	}
}

// TestIDs checks that IDs lists exactly the indexed passages.
func TestIDs(t *testing.T) {
	ctx := context.Background()
	docs := loadPassages(t)
	x := openWith(t, docs)
	want := make([]string, len(docs))
	for i, d := range docs {
		want[i] = d.ID
	}
	slices.Sort(want)
	check := func(step string) {
		t.Helper()
		got, err := x.IDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: IDs = %v, want %v", step, got, want)
		}
	}
	check("after build")
	if err := x.Apply(ctx, []Doc{{ID: "new#p-1", DocID: "new", Text: "a new passage"}}, []string{want[0]}, 2); err != nil {
		t.Fatal(err)
	}
	want = append(want[1:], "new#p-1")
	slices.Sort(want)
	check("after change")
	empty := openWith(t, nil)
	if got, err := empty.IDs(ctx); err != nil || len(got) != 0 {
		t.Errorf("empty index: %v, %v", got, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := x.IDs(cancelled); err == nil {
		t.Error("IDs with a cancelled context succeeded")
	}
}

// TestMatchTerms checks the terms Match reports alongside the spans.
func TestMatchTerms(t *testing.T) {
	x := openWith(t, nil)
	for _, tc := range []struct {
		query, text string
		want        []string
	}{
		{"meetings of the border ports", "The meeting discussed ports and the border.", []string{"meet", "port", "border"}},
		{"friendship", "Nothing here.", nil},
		{"", "Anything.", nil},
	} {
		spans, terms := x.Match(tc.query, tc.text)
		if !slices.Equal(terms, tc.want) {
			t.Errorf("Match(%q, %q) terms = %v, want %v", tc.query, tc.text, terms, tc.want)
		}
		if len(spans) < len(terms) {
			t.Errorf("Match(%q, %q): %d spans for %d terms", tc.query, tc.text, len(spans), len(terms))
		}
		if s := x.Spans(tc.query, tc.text); !slices.Equal(s, spans) {
			t.Errorf("Spans and Match disagree: %v, %v", s, spans)
		}
	}
}
