// Package store keeps Plenary's index on disk so that nothing is lost.
//
// The data directory holds:
//
//	manifest.json          the commit point: format, generation, embedder,
//	                       live segment files with their sizes and CRCs
//	segments/NNNNNN.seg    immutable batches of document records (metadata,
//	                       original text, passages with offsets, clean text
//	                       and vectors) and tombstones of removed documents
//	embedder.NNNNNN.state  the embedder's fitted state named in the manifest
//	LOCK                   the writer lock (flock), naming its holder
//
// A write creates a new segment (temporary file, fsync, rename, directory
// fsync), then a new manifest the same way; the manifest rename is the
// commit. Files that no committed manifest names are leftovers of an
// interrupted write and are deleted by the next writer. Loading replays the
// segments in order: a later record replaces an earlier one with the same
// document ID, and a tombstone deletes it. When dead records outnumber half
// of the live ones, or there are too many segments, a commit writes one
// merged segment instead.
//
// Readers never take the lock: they read the manifest and the files it
// names, retrying if a concurrent compaction removed a file under them.
package store
