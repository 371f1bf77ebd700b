// Package index builds, stores and searches Plenary's collection of meeting
// reports.
//
// Data flows one way: files are read (index/ingest), cleaned and their
// metadata extracted (index/clean), split into passages with offsets into
// the original text (index/chunk), embedded (package embed), and stored
// on disk under the data directory and in an in-process chromem-go
// database. An [Index] answers questions with ranked passages, finds
// similar reports, and returns a report with its passages for display.
//
// Every passage is also in a keyword index (index/lexical, under
// <data dir>/lexical), a cache derived from the store: it records the
// store generation it reflects, and whoever finds it behind (after a crash
// between the two commits, or a change made by another process) brings it
// level by comparing passage IDs; a damaged one is rebuilt. A process that
// cannot open it because another holds it leaves it to the holder and, if
// it must search, keeps a copy in memory. Lexical hits of passages the
// store no longer has are dropped, so results are right either way.
//
// Search ranks passages by BM25, by vector similarity, or by a blend of
// both led by BM25 (the default; fuse.go says why), folds near-duplicate
// passages into one hit, caps hits per report and marks the words, or
// failing that the sentence, that answer the question.
//
// Every passage has a permanent ID, derived from its document's ID and its
// own content, so that links to it survive restarts and re-indexing.
package index
