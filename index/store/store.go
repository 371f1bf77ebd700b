package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// FormatVersion is the on-disk format this package writes and reads.
const FormatVersion = 1

const (
	manifestName = "manifest.json"
	segmentsDir  = "segments"
	lockName     = "LOCK"
	// loadAttempts bounds how often a reader restarts when a concurrent
	// writer's compaction deletes a file it was about to read.
	loadAttempts = 5
)

// Manifest is the commit point of the data directory: everything a reader
// needs to find the live data.
type Manifest struct {
	Format     int       `json:"format"`
	Generation uint64    `json:"generation"`
	Committed  time.Time `json:"committed"`
	// Embedder and Dim name the embedding model that produced the vectors;
	// empty and 0 until the first commit that stores passages.
	Embedder string `json:"embedder,omitempty"`
	Dim      int    `json:"dim,omitempty"`
	// EmbedderSpec is how the embedder was asked for (an embed/spec spec
	// such as "builtin" or "onnx:/abs/dir"), so that readers can build the
	// same one again; empty in indexes written before it was recorded.
	// Embedder stays the identity check: two specs may name one model.
	EmbedderSpec string        `json:"embedder_spec,omitempty"`
	State        *StateInfo    `json:"state,omitempty"`
	Segments     []SegmentInfo `json:"segments"`
	// NextSegment is the number of the next segment file to write.
	NextSegment int `json:"next_segment"`
	Documents   int `json:"documents"`
	Passages    int `json:"passages"`
}

// StateInfo describes the embedder state file committed with a manifest.
type StateInfo struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// FitPassages is how many passages the state was fitted on, so that
	// the index can tell when the corpus has outgrown it.
	FitPassages int `json:"fit_passages"`
}

// SegmentInfo describes one live segment file.
type SegmentInfo struct {
	Name       string `json:"name"`
	Size       int64  `json:"size"`
	CRC32C     uint32 `json:"crc32c"`
	Docs       int    `json:"docs"`
	Passages   int    `json:"passages"`
	Tombstones int    `json:"tombstones"`
}

// Snapshot is the live content of a data directory at one generation.
type Snapshot struct {
	Manifest Manifest
	Docs     map[string]*Doc
	// State is the embedder state named by the manifest, or nil.
	State []byte
}

// Options configures a Store.
type Options struct {
	// Logger receives warnings about leftovers removed; nil discards.
	Logger *slog.Logger
	// Hook, when set, is called at each step of a commit with the name of
	// the step ("segment-written", "state-written", "manifest-temp-written",
	// "committed"). An error it returns aborts the commit at that point,
	// leaving the files as a crash there would. It exists for tests.
	Hook func(step string) error
	// EmbedderSpec is recorded by commits whose Change leaves its
	// EmbedderSpec empty, so that a caller that knows the spec (the index)
	// need not thread it through every Change.
	EmbedderSpec string
}

// Store reads and writes one data directory. Reading needs no lock; writing
// goes through a [Writer] obtained from [Store.Lock].
type Store struct {
	dir  string
	log  *slog.Logger
	hook func(string) error
	spec string
	// beforeRead, set by tests, runs before each segment is read, to let a
	// concurrent writer act at the worst moment.
	beforeRead func()
}

// Open prepares the data directory dir, creating it if missing. It returns
// an error if the directory cannot be created.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open store: empty data directory")
	}
	if err := os.MkdirAll(filepath.Join(dir, segmentsDir), 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{dir: dir, log: log, hook: opts.Hook, spec: opts.EmbedderSpec}, nil
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// ReadManifest returns the committed manifest, or a zero Manifest with
// Generation 0 if nothing was ever committed. It is cheap enough to call
// periodically to notice commits by another process. It returns an error
// wrapping [ErrCorrupt] if the manifest cannot be parsed.
func (s *Store) ReadManifest() (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{Format: FormatVersion, Segments: []SegmentInfo{}}, nil
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("%w: parse manifest: %w", ErrCorrupt, err)
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("manifest format %d is not supported (want %d)", m.Format, FormatVersion)
	}
	if m.Generation == 0 || m.Dim < 0 || m.Dim > maxDim {
		return Manifest{}, fmt.Errorf("%w: manifest has generation %d and dimension %d", ErrCorrupt, m.Generation, m.Dim)
	}
	for _, si := range m.Segments {
		if !validSegmentName(si.Name) {
			return Manifest{}, fmt.Errorf("%w: manifest names segment %q", ErrCorrupt, si.Name)
		}
	}
	if m.State != nil && !validStateName(m.State.File) {
		return Manifest{}, fmt.Errorf("%w: manifest names state file %q", ErrCorrupt, m.State.File)
	}
	return m, nil
}

// Load reads the committed manifest and replays its segments. It returns an
// error wrapping [ErrCorrupt] if a segment or the state file is missing,
// truncated or damaged, and ctx.Err() if ctx is cancelled.
func (s *Store) Load(ctx context.Context) (*Snapshot, error) {
	var lastErr error
	for range loadAttempts {
		m, err := s.ReadManifest()
		if err != nil {
			return nil, err
		}
		snap, err := s.load(ctx, m)
		if err == nil {
			return snap, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// A missing file is corruption only if the manifest still names
		// it; a writer may have compacted and removed it meanwhile.
		again, rerr := s.ReadManifest()
		if rerr != nil {
			return nil, rerr
		}
		if again.Generation == m.Generation {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		lastErr = err
	}
	return nil, fmt.Errorf("load index: data directory keeps changing: %w", lastErr)
}

func (s *Store) load(ctx context.Context, m Manifest) (*Snapshot, error) {
	snap := &Snapshot{Manifest: m, Docs: make(map[string]*Doc, m.Documents)}
	for _, si := range m.Segments {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.beforeRead != nil {
			s.beforeRead()
		}
		seg, err := s.readSegment(si, m.Dim)
		if err != nil {
			return nil, err
		}
		for _, id := range seg.tombstones {
			delete(snap.Docs, id)
		}
		for _, d := range seg.docs {
			snap.Docs[d.ID] = d
		}
	}
	if m.State != nil {
		b, err := os.ReadFile(filepath.Join(s.dir, m.State.File))
		if err != nil {
			return nil, fmt.Errorf("read embedder state: %w", err)
		}
		if int64(len(b)) != m.State.Size || sha256hex(b) != m.State.SHA256 {
			return nil, fmt.Errorf("%w: embedder state %s does not match the manifest", ErrCorrupt, m.State.File)
		}
		snap.State = b
	}
	if len(snap.Docs) != m.Documents {
		return nil, fmt.Errorf("%w: segments hold %d documents, manifest says %d", ErrCorrupt, len(snap.Docs), m.Documents)
	}
	return snap, nil
}

func (s *Store) readSegment(si SegmentInfo, dim int) (*segment, error) {
	path := filepath.Join(s.dir, segmentsDir, si.Name)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read segment %s: %w", si.Name, err)
	}
	if int64(len(b)) != si.Size {
		return nil, fmt.Errorf("%w: segment %s has %d bytes, manifest says %d (truncated?)", ErrCorrupt, si.Name, len(b), si.Size)
	}
	seg, err := decodeSegment(b, dim)
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", si.Name, err)
	}
	if got := segCRC(b); got != si.CRC32C {
		return nil, fmt.Errorf("%w: segment %s checksum differs from the manifest", ErrCorrupt, si.Name)
	}
	return seg, nil
}

func segmentName(n int) string { return fmt.Sprintf("%06d.seg", n) }

func validSegmentName(name string) bool {
	var n int
	_, err := fmt.Sscanf(name, "%06d.seg", &n)
	return err == nil && name == segmentName(n)
}

func stateName(n int) string { return fmt.Sprintf("embedder.%06d.state", n) }

func validStateName(name string) bool {
	var n int
	_, err := fmt.Sscanf(name, "embedder.%06d.state", &n)
	return err == nil && name == stateName(n)
}

// ManifestOf returns the committed manifest of the data directory dir
// without preparing the directory for writing, so that callers can learn
// how an index was built before opening it. A missing directory or one
// where nothing was committed gives a zero Manifest with Generation 0. It
// returns an error wrapping [ErrCorrupt] if the manifest cannot be parsed.
func ManifestOf(dir string) (Manifest, error) {
	if dir == "" {
		return Manifest{}, errors.New("read manifest: empty data directory")
	}
	s := &Store{dir: dir}
	return s.ReadManifest()
}
