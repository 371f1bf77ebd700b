// Package eval measures retrieval quality on test collections in the
// BEIR layout (corpus.jsonl, queries.jsonl, qrels.tsv): it loads the
// queries and relevance judgments and scores rankings with the usual
// trec_eval-style measures (nDCG@10, MAP@100, Recall@100, MRR@10).
//
// Indexing the corpus is left to the caller, so that a collection is
// measured through the same ingest path the application uses.
package eval
