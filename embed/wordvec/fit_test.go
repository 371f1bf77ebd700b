package wordvec

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/plenary-search/plenary/embed"
)

// weight is the SIF weight the model gives word w.
func weight(t *testing.T, m *Model, w string) float64 {
	t.Helper()
	id, ok := m.t.index[w]
	if !ok {
		t.Fatalf("%q is not in the vocabulary", w)
	}
	return float64(m.st.Load().coef[id] / m.t.scales[id])
}

func TestPriorWeights(t *testing.T) {
	m := newTestModel(t)
	// Unfitted: the Zipf prior from GloVe ranks.
	the, meeting, diplomacy := weight(t, m, "the"), weight(t, m, "meeting"), weight(t, m, "diplomacy")
	if !(the < 0.05 && the < meeting && meeting < diplomacy && diplomacy > 0.9) {
		t.Errorf("unfitted weights the %.3f, meeting %.3f, diplomacy %.3f: want the < 0.05 < meeting < diplomacy > 0.9", the, meeting, diplomacy)
	}
	// The prior itself: p = 1/((rank+1) H(n)).
	id := m.t.index["the"]
	h := math.Log(float64(m.t.srcSize)) + eulerGamma + 1/(2*float64(m.t.srcSize))
	p := 1 / ((float64(m.t.ranks[id]) + 1) * h)
	if want := DefaultA / (DefaultA + p); math.Abs(the-want) > 1e-6 {
		t.Errorf("weight of %q = %v, want %v", "the", the, want)
	}
}

func TestFittedWeights(t *testing.T) {
	m := tinyModel(t, "the", "committee", "cooking", "rare")
	// 4 texts, 12 tokens: "committee" 4 times, "the" 4 times, "zzz" unknown.
	texts := []string{"the committee committee", "the committee zzz", "the committee", "the"}
	if err := m.Fit(context.Background(), texts); err != nil {
		t.Fatal(err)
	}
	p := m.st.Load()
	if p.total != 9 {
		t.Fatalf("total tokens %d, want 9", p.total)
	}
	for _, tc := range []struct {
		word  string
		count float64
	}{{"the", 4}, {"committee", 4}, {"cooking", 0}, {"rare", 0}} {
		t.Run(tc.word, func(t *testing.T) {
			id := m.t.index[tc.word]
			pw := (tc.count + priorTokens*m.prior[id]) / (9 + priorTokens)
			want := DefaultA / (DefaultA + pw)
			if got := weight(t, m, tc.word); math.Abs(got-want) > 1e-6*want {
				t.Errorf("weight = %v, want %v", got, want)
			}
		})
	}
	// On a corpus large enough to outweigh the prior, a word the corpus
	// repeats everywhere weighs less than one it never uses.
	unfitted := tinyModel(t, "the", "committee", "cooking", "rare")
	before := weight(t, unfitted, "committee")
	big := make([]string, 2000)
	for i := range big {
		big[i] = "the committee"
	}
	if err := m.Fit(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if c, r := weight(t, m, "committee"), weight(t, m, "rare"); !(c < before/2 && r > 10*c) {
		t.Errorf("after fitting, committee weighs %.4f (unfitted %.4f) and rare %.4f; want committee < unfitted/2 and rare > 10 × committee", c, before, r)
	}
}

func TestFitRemovesComponent(t *testing.T) {
	m := newTestModel(t)
	ctx := context.Background()
	texts := passages(t, 200)
	if err := m.Fit(ctx, texts); err != nil {
		t.Fatal(err)
	}
	p := m.st.Load()
	if p.comp == nil {
		t.Fatal("no common component after Fit")
	}
	if n := norm2(p.comp); math.Abs(n-1) > 1e-6 {
		t.Errorf("component has squared norm %v", n)
	}
	vecs, err := m.Embed(ctx, embed.Passage, append(texts[:20:20], "a query about diplomacy"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		var dot float64
		for j := range v {
			dot += float64(v[j]) * float64(p.comp[j])
		}
		if math.Abs(dot) > 1e-4 {
			t.Errorf("vector %d has %v along the common component", i, dot)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	texts := passages(t, 500)
	probe := append(sentences(t)["cooking"], "", "zzqx", "A query about Xi Jinping Thought on Diplomacy")
	fitted := newTestModel(t)
	if err := fitted.Fit(ctx, texts); err != nil {
		t.Fatal(err)
	}
	state, err := fitted.State()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("state of a 500-passage fit: %d bytes", len(state))
	want, err := fitted.Embed(ctx, embed.Query, probe)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := New(Options{A: 1e-4}) // the state's own a must win
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.LoadState(state); err != nil {
		t.Fatalf("LoadState: %v", err)
	}
	got, err := loaded.Embed(ctx, embed.Query, probe)
	if err != nil {
		t.Fatal(err)
	}
	for i := range probe {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%q embeds differently after LoadState", probe[i])
		}
	}
	again, _ := loaded.State()
	if !slices.Equal(again, state) {
		t.Error("State after LoadState differs from the loaded bytes")
	}
	// Unfitted state round-trips too.
	fresh := newTestModel(t)
	s0, _ := fresh.State()
	if err := loaded.LoadState(s0); err != nil {
		t.Fatal(err)
	}
	if got, _ := loaded.State(); !slices.Equal(got, s0) {
		t.Error("unfitted state does not round-trip")
	}
}

func TestStateDeterministic(t *testing.T) {
	texts := passages(t, 700)
	stateWith := func(procs int) []byte {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m := newTestModel(t)
		if err := m.Fit(context.Background(), texts); err != nil {
			t.Fatal(err)
		}
		s, err := m.State()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, c := stateWith(1), stateWith(2), stateWith(5)
	if !slices.Equal(a, b) || !slices.Equal(a, c) {
		t.Error("State bytes depend on GOMAXPROCS")
	}
	// A different corpus gives a different state.
	m := newTestModel(t)
	if err := m.Fit(context.Background(), texts[:100]); err != nil {
		t.Fatal(err)
	}
	if d, _ := m.State(); slices.Equal(a, d) {
		t.Error("different corpora give the same state")
	}
}

func TestFitEmptyResets(t *testing.T) {
	m := newTestModel(t)
	s0, _ := m.State()
	ctx := context.Background()
	if err := m.Fit(ctx, passages(t, 50)); err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := m.State(); !slices.Equal(s, s0) {
		t.Error("Fit(nil) does not return to the unfitted state")
	}
	// Texts without a known word: counts only, no component.
	if err := m.Fit(ctx, []string{"zzqx", "", "!!"}); err != nil {
		t.Fatal(err)
	}
	if p := m.st.Load(); p.comp != nil || p.total != 1 {
		t.Errorf("fit on unknown words: component %v, total %d; want none, 1", p.comp != nil, p.total)
	}
}

func TestLoadStateRejects(t *testing.T) {
	m := newTestModel(t)
	if err := m.Fit(context.Background(), passages(t, 100)); err != nil {
		t.Fatal(err)
	}
	good, _ := m.State()
	other := tinyModel(t, "the", "meeting")
	foreign, _ := other.State()
	flip := func(i int) []byte {
		b := slices.Clone(good)
		b[i] ^= 0x40
		return b
	}
	// resum re-seals a tampered body, to reach the checks behind the checksum.
	resum := func(body []byte) []byte {
		return appendCRC(slices.Clone(body))
	}
	body := good[:len(good)-4]
	tests := []struct {
		name string
		b    []byte
	}{
		{"nil", nil},
		{"garbage", []byte("this is not a state at all")},
		{"json", []byte(`{"a":0.001}`)},
		{"truncated", good[:len(good)/2]},
		{"magic", flip(0)},
		{"version", flip(5)},
		{"payload bit", flip(len(good) / 2)},
		{"checksum", flip(len(good) - 1)},
		{"other vectors", foreign},
		{"trailing bytes", resum(append(slices.Clone(body), 0))},
		{"cut inside counts", resum(body[:len(body)-4*100-1-3])},
		{"bad component flag", resum(append(slices.Clone(body[:len(body)-4*100-1]), 7))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := m.LoadState(tc.b)
			if !errors.Is(err, embed.ErrBadState) {
				t.Fatalf("LoadState = %v, want ErrBadState", err)
			}
			if s, _ := m.State(); !slices.Equal(s, good) {
				t.Error("a rejected state replaced the current one")
			}
		})
	}
}

func FuzzLoadState(f *testing.F) {
	m := tinyModel(f, "the", "meeting", "cooking", "onions", "committee")
	if err := m.Fit(context.Background(), []string{"the meeting", "the committee meeting", "cooking onions"}); err != nil {
		f.Fatal(err)
	}
	good, _ := m.State()
	f.Add(good)
	f.Add([]byte(stateMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m2 := tinyModel(t, "the", "meeting", "cooking", "onions", "committee")
		if err := m2.LoadState(b); err != nil {
			if !errors.Is(err, embed.ErrBadState) {
				t.Fatalf("error %v does not wrap ErrBadState", err)
			}
			return
		}
		vecs, err := m2.Embed(context.Background(), embed.Query, []string{"the meeting", "onions"})
		if err != nil {
			t.Fatal(err)
		}
		checkUnit(t, vecs, m2.Dim())
	})
}

func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}
