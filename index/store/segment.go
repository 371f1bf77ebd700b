package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"unicode/utf8"
)

// Segment file layout (all integers little-endian or uvarint):
//
//	magic "PLNSEG01"
//	u32 dim
//	uvarint ndocs, then per doc:
//	  10 strings (ID Root Path Title Date Place Source URL Hash Text)
//	  uvarint npassages, then per passage:
//	    string Anchor, uvarint Ord Start End, string Clean, dim x f32
//	uvarint ntombstones, then that many strings
//	trailer: u64 length of everything before it, u32 CRC-32C of the same,
//	         magic "PLNEND01"
//
// The trailer lets a reader detect truncation and corruption before parsing.
const (
	segMagic   = "PLNSEG01"
	endMagic   = "PLNEND01"
	trailerLen = 8 + 4 + 8
	// maxDim bounds the vector length we accept, so that a corrupt header
	// cannot make us allocate without limit.
	maxDim = 1 << 16
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by errors about a segment or manifest that cannot be
// read back as written.
var ErrCorrupt = errors.New("index data is corrupt")

// segment is the decoded content of one segment file.
type segment struct {
	docs       []*Doc
	tombstones []string
}

func (s *segment) passages() int {
	n := 0
	for _, d := range s.docs {
		n += len(d.Passages)
	}
	return n
}

func encodeSegment(dim int, docs []*Doc, tombstones []string) ([]byte, error) {
	size := len(segMagic) + 4 + 16 + trailerLen
	for _, d := range docs {
		size += len(d.ID) + len(d.Root) + len(d.Path) + len(d.Title) + len(d.Date) +
			len(d.Place) + len(d.Source) + len(d.URL) + len(d.Hash) + len(d.Text) + 64
		for _, p := range d.Passages {
			size += len(p.Anchor) + len(p.Clean) + 4*dim + 32
		}
	}
	for _, t := range tombstones {
		size += len(t) + 8
	}
	b := make([]byte, 0, size)
	b = append(b, segMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(dim))
	b = binary.AppendUvarint(b, uint64(len(docs)))
	for _, d := range docs {
		if d.ID == "" {
			return nil, errors.New("encode segment: document with empty ID")
		}
		for _, s := range [...]string{d.ID, d.Root, d.Path, d.Title, d.Date, d.Place, d.Source, d.URL, d.Hash, d.Text} {
			b = appendString(b, s)
		}
		b = binary.AppendUvarint(b, uint64(len(d.Passages)))
		for i, p := range d.Passages {
			if p.Start < 0 || p.End < p.Start || p.End > len(d.Text) || p.Ord != i {
				return nil, fmt.Errorf("encode segment: document %q: passage %d has bad offsets or order", d.ID, i)
			}
			if len(p.Vector) != dim {
				return nil, fmt.Errorf("encode segment: document %q: passage %d has a vector of length %d, want %d", d.ID, i, len(p.Vector), dim)
			}
			b = appendString(b, p.Anchor)
			b = binary.AppendUvarint(b, uint64(p.Ord))
			b = binary.AppendUvarint(b, uint64(p.Start))
			b = binary.AppendUvarint(b, uint64(p.End))
			b = appendString(b, p.Clean)
			for _, f := range p.Vector {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
		}
	}
	b = binary.AppendUvarint(b, uint64(len(tombstones)))
	for _, t := range tombstones {
		b = appendString(b, t)
	}
	n := len(b)
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[:n], crcTable))
	b = append(b, endMagic...)
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeSegment parses a whole segment file. It never panics: every length
// is checked against what remains, and every string must be valid UTF-8.
func decodeSegment(b []byte, wantDim int) (*segment, error) {
	if len(b) < len(segMagic)+4+trailerLen {
		return nil, fmt.Errorf("%w: segment too short (%d bytes)", ErrCorrupt, len(b))
	}
	tr := b[len(b)-trailerLen:]
	if string(tr[12:]) != endMagic {
		return nil, fmt.Errorf("%w: segment trailer missing (truncated file?)", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint64(tr[:8])
	if n != uint64(len(b)-trailerLen) {
		return nil, fmt.Errorf("%w: segment length %d does not match trailer %d", ErrCorrupt, len(b)-trailerLen, n)
	}
	body := b[:n]
	if crc := crc32.Checksum(body, crcTable); crc != binary.LittleEndian.Uint32(tr[8:12]) {
		return nil, fmt.Errorf("%w: segment checksum mismatch", ErrCorrupt)
	}
	if string(body[:len(segMagic)]) != segMagic {
		return nil, fmt.Errorf("%w: not a segment file", ErrCorrupt)
	}
	r := reader{b: body, off: len(segMagic)}
	dim := int(r.u32())
	if r.err == nil && (dim > maxDim || dim != wantDim) {
		return nil, fmt.Errorf("%w: segment vector dimension %d, want %d", ErrCorrupt, dim, wantDim)
	}
	ndocs := r.count(1)
	seg := &segment{docs: make([]*Doc, 0, ndocs)}
	for i := 0; i < ndocs && r.err == nil; i++ {
		d := &Doc{}
		for _, p := range [...]*string{&d.ID, &d.Root, &d.Path, &d.Title, &d.Date, &d.Place, &d.Source, &d.URL, &d.Hash, &d.Text} {
			*p = r.str()
		}
		if r.err == nil && d.ID == "" {
			r.fail("document with empty ID")
		}
		np := r.count(1 + 3 + 1 + 4*dim)
		d.Passages = make([]Passage, 0, np)
		for j := 0; j < np && r.err == nil; j++ {
			p := Passage{Anchor: r.str()}
			p.Ord = r.int()
			p.Start = r.int()
			p.End = r.int()
			p.Clean = r.str()
			p.Vector = r.vec(dim)
			if r.err == nil && (p.Ord != j || p.Start > p.End || p.End > len(d.Text)) {
				r.fail(fmt.Sprintf("document %q passage %d has bad offsets or order", d.ID, j))
			}
			d.Passages = append(d.Passages, p)
		}
		seg.docs = append(seg.docs, d)
	}
	nt := r.count(1)
	for i := 0; i < nt && r.err == nil; i++ {
		seg.tombstones = append(seg.tombstones, r.str())
	}
	if r.err == nil && r.off != len(body) {
		r.fail(fmt.Sprintf("%d unexpected bytes at end", len(body)-r.off))
	}
	if r.err != nil {
		return nil, r.err
	}
	return seg, nil
}

// reader is a bounds-checked cursor; after the first error every read
// returns a zero value, so decoding code can check once per record.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: segment at byte %d: %s", ErrCorrupt, r.off, msg)
	}
}

func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.off < 4 {
		r.fail("unexpected end")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return v
}

func (r *reader) int() int {
	v := r.uvarint()
	if v > math.MaxInt32 {
		r.fail("integer out of range")
		return 0
	}
	return int(v)
}

// count reads a number of items that each take at least minSize bytes, and
// rejects counts the remaining bytes cannot hold.
func (r *reader) count(minSize int) int {
	v := r.uvarint()
	if r.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if v > uint64(len(r.b)-r.off)/uint64(minSize) {
		r.fail("count larger than the data")
		return 0
	}
	return int(v)
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)-r.off) {
		r.fail("string longer than the data")
		return ""
	}
	s := r.b[r.off : r.off+int(n)]
	if !utf8.Valid(s) {
		r.fail("invalid UTF-8")
		return ""
	}
	r.off += int(n)
	return string(s)
}

func (r *reader) vec(dim int) []float32 {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < 4*dim {
		r.fail("vector longer than the data")
		return nil
	}
	v := make([]float32, dim)
	for i := range v {
		f := math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.off+4*i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			r.fail("vector holds a non-finite number")
			return nil
		}
		v[i] = f
	}
	r.off += 4 * dim
	return v
}
