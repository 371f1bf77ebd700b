package wordvec

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/plenary-search/plenary/embed"
)

// Compile-time checks that Model is what the index expects.
var (
	_ embed.Embedder = (*Model)(nil)
	_ embed.Fitter   = (*Model)(nil)
)

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		a       float64
		wantA   float64
		wantErr bool
	}{
		{"default", 0, DefaultA, false},
		{"custom", 1e-4, 1e-4, false},
		{"negative", -1, 0, true},
		{"nan", math.NaN(), 0, true},
		{"inf", math.Inf(1), 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(Options{A: tc.a})
			if (err != nil) != tc.wantErr {
				t.Fatalf("New(A=%v) error = %v, want error %v", tc.a, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if m.a != tc.wantA {
				t.Errorf("a = %v, want %v", m.a, tc.wantA)
			}
			if m.Name() != "builtin:glove-6b-100d-sif" || m.Dim() != 100 {
				t.Errorf("Name, Dim = %q, %d", m.Name(), m.Dim())
			}
			if len(m.t.words) != 100000 {
				t.Errorf("vocabulary has %d words, want 100000", len(m.t.words))
			}
		})
	}
}

func TestEmbedShape(t *testing.T) {
	m := newTestModel(t)
	ctx := context.Background()
	got, err := m.Embed(ctx, embed.Passage, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Embed(nil) = %d vectors, %v; want none, nil", len(got), err)
	}
	texts := []string{"The committee met in Kunming.", "", "!!!", "zzqx qqvv", "Chop the onions."}
	for _, kind := range []embed.Kind{embed.Passage, embed.Query} {
		vecs, err := m.Embed(ctx, kind, texts)
		if err != nil {
			t.Fatalf("Embed(%v): %v", kind, err)
		}
		if len(vecs) != len(texts) {
			t.Fatalf("Embed(%v) returned %d vectors for %d texts", kind, len(vecs), len(texts))
		}
		checkUnit(t, vecs, m.Dim())
	}
}

// TestSimilarity checks that sentences on one topic are closer to each
// other than to sentences on the other, unfitted and fitted: each sentence's
// nearest neighbour must share its topic, and the mean within-topic cosine
// must clearly exceed the mean across topics.
func TestSimilarity(t *testing.T) {
	sents := sentences(t)
	var texts, topics []string
	for _, topic := range []string{"meeting", "cooking"} {
		for _, s := range sents[topic] {
			texts = append(texts, s)
			topics = append(topics, topic)
		}
	}
	for _, fitted := range []bool{false, true} {
		name := map[bool]string{false: "unfitted", true: "fitted"}[fitted]
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t)
			ctx := context.Background()
			if fitted {
				if err := m.Fit(ctx, texts); err != nil {
					t.Fatal(err)
				}
			}
			vecs, err := m.Embed(ctx, embed.Passage, texts)
			if err != nil {
				t.Fatal(err)
			}
			var within, across float64
			var nw, na int
			for i := range vecs {
				best, bestSim := -1, -2.0
				for j := range vecs {
					if i == j {
						continue
					}
					c := cosine(vecs[i], vecs[j])
					if topics[i] == topics[j] {
						within += c
						nw++
					} else {
						across += c
						na++
					}
					if c > bestSim {
						best, bestSim = j, c
					}
				}
				if topics[best] != topics[i] {
					t.Errorf("nearest to %q is %q (%.3f), another topic", texts[i], texts[best], bestSim)
				}
			}
			within /= float64(nw)
			across /= float64(na)
			t.Logf("mean cosine within topics %.3f, across %.3f", within, across)
			if within-across < 0.2 {
				t.Errorf("within-topic cosine %.3f is not clearly above across-topic %.3f", within, across)
			}
		})
	}
}

// TestQueryFindsPassage checks retrieval proper: a short query with words
// of its own ranks the passage on its topic first.
func TestQueryFindsPassage(t *testing.T) {
	m := newTestModel(t)
	ctx := context.Background()
	sents := sentences(t)
	texts := append(slices.Clone(sents["meeting"]), sents["cooking"]...)
	if err := m.Fit(ctx, texts); err != nil {
		t.Fatal(err)
	}
	docs, err := m.Embed(ctx, embed.Passage, texts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ query, want string }{
		{"bake bread", "Knead the dough, let it rise overnight, and bake the bread until the crust is crisp."},
		{"diplomats at a banquet", "Ambassadors and consuls general were invited to the annual diplomatic reception."},
		{"speech by the party chief", "The party secretary presided over the conference and delivered an important speech."},
		{"grilled salmon", "Grill the fish with lemon and olive oil and serve it with boiled potatoes."},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			q, err := m.Embed(ctx, embed.Query, []string{tc.query})
			if err != nil {
				t.Fatal(err)
			}
			best := nearest(q[0], docs)
			if texts[best] != tc.want {
				t.Errorf("top passage for %q is %q, want %q", tc.query, texts[best], tc.want)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	texts := passages(t, 300)
	texts = append(texts, "", "zzqx", "Xi Jinping")
	embedWith := func(procs int) [][]float32 {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m := newTestModel(t)
		vecs, err := m.Embed(context.Background(), embed.Passage, texts)
		if err != nil {
			t.Fatal(err)
		}
		return vecs
	}
	a, b := embedWith(1), embedWith(4)
	m := newTestModel(t)
	for i := range texts {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("text %d embeds differently with 1 and 4 threads", i)
		}
		// A batch of one must give the same vector as a large batch.
		one, err := m.Embed(context.Background(), embed.Query, texts[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one[0], a[i]) {
			t.Fatalf("text %d embeds differently alone and in a batch", i)
		}
	}
}

// TestNoKnownWords checks the fallback: unit length, deterministic, and
// different texts get different directions, while texts sharing unknown
// words are related.
func TestNoKnownWords(t *testing.T) {
	m := newTestModel(t)
	ctx := context.Background()
	texts := []string{"", "   ", "!!!", "???", "zzqx", "zzqx", "qqvv wwkk", "qqvv", "2023"}
	vecs, err := m.Embed(ctx, embed.Query, texts)
	if err != nil {
		t.Fatal(err)
	}
	checkUnit(t, vecs, m.Dim())
	tests := []struct {
		i, j     int
		min, max float64
	}{
		{4, 5, 0.9999, 1.0001}, // same text
		{2, 3, -0.5, 0.5},      // different punctuation
		{0, 4, -0.5, 0.5},      // empty vs a word
		{4, 6, -0.5, 0.5},      // different unknown words
		{6, 7, 0.4, 0.9},       // sharing one unknown word of two
	}
	for _, tc := range tests {
		if c := cosine(vecs[tc.i], vecs[tc.j]); c < tc.min || c > tc.max {
			t.Errorf("cosine(%q, %q) = %.3f, want in [%v, %v]", texts[tc.i], texts[tc.j], c, tc.min, tc.max)
		}
	}
}

func TestEmbedCancelled(t *testing.T) {
	m := newTestModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Embed(ctx, embed.Passage, []string{"a meeting"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := m.Embed(ctx, embed.Passage, passages(t, 1000)); !errors.Is(err, context.Canceled) {
		t.Errorf("large Embed with a cancelled context: %v, want context.Canceled", err)
	}
	before, _ := m.State()
	if err := m.Fit(ctx, passages(t, 100)); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a cancelled context: %v, want context.Canceled", err)
	}
	after, _ := m.State()
	if !slices.Equal(before, after) {
		t.Error("a cancelled Fit changed the state")
	}
}

// TestConcurrent runs Embed, Fit and LoadState at once; run with -race.
func TestConcurrent(t *testing.T) {
	m := newTestModel(t)
	ctx := context.Background()
	texts := passages(t, 200)
	ref := newTestModel(t)
	if err := ref.Fit(ctx, texts); err != nil {
		t.Fatal(err)
	}
	state, _ := ref.State()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range 5 {
				vecs, err := m.Embed(ctx, embed.Passage, texts[g*10:g*10+100])
				if err != nil {
					t.Error(err)
					return
				}
				checkUnit(t, vecs, m.Dim())
			}
		})
	}
	wg.Go(func() {
		if err := m.Fit(ctx, texts); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if err := m.LoadState(state); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	// Whichever of Fit and LoadState ran last, the state is the same.
	got, _ := m.State()
	if !slices.Equal(got, state) {
		t.Error("state after concurrent Fit and LoadState differs from a plain Fit")
	}
}
