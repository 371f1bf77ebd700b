package eval

import (
	"math"
	"slices"
)

// Cut-offs of the measures.
const (
	cutNDCG   = 10
	cutMAP    = 100
	cutRecall = 100
	cutMRR    = 10
)

// Metrics are retrieval measures, for one query or averaged over queries.
type Metrics struct {
	NDCG10    float64 `json:"ndcg@10"`
	MAP100    float64 `json:"map@100"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
}

// Score returns the mean [Metrics] over the dataset's queries that have at
// least one relevant judgment (as trec_eval averages over judged queries),
// given runs: each query's document IDs, best first. A judged query
// missing from runs scores zero. Conventions are those of [QueryMetrics].
func Score(ds *Dataset, runs map[string][]string) Metrics {
	var sum Metrics
	n := 0
	for _, q := range ds.Queries {
		rels := ds.Qrels[q.ID]
		if !hasRelevant(rels) {
			continue
		}
		m := QueryMetrics(rels, runs[q.ID])
		sum.NDCG10 += m.NDCG10
		sum.MAP100 += m.MAP100
		sum.Recall100 += m.Recall100
		sum.MRR10 += m.MRR10
		n++
	}
	if n == 0 {
		return Metrics{}
	}
	f := float64(n)
	return Metrics{sum.NDCG10 / f, sum.MAP100 / f, sum.Recall100 / f, sum.MRR10 / f}
}

// PerQuery returns the [Metrics] of each dataset query that has at least
// one relevant judgment, keyed by query ID, to find where two systems
// differ.
func PerQuery(ds *Dataset, runs map[string][]string) map[string]Metrics {
	out := make(map[string]Metrics, len(ds.Queries))
	for _, q := range ds.Queries {
		if rels := ds.Qrels[q.ID]; hasRelevant(rels) {
			out[q.ID] = QueryMetrics(rels, runs[q.ID])
		}
	}
	return out
}

// QueryMetrics scores one ranking against one query's judgments (document
// ID → grade; grade >= 1 is relevant). The conventions:
//   - a document ID repeated in the ranking counts at its first rank only;
//   - nDCG@10 uses linear gains (the grade itself, as trec_eval's
//     ndcg_cut, not 2^grade−1) and the discount 1/log2(rank+1); the ideal
//     DCG ranks all judged relevant documents by grade;
//   - MAP@100 is average precision over the top 100 divided by the number
//     of relevant documents (trec_eval's map_cut_100);
//   - Recall@100 is the share of relevant documents in the top 100;
//   - MRR@10 is 1/rank of the first relevant document in the top 10, or 0;
//   - binary measures treat every grade >= 1 as relevant.
//
// A query with no relevant judgment scores zero everywhere.
func QueryMetrics(rels map[string]int, ranking []string) Metrics {
	var grades []int
	for _, g := range rels {
		if g >= 1 {
			grades = append(grades, g)
		}
	}
	if len(grades) == 0 {
		return Metrics{}
	}
	var m Metrics
	seen := make(map[string]bool, min(len(ranking), cutMAP))
	var dcg, precSum float64
	found, rank := 0, 0
	for _, id := range ranking {
		if rank >= cutMAP {
			break
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		rank++
		g := rels[id]
		if g < 1 {
			continue
		}
		found++
		if rank <= cutNDCG {
			dcg += float64(g) / math.Log2(float64(rank)+1)
		}
		if m.MRR10 == 0 && rank <= cutMRR {
			m.MRR10 = 1 / float64(rank)
		}
		precSum += float64(found) / float64(rank)
	}
	r := float64(len(grades))
	m.MAP100 = precSum / r
	m.Recall100 = float64(found) / r // cutRecall == cutMAP, so found is counted in the top 100
	m.NDCG10 = dcg / idealDCG(grades, cutNDCG)
	return m
}

// idealDCG is the DCG of the judged relevant grades in the best order.
func idealDCG(grades []int, k int) float64 {
	sorted := slices.Clone(grades)
	slices.SortFunc(sorted, func(a, b int) int { return b - a })
	var d float64
	for i, g := range sorted[:min(k, len(sorted))] {
		d += float64(g) / math.Log2(float64(i)+2)
	}
	return d
}

func hasRelevant(rels map[string]int) bool {
	for _, g := range rels {
		if g >= 1 {
			return true
		}
	}
	return false
}
