package view

// Assets are the URLs of the embedded static files, which carry a content
// hash and so change whenever a file does.
type Assets struct {
	CSS  string
	JS   string
	Icon string
}

// Page is what the layout needs on every page.
type Page struct {
	// Title is the document title, without the site name.
	Title string
	// Query is shown in the header's search box so that it survives
	// navigation between results and reports.
	Query string
	// Mode is the retrieval mode selected in the search boxes: "hybrid",
	// "vector" or "lexical"; empty means hybrid.
	Mode    string
	Assets  Assets
	Version string
	// NoHeaderSearch leaves the search box out of the header, for pages
	// that show their own.
	NoHeaderSearch bool
}

// Fragment is a piece of a snippet; Match pieces are highlighted.
type Fragment struct {
	Text  string
	Match bool
}

// Hit is one search result as displayed.
type Hit struct {
	Rank       int
	Title      string
	DocURL     string // the report page
	PassageURL string // the report page, scrolled to the passage
	Date       string
	Place      string
	Score      string // already formatted
	Snippet    []Fragment
	// Why says in plain words which retrievers found the passage and
	// how; empty leaves the disclosure out.
	Why []string
}

// IndexStats summarizes the index on the home page.
type IndexStats struct {
	Documents int
	Passages  int
	Embedder  string
}

// HomePage is the start page: a search box and either the index's size or,
// for an empty index, how to add reports.
type HomePage struct {
	Page
	Stats IndexStats
}

// SearchPage is a page of results for a query.
type SearchPage struct {
	Page
	Query   string
	K       int
	PageNum int
	Hits    []Hit
	// PrevURL and NextURL are empty when there is no such page.
	PrevURL string
	NextURL string
}

// DocMeta is a report's metadata as displayed.
type DocMeta struct {
	ID        string
	Title     string
	Date      string
	Place     string
	Source    string
	SourceURL string // empty unless it is an http(s) URL
	Path      string
}

// Segment is a run of a report's original text: either a passage, which
// can be linked to, or the text between passages.
type Segment struct {
	Text      string
	IsPassage bool
	Anchor    string // the passage's HTML id, empty for text between passages
	URL       string // the passage's permalink, empty for text between passages
	Ord       int    // the passage's position in the report, from 1
}

// SimilarItem is a report similar to the one shown.
type SimilarItem struct {
	Title string
	URL   string
	Date  string
	Place string
	Score string
}

// DocumentPage is a report: its metadata, its full text split into
// segments, and similar reports.
type DocumentPage struct {
	Page
	Doc      DocMeta
	Segments []Segment
	Similar  []SimilarItem
	// SimilarUnavailable is set when similar reports could not be
	// computed; the report itself is still shown.
	SimilarUnavailable bool
}

// ErrorPage explains why a request failed.
type ErrorPage struct {
	Page
	Status  int
	Heading string
	Message string
}
