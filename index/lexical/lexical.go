package lexical

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
	"go.etcd.io/bbolt"
)

// Analyzer names accepted by [WithAnalyzer]. All of them split on Unicode
// word boundaries, drop English possessives, lower-case and remove English
// stop words; they differ in stemming.
const (
	// AnalyzerPorter is bleve's "en" analyzer: Porter stemming.
	AnalyzerPorter = en.AnalyzerName
	// AnalyzerSnowball stems with the Snowball English (Porter2) stemmer.
	AnalyzerSnowball = "plenary_en_snowball"
	// AnalyzerPlural only folds plural forms ("meetings" → "meeting").
	AnalyzerPlural = "plenary_en_plural"
	// AnalyzerNoStem does not stem.
	AnalyzerNoStem = "plenary_en_nostem"
)

// Defaults, chosen by a grid search on seven test collections (TIME,
// MEDLINE, CISI, Cranfield, CACM, SciFact, ADI; documents as title+text):
// the best mean nDCG@10 within 0.001, on a flat plateau around them.
const (
	DefaultK1         = 1.2
	DefaultB          = 0.6
	DefaultTitleBoost = 2.0
	DefaultAnalyzer   = AnalyzerSnowball
	// DefaultHits is the number of hits Search returns for n < 1.
	DefaultHits = 10
	// MaxHits caps n in Search.
	MaxHits = 10000
)

// Field names in the bleve mapping.
const (
	fieldTitle = "title"
	fieldText  = "text"
	fieldDoc   = "doc"
	fieldLen   = "len" // stored only: "titleLen textLen", to keep totals right on delete
)

// Internal (non-document) keys.
var (
	keySchema     = []byte("plenary.schema")
	keyGeneration = []byte("plenary.generation")
	keyStats      = []byte("plenary.stats")
	keyAnalyzer   = []byte("plenary.analyzer")
)

const schemaVersion = "plenary-lexical/1"

// Errors returned by [Open].
var (
	// ErrCorrupt means dir exists but does not hold a readable lexical
	// index; the caller should remove it and rebuild.
	ErrCorrupt = errors.New("not a readable lexical index")
	// ErrLocked means another process has the index open; it must not
	// be mistaken for corruption and rebuilt.
	ErrLocked = errors.New("lexical index is locked by another process")
)

// lockWait is how long Open waits for another process to release the
// index before returning ErrLocked.
const lockWait = "2s"

// Doc is one passage to index.
type Doc struct {
	ID    string // passage ID, "docid#p-xxxx"
	DocID string
	Title string
	Text  string
}

// Hit is one ranked passage.
type Hit struct {
	ID    string
	DocID string
	Score float64
	Rank  int // 1-based
}

// Option changes how an index is opened.
type Option func(*config)

type config struct {
	k1, b       float64
	titleBoost  float64
	analyzer    string
	bleveScores bool
	batchSize   int // operations per bleve batch
}

// defaultBatchSize bounds the operations in one bleve batch, so a large
// rebuild does not hold every analysed document in memory at once.
const defaultBatchSize = 4096

// WithBM25 sets the BM25 parameters k1 (term-frequency saturation, > 0)
// and b (length normalisation, 0..1). Out-of-range values are ignored.
func WithBM25(k1, b float64) Option {
	return func(c *config) {
		if k1 > 0 && k1 < 100 {
			c.k1 = k1
		}
		if b >= 0 && b <= 1 {
			c.b = b
		}
	}
}

// WithTitleBoost sets the weight of a title occurrence relative to a text
// occurrence (BM25F field weight). Values <= 0 are ignored.
func WithTitleBoost(w float64) Option {
	return func(c *config) {
		if w > 0 && w < 100 {
			c.titleBoost = w
		}
	}
}

// WithAnalyzer chooses the analyzer (one of the Analyzer constants) for a
// new index. An existing index keeps the analyzer it was built with,
// since its terms were produced by it.
func WithAnalyzer(name string) Option {
	return func(c *config) { c.analyzer = name }
}

// WithBleveScoring ranks with bleve's own "bm25" scoring model (a
// disjunction of match queries) instead of this package's BM25F. It is
// kept to compare the two; WithBM25 does not apply to it.
func WithBleveScoring() Option {
	return func(c *config) { c.bleveScores = true }
}

// Index is a lexical index of passages. Search may run concurrently with
// Apply; Apply calls are serialised.
type Index struct {
	bleve    bleve.Index
	cfg      config
	analyzer analysis.Analyzer
	// reader is analyzer with a stem cache, for questions and
	// highlighting, which only read the tokens; indexing goes through
	// bleve and analyzer.
	reader analysis.Analyzer
	// scratch holds *accumulator values between searches: allocating and
	// zeroing two slices the size of the index per query cost as much as
	// a quarter of a query at 100,000 passages.
	scratch sync.Pool

	mu sync.Mutex // serialises Apply, so that field-length totals stay exact
}

// Open opens the lexical index in dir, creating it when dir does not
// exist or is empty. It returns an error wrapping [ErrCorrupt] when dir
// holds something else or a damaged index, one wrapping [ErrLocked] when
// another process holds the index, and other errors when the directory
// cannot be read or created.
func Open(dir string, opts ...Option) (*Index, error) {
	cfg := config{k1: DefaultK1, b: DefaultB, titleBoost: DefaultTitleBoost, analyzer: DefaultAnalyzer, batchSize: defaultBatchSize}
	for _, o := range opts {
		o(&cfg)
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't read lexical index directory: %w", err)
	}
	if empty {
		return create(dir, cfg)
	}
	b, err := openBleve(dir)
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("couldn't open lexical index in %s: %w", dir, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't open lexical index in %s: %w: %w", dir, ErrCorrupt, err)
	}
	x, err := attach(b, cfg)
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("couldn't open lexical index in %s: %w", dir, err)
	}
	return x, nil
}

// openBleve opens an existing bleve index. bleve panics on some damaged
// segment files while loading them; that is turned into an error so the
// caller can rebuild. (Files the failed open left open are not closed.)
func openBleve(dir string) (b bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("bleve panicked: %v", r)
		}
	}()
	return bleve.OpenUsing(dir, map[string]any{"bolt_timeout": lockWait})
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s is not a directory: %w", dir, err)
	}
	return false, nil
}

func create(dir string, cfg config) (*Index, error) {
	m, err := newMapping(cfg.analyzer)
	if err != nil {
		return nil, err
	}
	// bleve refuses an existing path, even an empty one.
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("couldn't prepare lexical index directory: %w", err)
	}
	b, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, map[string]any{"bolt_timeout": lockWait})
	if err != nil {
		return nil, fmt.Errorf("couldn't create lexical index in %s: %w", dir, err)
	}
	return initialise(b, cfg)
}

// OpenMemory returns a new, empty lexical index held in memory only, with
// the same mapping and ranking as one on disk. A process that cannot open
// the index on disk because another holds it ([ErrLocked]) builds one of
// these instead. It returns an error if the options name an unknown
// analyzer.
func OpenMemory(opts ...Option) (*Index, error) {
	cfg := config{k1: DefaultK1, b: DefaultB, titleBoost: DefaultTitleBoost, analyzer: DefaultAnalyzer, batchSize: defaultBatchSize}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := newMapping(cfg.analyzer)
	if err != nil {
		return nil, err
	}
	// Scorch without a path keeps its segments in memory; bleve's own
	// NewMemOnly would use upsidedown, whose internal IDs are not the
	// 8-byte numbers the scorer reads.
	b, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("couldn't create in-memory lexical index: %w", err)
	}
	return initialise(b, cfg)
}

// initialise writes the internal keys of a new index and attaches to it.
func initialise(b bleve.Index, cfg config) (*Index, error) {
	batch := b.NewBatch()
	batch.SetInternal(keySchema, []byte(schemaVersion))
	batch.SetInternal(keyAnalyzer, []byte(cfg.analyzer))
	batch.SetInternal(keyGeneration, encodeUint(0))
	batch.SetInternal(keyStats, encodeStats(stats{}))
	if err := b.Batch(batch); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("couldn't initialise lexical index: %w", err)
	}
	x, err := attach(b, cfg)
	if err != nil {
		_ = b.Close()
		return nil, err
	}
	return x, nil
}

// attach checks that b is one of ours and binds its analyzer.
func attach(b bleve.Index, cfg config) (*Index, error) {
	v, err := b.GetInternal(keySchema)
	if err != nil {
		return nil, fmt.Errorf("couldn't read schema: %w: %w", ErrCorrupt, err)
	}
	if string(v) != schemaVersion {
		return nil, fmt.Errorf("schema %q, want %q: %w", v, schemaVersion, ErrCorrupt)
	}
	name, err := b.GetInternal(keyAnalyzer)
	if err != nil || len(name) == 0 {
		return nil, fmt.Errorf("couldn't read analyzer name: %w", ErrCorrupt)
	}
	cfg.analyzer = string(name)
	a := b.Mapping().AnalyzerNamed(cfg.analyzer)
	if a == nil {
		return nil, fmt.Errorf("unknown analyzer %q: %w", name, ErrCorrupt)
	}
	if _, err := b.GetInternal(keyStats); err != nil {
		return nil, fmt.Errorf("couldn't read field statistics: %w: %w", ErrCorrupt, err)
	}
	return &Index{bleve: b, cfg: cfg, analyzer: a, reader: newCachedAnalyzer(a)}, nil
}

func newMapping(analyzer string) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	filters := map[string][]string{
		AnalyzerSnowball: {en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName},
		AnalyzerPlural:   {en.PossessiveName, lowercase.Name, en.StopName, en.PluralStemmerName},
		AnalyzerNoStem:   {en.PossessiveName, lowercase.Name, en.StopName},
	}
	for name, fs := range filters {
		err := m.AddCustomAnalyzer(name, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": fs,
		})
		if err != nil {
			return nil, fmt.Errorf("couldn't define analyzer %s: %w", name, err)
		}
	}
	if _, ok := filters[analyzer]; !ok && analyzer != AnalyzerPorter {
		return nil, fmt.Errorf("unknown analyzer %q", analyzer)
	}
	m.ScoringModel = bindex.BM25Scoring
	m.DefaultAnalyzer = analyzer
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false

	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewKeywordFieldMapping()
	doc.Analyzer = keyword.Name
	doc.Store = true // for WithBleveScoring, which loads stored fields
	doc.IncludeInAll = false
	doc.IncludeTermVectors = false
	doc.DocValues = true
	lens := bleve.NewTextFieldMapping()
	lens.Analyzer = keyword.Name
	lens.Index = false
	lens.Store = true
	lens.IncludeInAll = false
	lens.IncludeTermVectors = false
	lens.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldTitle, text())
	dm.AddFieldMappingsAt(fieldText, text())
	dm.AddFieldMappingsAt(fieldDoc, doc)
	dm.AddFieldMappingsAt(fieldLen, lens)
	m.DefaultMapping = dm
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("couldn't build index mapping: %w", err)
	}
	return m, nil
}

// Generation returns what the last successful [Index.Apply] recorded, 0
// for a new index, or an error if it cannot be read.
func (x *Index) Generation() (uint64, error) {
	v, err := x.bleve.GetInternal(keyGeneration)
	if err != nil {
		return 0, fmt.Errorf("couldn't read generation: %w", err)
	}
	g, ok := decodeUint(v)
	if !ok {
		return 0, fmt.Errorf("couldn't read generation: %w", ErrCorrupt)
	}
	return g, nil
}

// Count returns the number of indexed passages, or an error if the index
// cannot be read.
func (x *Index) Count() (uint64, error) {
	n, err := x.bleve.DocCount()
	if err != nil {
		return 0, fmt.Errorf("couldn't count passages: %w", err)
	}
	return n, nil
}

// IDs returns the IDs of every indexed passage, in no particular order:
// what a caller compares with its own records to bring the index up to
// date. It returns an error when ctx is done or the index cannot be read.
func (x *Index) IDs(ctx context.Context) ([]string, error) {
	adv, err := x.bleve.Advanced()
	if err != nil {
		return nil, fmt.Errorf("couldn't list passages: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("couldn't open index reader: %w", err)
	}
	defer r.Close()
	dr, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("couldn't list passages: %w", err)
	}
	defer dr.Close()
	var out []string
	for i := 0; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("couldn't list passages: %w", err)
			}
		}
		iid, err := dr.Next()
		if err != nil {
			return nil, fmt.Errorf("couldn't list passages: %w", err)
		}
		if iid == nil {
			return out, nil
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("couldn't resolve passage ID: %w", err)
		}
		out = append(out, ext)
	}
}

// Analyzer returns the name of the analyzer the index was built with.
func (x *Index) Analyzer() string { return x.cfg.analyzer }

// Close flushes and closes the index; it returns an error if that fails.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.bleve.Close(); err != nil {
		return fmt.Errorf("couldn't close lexical index: %w", err)
	}
	return nil
}

// stats are the field-length totals BM25 needs for average lengths.
type stats struct {
	titleLen, textLen uint64
}

func encodeStats(s stats) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, s.titleLen)
	binary.BigEndian.PutUint64(b[8:], s.textLen)
	return b
}

func decodeStats(b []byte) (stats, bool) {
	if len(b) != 16 {
		return stats{}, false
	}
	return stats{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, true
}

func encodeUint(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func decodeUint(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}
