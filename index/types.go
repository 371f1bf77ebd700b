package index

import (
	"errors"
	"fmt"
)

// Errors returned by the index. The web layer maps them to HTTP statuses in
// one place.
var (
	// ErrNotFound is returned for an unknown document or passage ID.
	ErrNotFound = errors.New("not found")
	// ErrEmbedderMismatch is returned when an index is opened or searched
	// with an embedder other than the one that built it.
	ErrEmbedderMismatch = errors.New("index was built with a different embedder")
	// ErrLocked is returned when another process is writing to the same
	// data directory.
	ErrLocked = errors.New("data directory is locked by another writer")
	// ErrBadQuery is returned for a query the index cannot run (empty,
	// too long, bad parameters).
	ErrBadQuery = errors.New("bad query")
)

// Document is a report as stored: its metadata and its original text.
type Document struct {
	ID     string `json:"doc_id"`
	Title  string `json:"title"`
	Date   string `json:"date,omitempty"`  // ISO yyyy-mm-dd, or empty when unknown
	Place  string `json:"place,omitempty"` // province or city, or empty
	Source string `json:"source,omitempty"`
	URL    string `json:"source_url,omitempty"` // where the report came from, if known
	Path   string `json:"path,omitempty"`       // the file it was read from
	Text   string `json:"-"`                    // the original text, shown faithfully
	Hash   string `json:"-"`                    // content hash; unchanged documents are not re-embedded
}

// Passage is a piece of a document, the unit of retrieval.
type Passage struct {
	// ID is permanent: DocID + "#" + Anchor.
	ID     string `json:"passage_id"`
	DocID  string `json:"doc_id"`
	Anchor string `json:"anchor"` // HTML id attribute on the report page
	Ord    int    `json:"ord"`    // position in the document, from 0
	Start  int    `json:"start"`  // byte offset of the passage in Document.Text
	End    int    `json:"end"`    // byte offset just past the passage
	Text   string `json:"text"`   // Document.Text[Start:End]
}

// Fragment is a piece of a snippet; Match marks the words that answer the
// question. Templates escape Text, so a snippet cannot inject markup.
type Fragment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Query is a question and how to answer it.
type Query struct {
	Text string
	// K is the number of hits wanted; it is clamped to what exists.
	K int
	// PerDoc caps how many passages of one report are returned; 0 means
	// the default (a few), negative means no cap.
	PerDoc int
	// Mode chooses the retrievers; the zero value means ModeHybrid.
	Mode Mode
}

// Mode says which retrievers answer a query.
type Mode string

// The retrieval modes. Hybrid fuses the lexical (BM25) and vector rankings.
const (
	ModeHybrid  Mode = "hybrid"
	ModeVector  Mode = "vector"
	ModeLexical Mode = "lexical"
)

// ParseMode returns the Mode named s ("" means hybrid). It returns an error
// wrapping ErrBadQuery for any other name.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModeHybrid:
		return ModeHybrid, nil
	case ModeVector, ModeLexical:
		return Mode(s), nil
	}
	return "", fmt.Errorf("%w: mode must be hybrid, vector or lexical, not %q", ErrBadQuery, s)
}

// Why tells which retrievers found a hit and at what rank (1-based; 0 means
// that retriever did not return it).
type Why struct {
	LexicalRank  int     `json:"lexical_rank,omitempty"`
	LexicalScore float64 `json:"lexical_score,omitempty"`
	VectorRank   int     `json:"vector_rank,omitempty"`
	VectorScore  float64 `json:"vector_score,omitempty"`
	// Terms are the analysed query terms the passage matched lexically.
	Terms []string `json:"terms,omitempty"`
	// Collapsed counts near-duplicate passages folded into this hit.
	Collapsed int `json:"collapsed,omitempty"`
}

// Hit is one passage that answers a query.
type Hit struct {
	Passage
	Title   string     `json:"title"`
	Date    string     `json:"date,omitempty"`
	Place   string     `json:"place,omitempty"`
	Score   float64    `json:"score"`
	Snippet []Fragment `json:"-"`
	Why     Why        `json:"why"`
}

// Results is the answer to a Query.
type Results struct {
	Query string `json:"query"`
	Hits  []Hit  `json:"results"`
}

// Similar is a report ranked by its similarity to another.
type Similar struct {
	DocID string  `json:"doc_id"`
	Title string  `json:"title"`
	Date  string  `json:"date,omitempty"`
	Place string  `json:"place,omitempty"`
	Score float64 `json:"score"`
}

// Stats describes an index.
type Stats struct {
	Documents int    `json:"documents"`
	Passages  int    `json:"passages"`
	Embedder  string `json:"embedder"`
	Dim       int    `json:"dim"`
}
