package onnx

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// paddedCost is what planBatches minimizes, recomputed from its output.
func paddedCost(t *testing.T, lens []int, batches [][]int, maxBatch int, batchBuckets, seqBuckets []int) (tokens, padded int) {
	t.Helper()
	seen := make([]bool, len(lens))
	for _, b := range batches {
		if len(b) == 0 || len(b) > maxBatch {
			t.Fatalf("batch of %d texts, want 1 to %d", len(b), maxBatch)
		}
		if len(batchBuckets) > 0 && !slices.Contains(batchBuckets, len(b)) {
			t.Fatalf("batch of %d texts is not one of the buckets %v", len(b), batchBuckets)
		}
		longest := 0
		for _, i := range b {
			if seen[i] {
				t.Fatalf("text %d in two batches", i)
			}
			seen[i] = true
			tokens += lens[i]
			longest = max(longest, lens[i])
		}
		seq := longest
		for _, s := range seqBuckets {
			if s >= longest {
				seq = s
				break
			}
		}
		padded += seq * len(b)
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("text %d in no batch", i)
		}
	}
	return tokens, padded
}

func TestPlanBatches(t *testing.T) {
	goSeq := bucketsUpTo([]int{16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256}, 256)
	goBatch := bucketsUpTo([]int{1, 2, 4, 8, 16}, 32)
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]int, 300)
	for i := range random {
		random[i] = 90 + r.IntN(90) // passages of about 135 tokens
	}
	tests := []struct {
		name         string
		lens         []int
		maxBatch     int
		batchBuckets []int
		seqBuckets   []int
		maxOverhead  float64 // padded tokens over real tokens, at most
	}{
		{"empty", nil, 32, goBatch, goSeq, 0},
		{"one", []int{7}, 32, goBatch, goSeq, 16.0 / 7},
		{"exact buckets", []int{16, 16, 16, 16, 32, 32}, 32, goBatch, goSeq, 1},
		{"passages, go runtime", random, 32, goBatch, goSeq, 1.10},
		{"passages, any shape", random, 32, nil, nil, 1.05},
		{"batch of one", random[:20], 1, []int{1}, goSeq, 1.2},
		{"buckets without 1", []int{5, 9, 200}, 32, []int{2, 4}, goSeq, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches := planBatches(tt.lens, tt.maxBatch, tt.batchBuckets, tt.seqBuckets)
			buckets := tt.batchBuckets
			if tt.name == "buckets without 1" {
				buckets = append([]int{1}, buckets...) // the fallback
			}
			tokens, padded := paddedCost(t, tt.lens, batches, tt.maxBatch, buckets, tt.seqBuckets)
			if tokens > 0 && float64(padded)/float64(tokens) > tt.maxOverhead {
				t.Errorf("padded %d tokens for %d (%.2f×), want at most %.2f×", padded, tokens, float64(padded)/float64(tokens), tt.maxOverhead)
			}
		})
	}
}

// TestPlanBatchesBeatsFixedBatches compares with what Embed did before:
// batches of 32 texts in length order, padded to a bucket.
func TestPlanBatchesBeatsFixedBatches(t *testing.T) {
	seq := bucketsUpTo([]int{16, 32, 48, 64, 96, 128, 160, 192, 224, 256}, 256)
	r := rand.New(rand.NewPCG(3, 4))
	lens := make([]int, 256)
	for i := range lens {
		lens[i] = 60 + r.IntN(150)
	}
	sorted := slices.Clone(lens)
	slices.Sort(sorted)
	fixed := 0
	for lo := 0; lo < len(sorted); lo += 32 {
		b := sorted[lo:min(lo+32, len(sorted))]
		s := b[len(b)-1]
		for _, x := range seq {
			if x >= s {
				s = x
				break
			}
		}
		fixed += 32 * s
	}
	batches := planBatches(lens, 32, bucketsUpTo([]int{1, 2, 4, 8, 16}, 32), seq)
	_, planned := paddedCost(t, lens, batches, 32, bucketsUpTo([]int{1, 2, 4, 8, 16}, 32), seq)
	if planned >= fixed {
		t.Fatalf("planned batches pad to %d tokens, fixed batches to %d", planned, fixed)
	}
}
