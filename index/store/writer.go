package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	// maxSegments is how many segments may pile up before a commit merges
	// them, so that loading stays a handful of file reads.
	maxSegments = 32
)

// Writer commits changes to a data directory while holding its writer lock.
// It is not safe for concurrent use.
type Writer struct {
	s    *Store
	lock *fileLock
}

// Lock takes the writer lock of the data directory and deletes leftovers
// of interrupted writes. It returns a [*LockedError], naming the holder,
// if another writer holds the lock.
func (s *Store) Lock(ctx context.Context) (*Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := acquireLock(filepath.Join(s.dir, lockName))
	if err != nil {
		return nil, err
	}
	w := &Writer{s: s, lock: l}
	m, err := s.ReadManifest()
	if err != nil {
		w.Unlock()
		return nil, err
	}
	if err := w.removeLeftovers(m, false); err != nil {
		w.Unlock()
		return nil, err
	}
	return w, nil
}

// Unlock releases the writer lock. It returns an error if the lock file
// cannot be released.
func (w *Writer) Unlock() error {
	if w.lock == nil {
		return nil
	}
	err := w.lock.release()
	w.lock = nil
	return err
}

// removeLeftovers deletes files that no committed manifest names: temporary
// files and segments or states written by a commit that never happened.
// Only the lock holder may do this, since a live writer's files look the
// same until its manifest lands. replaced says the files were live until
// the commit that just happened, which is no cause for a warning.
func (w *Writer) removeLeftovers(m Manifest, replaced bool) error {
	logRemove := func(msg, name string) {
		if replaced {
			w.s.log.Debug("removing file replaced by the commit", "file", name)
			return
		}
		w.s.log.Warn(msg, "file", name)
	}
	keep := map[string]bool{}
	for _, si := range m.Segments {
		keep[si.Name] = true
	}
	entries, err := os.ReadDir(filepath.Join(w.s.dir, segmentsDir))
	if err != nil {
		return fmt.Errorf("list segments: %w", err)
	}
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		logRemove("removing segment left over by an interrupted write", e.Name())
		if err := os.Remove(filepath.Join(w.s.dir, segmentsDir, e.Name())); err != nil {
			return fmt.Errorf("remove leftover segment: %w", err)
		}
	}
	entries, err = os.ReadDir(w.s.dir)
	if err != nil {
		return fmt.Errorf("list data directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		leftover := strings.HasSuffix(name, ".tmp") ||
			(validStateName(name) && (m.State == nil || m.State.File != name))
		if !leftover {
			continue
		}
		logRemove("removing file left over by an interrupted write", name)
		if err := os.Remove(filepath.Join(w.s.dir, name)); err != nil {
			return fmt.Errorf("remove leftover file: %w", err)
		}
	}
	return nil
}

// Change is one commit: documents put (replacing any with the same ID) and
// documents deleted, plus what the data directory must say about the
// embedder.
type Change struct {
	Embedder string
	Dim      int
	// EmbedderSpec is recorded in the manifest. Empty means the Store's
	// Options.EmbedderSpec, or else the base manifest's spec when the
	// embedder keeps its name.
	EmbedderSpec string
	// State, when non-nil, replaces the embedder state; FitPassages
	// records how many passages it was fitted on.
	State       []byte
	FitPassages int
	Put         []*Doc
	Delete      []string
	// Live is every document live after the change; a merged segment is
	// written from it when compaction is due or Rewrite is set.
	Live map[string]*Doc
	// Rewrite forces one merged segment, for example after every vector
	// was recomputed.
	Rewrite bool
}

// Commit writes ch durably on top of base, which must be the manifest
// committed now, and returns the new manifest. Until the manifest rename
// at its end nothing a reader sees has changed. It returns an error if the
// directory changed since base was read, if the change is inconsistent, or
// if a file cannot be written.
func (w *Writer) Commit(ctx context.Context, base Manifest, ch Change) (Manifest, error) {
	if w.lock == nil {
		return Manifest{}, errors.New("commit: writer is unlocked")
	}
	if err := ctx.Err(); err != nil {
		return Manifest{}, err
	}
	cur, err := w.s.ReadManifest()
	if err != nil {
		return Manifest{}, err
	}
	if cur.Generation != base.Generation {
		return Manifest{}, fmt.Errorf("commit: data directory is at generation %d, change was made on %d", cur.Generation, base.Generation)
	}
	if ch.Dim < 0 || ch.Dim > maxDim {
		return Manifest{}, fmt.Errorf("commit: bad vector dimension %d", ch.Dim)
	}
	if base.Dim != 0 && base.Documents > 0 && (ch.Dim != base.Dim || ch.Embedder != base.Embedder) && !ch.Rewrite {
		return Manifest{}, fmt.Errorf("commit: embedder %s/%d differs from the index's %s/%d", ch.Embedder, ch.Dim, base.Embedder, base.Dim)
	}

	next := base
	next.Format = FormatVersion
	next.Generation = base.Generation + 1
	next.Embedder, next.Dim = ch.Embedder, ch.Dim
	switch {
	case ch.EmbedderSpec != "":
		next.EmbedderSpec = ch.EmbedderSpec
	case w.s.spec != "":
		next.EmbedderSpec = w.s.spec
	case ch.Embedder != base.Embedder:
		next.EmbedderSpec = ""
	}
	if ch.Embedder != base.Embedder && ch.State == nil {
		// A state belongs to the embedder that produced it; loading it
		// into another would fail or, worse, embed questions wrongly.
		next.State = nil
	}
	if next.NextSegment < 1 {
		next.NextSegment = 1
	}
	num := next.NextSegment
	next.NextSegment++

	records := len(ch.Put) + len(ch.Delete)
	for _, si := range base.Segments {
		records += si.Docs + si.Tombstones
	}
	live := len(ch.Live)
	compact := ch.Rewrite || records-live > live/2 || len(base.Segments)+1 > maxSegments

	var docs []*Doc
	var tombs []string
	if compact {
		docs = make([]*Doc, 0, live)
		for _, d := range ch.Live {
			docs = append(docs, d)
		}
		slices.SortFunc(docs, func(a, b *Doc) int { return cmp.Compare(a.ID, b.ID) })
		next.Segments = nil
	} else {
		docs = ch.Put
		tombs = ch.Delete
		next.Segments = slices.Clone(base.Segments)
	}
	if len(docs) > 0 || len(tombs) > 0 {
		si, err := w.writeSegment(num, ch.Dim, docs, tombs)
		if err != nil {
			return Manifest{}, err
		}
		next.Segments = append(next.Segments, si)
	}
	if next.Segments == nil {
		next.Segments = []SegmentInfo{}
	}
	if err := w.s.step("segment-written"); err != nil {
		return Manifest{}, err
	}

	if ch.State != nil {
		name := stateName(num)
		if err := writeFileAtomic(w.s.dir, name, ch.State); err != nil {
			return Manifest{}, fmt.Errorf("write embedder state: %w", err)
		}
		next.State = &StateInfo{File: name, SHA256: sha256hex(ch.State), Size: int64(len(ch.State)), FitPassages: ch.FitPassages}
		if err := w.s.step("state-written"); err != nil {
			return Manifest{}, err
		}
	}

	next.Documents = live
	next.Passages = 0
	for _, d := range ch.Live {
		next.Passages += len(d.Passages)
	}
	next.Committed = time.Now().UTC()
	b, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("encode manifest: %w", err)
	}
	if err := writeFileAtomicHook(w.s.dir, manifestName, b, func() error { return w.s.step("manifest-temp-written") }); err != nil {
		return Manifest{}, fmt.Errorf("write manifest: %w", err)
	}
	if err := w.s.step("committed"); err != nil {
		return Manifest{}, err
	}
	// The commit has happened; files the new manifest no longer names are
	// garbage now. Failing to remove them only wastes space, and the next
	// writer retries.
	if err := w.removeLeftovers(next, true); err != nil {
		w.s.log.Warn("could not remove files replaced by compaction", "err", err)
	}
	return next, nil
}

func (w *Writer) writeSegment(num, dim int, docs []*Doc, tombs []string) (SegmentInfo, error) {
	b, err := encodeSegment(dim, docs, tombs)
	if err != nil {
		return SegmentInfo{}, err
	}
	name := segmentName(num)
	if err := writeFileAtomic(filepath.Join(w.s.dir, segmentsDir), name, b); err != nil {
		return SegmentInfo{}, fmt.Errorf("write segment %s: %w", name, err)
	}
	seg := &segment{docs: docs}
	return SegmentInfo{
		Name: name, Size: int64(len(b)), CRC32C: segCRC(b),
		Docs: len(docs), Passages: seg.passages(), Tombstones: len(tombs),
	}, nil
}

func (s *Store) step(name string) error {
	if s.hook == nil {
		return nil
	}
	if err := s.hook(name); err != nil {
		return fmt.Errorf("commit interrupted at %s: %w", name, err)
	}
	return nil
}

// segCRC returns the checksum recorded in a segment's trailer.
func segCRC(b []byte) uint32 {
	if len(b) < trailerLen {
		return 0
	}
	return binary.LittleEndian.Uint32(b[len(b)-trailerLen+8:])
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func writeFileAtomic(dir, name string, data []byte) error {
	return writeFileAtomicHook(dir, name, data, nil)
}

// writeFileAtomicHook writes data to dir/name so that a crash leaves either
// the old file or the new one: temporary file, fsync, rename, directory
// fsync. beforeRename runs after the temporary file is durable.
func writeFileAtomicHook(dir, name string, data []byte, beforeRename func() error) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
