package store

// Doc is one stored report: its metadata, its original text and its
// passages with their vectors.
type Doc struct {
	ID     string
	Root   string // the path given to the indexer that led to this file
	Path   string
	Title  string
	Date   string
	Place  string
	Source string
	URL    string
	Hash   string // content hash; an unchanged hash means no re-embedding
	Text   string
	// Passages are in document order; Passages[i].Ord == i.
	Passages []Passage
}

// Passage is a piece of a Doc with its vector.
type Passage struct {
	Anchor string
	Ord    int
	Start  int // byte offset into Doc.Text
	End    int
	Clean  string    // the repaired text that was embedded
	Vector []float32 // L2-normalized, or all zero when nothing could be embedded
}
