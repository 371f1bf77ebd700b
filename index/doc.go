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
// Every passage has a permanent ID, derived from its document's ID and its
// own content, so that links to it survive restarts and re-indexing.
package index
