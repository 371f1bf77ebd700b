package wordvec

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The vector file layout (all integers little-endian):
//
//	magic      8 bytes  "PLNWVEC\x00"
//	version    uint32   fileVersion
//	dim        uint32   vector length
//	count      uint32   number of words
//	srcSize    uint32   vocabulary size of the source the words were taken from
//	vocabLen   uint32   byte length of the vocabulary section
//	vocabulary count × (uvarint len, word bytes, uvarint rank gap)
//	scales     count × float32
//	vectors    count × dim × int8
//	checksum   uint32   CRC-32C of everything before it
//
// Words are in source frequency order. The rank gap is the number of source
// words skipped (punctuation, unreachable tokens) before this one, so the
// original GloVe frequency rank, which the Zipf prior needs, survives the
// filtering at one byte per word. Each vector is stored as int8 codes times a
// per-vector float32 scale (max |x| / 127): a quarter of the float32 size,
// with a cosine error measured and reported by [Convert].

const (
	fileMagic   = "PLNWVEC\x00"
	fileVersion = 1
	headerLen   = len(fileMagic) + 5*4
	// maxDim and maxWords bound what a file may claim, so a corrupt header
	// cannot make the parser allocate gigabytes.
	maxDim   = 4096
	maxWords = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadFile is wrapped by every parse failure of a vector file.
var errBadFile = errors.New("invalid word vector file")

// table is a parsed vector file. vecs aliases the file's bytes: the codes are
// read as int8 in place, so loading copies nothing but the vocabulary map.
type table struct {
	dim     int
	srcSize int
	words   []string
	ranks   []int32 // source frequency rank of each word, from 0
	scales  []float32
	vecs    []byte // count*dim int8 codes
	index   map[string]int32
	sum     uint32 // the file's checksum, a fingerprint of the vocabulary and vectors
}

// parseTable decodes a vector file. It returns an error wrapping errBadFile
// if b is truncated, corrupt or of another version.
func parseTable(b []byte) (*table, error) {
	if len(b) < headerLen+4 {
		return nil, fmt.Errorf("%w: %d bytes is too short", errBadFile, len(b))
	}
	if string(b[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("%w: bad magic", errBadFile)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	sum := binary.LittleEndian.Uint32(tail)
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadFile)
	}
	h := body[len(fileMagic):]
	version := binary.LittleEndian.Uint32(h[0:])
	dim := binary.LittleEndian.Uint32(h[4:])
	count := binary.LittleEndian.Uint32(h[8:])
	srcSize := binary.LittleEndian.Uint32(h[12:])
	vocabLen := binary.LittleEndian.Uint32(h[16:])
	if version != fileVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", errBadFile, version, fileVersion)
	}
	if dim == 0 || dim > maxDim || count > maxWords || srcSize < count {
		return nil, fmt.Errorf("%w: implausible header (dim %d, count %d, source size %d)", errBadFile, dim, count, srcSize)
	}
	rest := body[headerLen:]
	need := uint64(vocabLen) + 4*uint64(count) + uint64(count)*uint64(dim)
	if uint64(len(rest)) != need {
		return nil, fmt.Errorf("%w: %d bytes after the header, want %d", errBadFile, len(rest), need)
	}
	t := &table{
		dim:     int(dim),
		srcSize: int(srcSize),
		words:   make([]string, count),
		ranks:   make([]int32, count),
		scales:  make([]float32, count),
		index:   make(map[string]int32, count),
		sum:     sum,
	}
	// One string for the whole section, so the vocabulary costs one
	// allocation; the words are substrings of it.
	vb := rest[:vocabLen]
	vocab := string(vb)
	pos, rank := 0, int64(-1)
	for i := range t.words {
		n, k := binary.Uvarint(vb[pos:])
		if k <= 0 || n == 0 || n > uint64(len(vocab)-pos-k) {
			return nil, fmt.Errorf("%w: bad length of word %d", errBadFile, i)
		}
		pos += k
		w := vocab[pos : pos+int(n)]
		pos += int(n)
		gap, k := binary.Uvarint(vb[pos:])
		if k <= 0 || gap >= uint64(srcSize) {
			return nil, fmt.Errorf("%w: bad rank of word %d", errBadFile, i)
		}
		pos += k
		rank += int64(gap) + 1
		if rank >= int64(srcSize) {
			return nil, fmt.Errorf("%w: rank of word %d beyond the source size", errBadFile, i)
		}
		if _, dup := t.index[w]; dup {
			return nil, fmt.Errorf("%w: duplicate word %q", errBadFile, w)
		}
		t.words[i] = w
		t.ranks[i] = int32(rank)
		t.index[w] = int32(i)
	}
	if pos != len(vocab) {
		return nil, fmt.Errorf("%w: %d stray bytes after the vocabulary", errBadFile, len(vocab)-pos)
	}
	rest = rest[vocabLen:]
	for i := range t.scales {
		s := math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("%w: bad scale of word %d", errBadFile, i)
		}
		t.scales[i] = s
	}
	t.vecs = rest[4*int(count):]
	return t, nil
}

// vector returns the dequantized vector of word i.
func (t *table) vector(i int) []float32 {
	v := make([]float32, t.dim)
	s := t.scales[i]
	for j, c := range t.vecs[i*t.dim : (i+1)*t.dim] {
		v[j] = s * float32(int8(c))
	}
	return v
}

// Entry is one word to be written to a vector file.
type Entry struct {
	// Word is the token as the tokenizer will look it up (lower case).
	Word string
	// Rank is the word's frequency rank in the source vocabulary, from 0
	// (the most frequent). Entries must be written in increasing rank.
	Rank int
	// Vec is the word's vector; all entries have the same length.
	Vec []float32
}

// QuantError measures how far the stored int8 vectors are from the float
// vectors they were made from.
type QuantError struct {
	// MeanCosine and MinCosine are the mean and the smallest cosine
	// similarity between a float vector and its quantized form.
	MeanCosine, MinCosine float64
}

// WriteTable encodes entries as a vector file to w. srcSize is the size of
// the source vocabulary the entries were selected from. It returns the
// quantization error, or an error if the entries are empty, out of rank
// order, duplicated, of unequal length or not finite, or if writing fails.
func WriteTable(w io.Writer, srcSize int, entries []Entry) (QuantError, error) {
	if len(entries) == 0 {
		return QuantError{}, errors.New("write vector file: no entries")
	}
	dim := len(entries[0].Vec)
	if dim == 0 || dim > maxDim || len(entries) > maxWords || srcSize < len(entries) || srcSize > math.MaxUint32 {
		return QuantError{}, fmt.Errorf("write vector file: implausible sizes (dim %d, count %d, source size %d)", dim, len(entries), srcSize)
	}
	var vocab []byte
	scales := make([]byte, 0, 4*len(entries))
	codes := make([]byte, 0, dim*len(entries))
	seen := make(map[string]bool, len(entries))
	qe := QuantError{MinCosine: 1}
	prev := -1
	for i, e := range entries {
		if e.Word == "" || seen[e.Word] {
			return QuantError{}, fmt.Errorf("write vector file: entry %d: empty or duplicate word %q", i, e.Word)
		}
		seen[e.Word] = true
		if e.Rank <= prev || e.Rank >= srcSize {
			return QuantError{}, fmt.Errorf("write vector file: entry %d (%q): rank %d out of order", i, e.Word, e.Rank)
		}
		if len(e.Vec) != dim {
			return QuantError{}, fmt.Errorf("write vector file: entry %d (%q): %d dimensions, want %d", i, e.Word, len(e.Vec), dim)
		}
		vocab = binary.AppendUvarint(vocab, uint64(len(e.Word)))
		vocab = append(vocab, e.Word...)
		vocab = binary.AppendUvarint(vocab, uint64(e.Rank-prev-1))
		prev = e.Rank
		scale, q, err := quantize(e.Vec)
		if err != nil {
			return QuantError{}, fmt.Errorf("write vector file: entry %d (%q): %w", i, e.Word, err)
		}
		scales = binary.LittleEndian.AppendUint32(scales, math.Float32bits(scale))
		for _, c := range q {
			codes = append(codes, byte(c))
		}
		c := quantCosine(e.Vec, scale, q)
		qe.MeanCosine += c
		qe.MinCosine = min(qe.MinCosine, c)
	}
	qe.MeanCosine /= float64(len(entries))
	if len(vocab) > math.MaxUint32 {
		return QuantError{}, errors.New("write vector file: vocabulary too large")
	}
	hdr := []byte(fileMagic)
	for _, x := range []int{fileVersion, dim, len(entries), srcSize, len(vocab)} {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(x))
	}
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriter(io.MultiWriter(w, crc))
	for _, part := range [][]byte{hdr, vocab, scales, codes} {
		if _, err := bw.Write(part); err != nil {
			return QuantError{}, fmt.Errorf("write vector file: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return QuantError{}, fmt.Errorf("write vector file: %w", err)
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return QuantError{}, fmt.Errorf("write vector file: %w", err)
	}
	return qe, nil
}

// quantize returns int8 codes and the scale that maps them back to v.
func quantize(v []float32) (float32, []int8, error) {
	var m float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return 0, nil, errors.New("vector is not finite")
		}
		m = max(m, math.Abs(float64(x)))
	}
	q := make([]int8, len(v))
	if m == 0 {
		return 0, q, nil
	}
	scale := float32(m / 127)
	for i, x := range v {
		r := math.Round(float64(x) / float64(scale))
		q[i] = int8(max(-127, min(127, r)))
	}
	return scale, q, nil
}

// quantCosine is the cosine between v and its quantized form.
func quantCosine(v []float32, scale float32, q []int8) float64 {
	var dot, a, b float64
	for i, x := range v {
		y := float64(scale) * float64(q[i])
		dot += float64(x) * y
		a += float64(x) * float64(x)
		b += y * y
	}
	if a == 0 || b == 0 {
		return 1
	}
	return dot / math.Sqrt(a*b)
}
