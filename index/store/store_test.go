package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testDim = 4

func testDoc(id string, version int) *Doc {
	text := fmt.Sprintf("Report %s, version %d. The delegation met the committee. Ünïcode stays.", id, version)
	return &Doc{
		ID: id, Root: "/roots/a", Path: "/roots/a/" + id + ".txt",
		Title: "Title " + id, Date: "2024-02-02", Place: "Kunming", Source: "src", URL: "https://example.org/" + id,
		Hash: fmt.Sprintf("h-%s-%d", id, version), Text: text,
		Passages: []Passage{
			{Anchor: "p-" + id + "0", Ord: 0, Start: 0, End: 20, Clean: text[:20], Vector: []float32{1, 0, 0, 0}},
			{Anchor: "p-" + id + "1", Ord: 1, Start: 20, End: len(text), Clean: text[20:], Vector: []float32{0, 0.6, 0.8, float32(version)}},
		},
	}
}

// commit applies puts and deletes to live and commits them, failing the
// test on error.
func commit(t *testing.T, w *Writer, s *Store, live map[string]*Doc, put []*Doc, del []string) Manifest {
	t.Helper()
	base, err := s.ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range put {
		live[d.ID] = d
	}
	for _, id := range del {
		delete(live, id)
	}
	m, err := w.Commit(context.Background(), base, Change{Embedder: "test", Dim: testDim, Put: put, Delete: del, Live: maps.Clone(live)})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return m
}

func openLocked(t *testing.T, dir string, opts Options) (*Store, *Writer) {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Unlock() })
	return s, w
}

func loadDocs(t *testing.T, s *Store) map[string]*Doc {
	t.Helper()
	snap, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return snap.Docs
}

func assertDocs(t *testing.T, got, want map[string]*Doc) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d documents, want %d", len(got), len(want))
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("document %s: got %+v, want %+v", id, got[id], w)
		}
	}
}

func TestRoundTripAndIncrementalCommits(t *testing.T) {
	dir := t.TempDir()
	s, w := openLocked(t, dir, Options{})
	live := map[string]*Doc{}

	m := commit(t, w, s, live, []*Doc{testDoc("a", 1), testDoc("b", 1), testDoc("c", 1)}, nil)
	if m.Generation != 1 || m.Documents != 3 || m.Passages != 6 || len(m.Segments) != 1 {
		t.Fatalf("first manifest = %+v", m)
	}
	assertDocs(t, loadDocs(t, s), live)

	firstSize := m.Segments[0].Size
	m = commit(t, w, s, live, []*Doc{testDoc("d", 1)}, nil)
	if len(m.Segments) != 2 || m.Segments[1].Docs != 1 || m.Segments[1].Size >= firstSize {
		t.Fatalf("adding one document should write one small segment: %+v", m.Segments)
	}
	m = commit(t, w, s, live, []*Doc{testDoc("b", 2)}, []string{"a"})
	assertDocs(t, loadDocs(t, s), live)
	if m.Documents != 3 {
		t.Fatalf("documents = %d, want 3", m.Documents)
	}

	// A fresh Store on the same directory sees the same content.
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertDocs(t, loadDocs(t, s2), live)
}

func TestCompactionKeepsExactlyLiveRecords(t *testing.T) {
	dir := t.TempDir()
	s, w := openLocked(t, dir, Options{})
	live := map[string]*Doc{}
	commit(t, w, s, live, []*Doc{testDoc("a", 1), testDoc("b", 1), testDoc("c", 1), testDoc("d", 1)}, nil)
	compacted := false
	for v := 2; v < 8; v++ {
		m := commit(t, w, s, live, []*Doc{testDoc("b", v)}, []string{fmt.Sprintf("gone%d", v)})
		if len(m.Segments) == 1 && m.Segments[0].Tombstones == 0 {
			compacted = true
			files, _ := os.ReadDir(filepath.Join(dir, segmentsDir))
			if len(files) != 1 {
				t.Fatalf("after compaction %d segment files remain, want 1", len(files))
			}
		}
		assertDocs(t, loadDocs(t, s), live)
	}
	if !compacted {
		t.Fatal("six replacements of one of four documents never triggered compaction")
	}

	// Deleting everything leaves an empty, loadable index.
	m := commit(t, w, s, live, nil, []string{"a", "b", "c", "d"})
	if m.Documents != 0 {
		t.Fatalf("documents = %d after deleting all", m.Documents)
	}
	assertDocs(t, loadDocs(t, s), map[string]*Doc{})
}

func TestCompactionBySegmentCount(t *testing.T) {
	s, w := openLocked(t, t.TempDir(), Options{})
	live := map[string]*Doc{}
	for i := range maxSegments + 2 {
		m := commit(t, w, s, live, []*Doc{testDoc(fmt.Sprint(i), 1)}, nil)
		if len(m.Segments) > maxSegments {
			t.Fatalf("%d segments after %d commits", len(m.Segments), i+1)
		}
	}
	assertDocs(t, loadDocs(t, s), live)
}

func TestCrashBetweenStepsKeepsPreviousState(t *testing.T) {
	for _, step := range []string{"segment-written", "state-written", "manifest-temp-written"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			crash := false
			opts := Options{Hook: func(s string) error {
				if crash && s == step {
					return errors.New("simulated crash")
				}
				return nil
			}}
			s, w := openLocked(t, dir, opts)
			live := map[string]*Doc{}
			commit(t, w, s, live, []*Doc{testDoc("a", 1), testDoc("b", 1)}, nil)
			before := maps.Clone(live)

			crash = true
			base, _ := s.ReadManifest()
			_, err := w.Commit(context.Background(), base, Change{
				Embedder: "test", Dim: testDim, State: []byte("new state"),
				Put: []*Doc{testDoc("a", 2)}, Live: map[string]*Doc{"a": testDoc("a", 2), "b": testDoc("b", 1)},
			})
			if err == nil {
				t.Fatal("commit with a crash hook succeeded")
			}
			w.Unlock()

			// A reader sees the previous state, leftovers and all.
			s2, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			assertDocs(t, loadDocs(t, s2), before)

			// The next writer removes the leftovers and carries on.
			crash = false
			w2, err := s2.Lock(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer w2.Unlock()
			files, _ := os.ReadDir(filepath.Join(dir, segmentsDir))
			if len(files) != 1 {
				t.Errorf("%d segment files after cleanup, want 1", len(files))
			}
			all, _ := os.ReadDir(dir)
			for _, f := range all {
				if strings.HasSuffix(f.Name(), ".tmp") || strings.HasSuffix(f.Name(), ".state") {
					t.Errorf("leftover %s not removed", f.Name())
				}
			}
			commit(t, w2, s2, live, []*Doc{testDoc("c", 1)}, nil)
			assertDocs(t, loadDocs(t, s2), live)
		})
	}
}

func TestLeftoversFromOtherCrashes(t *testing.T) {
	dir := t.TempDir()
	s, w := openLocked(t, dir, Options{})
	live := map[string]*Doc{}
	commit(t, w, s, live, []*Doc{testDoc("a", 1)}, nil)
	w.Unlock()

	// An unreferenced complete segment, a half-written temp segment and a
	// truncated temp manifest, as a crash could leave them.
	b, err := encodeSegment(testDim, []*Doc{testDoc("zombie", 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		filepath.Join(segmentsDir, segmentName(7)):        b,
		filepath.Join(segmentsDir, segmentName(8)+".tmp"): b[:len(b)/2],
		manifestName + ".tmp":                             []byte(`{"format":1,"generation":9,"segm`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	assertDocs(t, loadDocs(t, s), live)
	w2, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Unlock()
	commit(t, w2, s, live, []*Doc{testDoc("b", 1)}, nil)
	got := loadDocs(t, s)
	if _, ok := got["zombie"]; ok {
		t.Fatal("a leftover segment's document came back to life")
	}
	assertDocs(t, got, live)
}

func TestDamagedFilesAreClearErrors(t *testing.T) {
	damage := map[string]func(t *testing.T, dir string, m Manifest){
		"flipped byte": func(t *testing.T, dir string, m Manifest) {
			p := filepath.Join(dir, segmentsDir, m.Segments[0].Name)
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0x55
			os.WriteFile(p, b, 0o644)
		},
		"truncated segment": func(t *testing.T, dir string, m Manifest) {
			p := filepath.Join(dir, segmentsDir, m.Segments[0].Name)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-30], 0o644)
		},
		"missing segment": func(t *testing.T, dir string, m Manifest) {
			os.Remove(filepath.Join(dir, segmentsDir, m.Segments[0].Name))
		},
		"garbage manifest": func(t *testing.T, dir string, m Manifest) {
			os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"format":1,`), 0o644)
		},
		"manifest names a path": func(t *testing.T, dir string, m Manifest) {
			b, _ := os.ReadFile(filepath.Join(dir, manifestName))
			b = []byte(strings.Replace(string(b), m.Segments[0].Name, "../../etc/passwd", 1))
			os.WriteFile(filepath.Join(dir, manifestName), b, 0o644)
		},
		"state changed": func(t *testing.T, dir string, m Manifest) {
			os.WriteFile(filepath.Join(dir, m.State.File), []byte("other"), 0o644)
		},
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, w := openLocked(t, dir, Options{})
			base, _ := s.ReadManifest()
			d := testDoc("a", 1)
			m, err := w.Commit(context.Background(), base, Change{Embedder: "test", Dim: testDim, State: []byte("state"), Put: []*Doc{d}, Live: map[string]*Doc{"a": d}})
			if err != nil {
				t.Fatal(err)
			}
			f(t, dir, m)
			_, err = s.Load(context.Background())
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("load of a damaged index: err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(context.Background())
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("lock error %q does not name the holder", err)
	}
	if err := w.Unlock(); err != nil {
		t.Fatal(err)
	}
	w2, err := s.Lock(context.Background())
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	w2.Unlock()
	if _, err := w.Commit(context.Background(), Manifest{}, Change{}); err == nil {
		t.Error("commit through an unlocked writer succeeded")
	}
}

func TestStaleBaseIsRefused(t *testing.T) {
	s, w := openLocked(t, t.TempDir(), Options{})
	base, _ := s.ReadManifest()
	commit(t, w, s, map[string]*Doc{}, []*Doc{testDoc("a", 1)}, nil)
	if _, err := w.Commit(context.Background(), base, Change{Embedder: "test", Dim: testDim, Live: map[string]*Doc{}}); err == nil {
		t.Fatal("commit on an outdated manifest succeeded")
	}
}

func TestEncodeRejectsBadRecords(t *testing.T) {
	tests := map[string]func(d *Doc){
		"empty id":       func(d *Doc) { d.ID = "" },
		"end past text":  func(d *Doc) { d.Passages[1].End = len(d.Text) + 1 },
		"wrong ord":      func(d *Doc) { d.Passages[1].Ord = 5 },
		"short vector":   func(d *Doc) { d.Passages[0].Vector = d.Passages[0].Vector[:2] },
		"start past end": func(d *Doc) { d.Passages[0].Start = 21 },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			d := testDoc("a", 1)
			f(d)
			if _, err := encodeSegment(testDim, []*Doc{d}, nil); err == nil {
				t.Fatal("encode accepted a bad record")
			}
		})
	}
}

func FuzzDecodeSegment(f *testing.F) {
	good, _ := encodeSegment(testDim, []*Doc{testDoc("a", 1), testDoc("b", 2)}, []string{"x"})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte(segMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		seg, err := decodeSegment(b, testDim)
		if err != nil {
			return
		}
		// Whatever decodes must encode back to the same bytes.
		again, err := encodeSegment(testDim, seg.docs, seg.tombstones)
		if err != nil {
			t.Fatalf("decoded segment does not re-encode: %v", err)
		}
		if string(again) != string(b) {
			t.Fatal("decode/encode is not a round trip")
		}
	})
}

func benchmarkSnapshot(b *testing.B, docs, passagesPerDoc, dim int) string {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Unlock()
	live := make(map[string]*Doc, docs)
	para := strings.Repeat("The delegation exchanged views on cooperation. ", 12)
	for i := range docs {
		text := strings.Repeat(para, passagesPerDoc)
		d := &Doc{ID: fmt.Sprintf("doc-%06d", i), Title: "A meeting report", Path: "/x", Hash: "h", Text: text}
		for j := range passagesPerDoc {
			v := make([]float32, dim)
			for k := range v {
				v[k] = float32((i+j+k)%7) / 7
			}
			d.Passages = append(d.Passages, Passage{Anchor: fmt.Sprintf("p-%010d", j), Ord: j, Start: j * len(para), End: (j + 1) * len(para), Clean: para, Vector: v})
		}
		live[d.ID] = d
	}
	if _, err := w.Commit(context.Background(), Manifest{Format: FormatVersion, Segments: []SegmentInfo{}}, Change{Embedder: "bench", Dim: dim, Live: live, Rewrite: true}); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLoad measures start-up cost: 10k documents of 10 passages
// (100k passages, 100 dimensions).
func BenchmarkLoad(b *testing.B) {
	dir := benchmarkSnapshot(b, 10000, 10, 100)
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadRetriesWhenCompactionRemovesSegments(t *testing.T) {
	dir := t.TempDir()
	s, w := openLocked(t, dir, Options{})
	live := map[string]*Doc{}
	commit(t, w, s, live, []*Doc{testDoc("a", 1), testDoc("b", 1)}, nil)
	commit(t, w, s, live, []*Doc{testDoc("c", 1)}, nil)

	reader, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	compacted := false
	reader.beforeRead = func() {
		if compacted {
			return
		}
		compacted = true
		// A writer in another process compacts between the reader's
		// manifest read and its segment reads.
		base, _ := s.ReadManifest()
		live["b"] = testDoc("b", 2)
		if _, err := w.Commit(context.Background(), base, Change{Embedder: "test", Dim: testDim, Put: []*Doc{live["b"]}, Live: maps.Clone(live), Rewrite: true}); err != nil {
			t.Errorf("compacting commit: %v", err)
		}
	}
	snap, err := reader.Load(context.Background())
	if err != nil {
		t.Fatalf("load during compaction: %v", err)
	}
	if !compacted || snap.Manifest.Generation != 3 {
		t.Fatalf("load returned generation %d (compacted %v), want the compacted 3", snap.Manifest.Generation, compacted)
	}
	assertDocs(t, snap.Docs, live)
}
