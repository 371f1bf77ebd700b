package wordvec

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"strings"
	"testing"
)

// newTestModel loads the built-in model or fails the test.
func newTestModel(t testing.TB) *Model {
	t.Helper()
	m, err := New(Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// tinyModel builds a model over a made-up vocabulary, with word i's vector
// a fixed pseudo-random function of i, so tokenizer and weighting tests do
// not depend on the shipped vectors.
func tinyModel(t testing.TB, words ...string) *Model {
	t.Helper()
	entries := make([]Entry, len(words))
	for i, w := range words {
		v := make([]float32, 8)
		x := uint64(i + 1)
		for j := range v {
			x = splitmix(x)
			v[j] = float32(int32(x>>40)-(1<<23)) / (1 << 23)
		}
		entries[i] = Entry{Word: w, Rank: 2 * i, Vec: v}
	}
	var buf bytes.Buffer
	if _, err := WriteTable(&buf, 2*len(words)+5, entries); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	tab, err := parseTable(buf.Bytes())
	if err != nil {
		t.Fatalf("parseTable: %v", err)
	}
	return newModel(tab, DefaultA)
}

// sentences reads testdata/sentences.txt, grouped by topic.
func sentences(t testing.TB) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/sentences.txt")
	if err != nil {
		t.Fatalf("open sentences: %v", err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		topic, text, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad sentence line %q", line)
		}
		out[topic] = append(out[topic], text)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read sentences: %v", err)
	}
	return out
}

// passages makes n passages of about 100 words each by cycling through the
// test sentences in a fixed order.
func passages(t testing.TB, n int) []string {
	t.Helper()
	var all []string
	for _, topic := range []string{"meeting", "cooking"} {
		all = append(all, sentences(t)[topic]...)
	}
	out := make([]string, n)
	k := 0
	for i := range out {
		var b strings.Builder
		for words := 0; words < 100; {
			s := all[(k*7+i)%len(all)]
			k++
			b.WriteString(s)
			b.WriteByte(' ')
			words += len(strings.Fields(s))
		}
		out[i] = b.String()
	}
	return out
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// checkUnit fails unless every vector has length dim, is finite and has
// unit length.
func checkUnit(t testing.TB, vecs [][]float32, dim int) {
	t.Helper()
	for i, v := range vecs {
		if len(v) != dim {
			t.Fatalf("vector %d has %d dimensions, want %d", i, len(v), dim)
		}
		var s float64
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("vector %d is not finite: %v", i, v)
			}
			s += float64(x) * float64(x)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("vector %d has squared length %v, want 1", i, s)
		}
	}
}

// nearest returns the index of the vector in vecs closest to q by cosine.
func nearest(q []float32, vecs [][]float32) int {
	best := 0
	for i := range vecs {
		if cosine(q, vecs[i]) > cosine(q, vecs[best]) {
			best = i
		}
	}
	return best
}
