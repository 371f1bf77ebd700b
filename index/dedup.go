package index

import (
	"hash/fnv"
	"math/bits"
	"strings"
	"unicode"
)

// maxDupDistance is the largest Hamming distance between the SimHashes of
// two passages that are folded into one hit. Measured on the pairs of
// TestNearDuplicate: a 50-word paragraph reprinted with one word changed
// or dropped differs by 5-7 bits; the paragraph with a sentence added by
// 13, another paragraph on the same subject by 28, unrelated text by about
// 32 (half the bits). 8 sits between them.
const maxDupDistance = 8

// minFuzzyShingles is the fewest shingles a text needs for a fuzzy match.
// In a short text one changed word moves a large share of the shingles
// and the distance is erratic (a headline naming another city differed by
// 8 bits under one hash function, 12 under another), so short texts fold
// only into texts with the same SimHash: the same words in the same order.
const minFuzzyShingles = 16

// signature identifies a passage's text up to small edits.
type signature struct {
	hash     uint64 // 0 for a text without words
	shingles int
}

// simhash is a 64-bit SimHash (Charikar 2002) of the word 3-shingles of
// text, lower-cased, over runs of letters and digits. Texts of one or two
// words hash those words. A text without words gets hash 0, which is never
// folded.
//
// It is computed at query time for the candidates a search goes through
// until it has K hits (a few dozen for a page of results): about 14 µs for
// a 1 KB passage (BenchmarkSimhash), so nothing is stored and opening an
// index costs nothing more.
func simhash(text string) signature {
	var toks []uint64
	start := -1
	flush := func(end int) {
		if start >= 0 {
			h := fnv.New64a()
			h.Write([]byte(strings.ToLower(text[start:end])))
			toks = append(toks, h.Sum64())
			start = -1
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
		} else {
			flush(i)
		}
	}
	flush(len(text))
	if len(toks) == 0 {
		return signature{}
	}
	n := min(3, len(toks))
	var acc [64]int32
	for i := 0; i+n <= len(toks); i++ {
		// A shingle's hash from its words' hashes, order-sensitive.
		var x uint64
		for j, t := range toks[i : i+n] {
			x ^= bits.RotateLeft64(t, 21*j)
		}
		x = mix(x)
		for b := range acc {
			acc[b] += int32(x>>b&1)*2 - 1
		}
	}
	var out uint64
	for b, c := range acc {
		if c > 0 {
			out |= 1 << b
		}
	}
	if out == 0 {
		out = 1 // 0 means "no words"
	}
	return signature{out, len(toks) - n + 1}
}

// mix spreads FNV's bits (splitmix64's finaliser): SimHash needs every
// bit of a shingle's hash to be a fair coin.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// nearDuplicate reports whether two signatures are of near-duplicate
// passages.
func nearDuplicate(a, b signature) bool {
	if a.hash == 0 || b.hash == 0 {
		return false
	}
	if min(a.shingles, b.shingles) < minFuzzyShingles {
		return a.hash == b.hash
	}
	return bits.OnesCount64(a.hash^b.hash) <= maxDupDistance
}
