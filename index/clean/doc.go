// Package clean prepares scraped meeting reports for indexing without
// touching the text that is shown to readers.
//
// [Blocks] splits a report into paragraphs and tells body text from page
// furniture (contact lines, related-news lists, copyright notices, share and
// navigation crumbs) and from bylines that carry the source and publication
// date. [Repair] separates sentences that scraping glued together and removes
// invisible characters, for the text that is indexed and embedded.
// [Sentences] finds sentence spans, glued ones included, so that long
// paragraphs can be cut on sentence boundaries. [Extract] finds a report's
// title, meeting date, place and source.
//
// Every function works on byte offsets into the original text and accepts
// any input, including invalid UTF-8, without panicking.
package clean
