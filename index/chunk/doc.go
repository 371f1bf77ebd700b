// Package chunk splits a report's body into passages, the unit of retrieval.
//
// Each [Passage] keeps byte offsets into the original text, so the report
// page can show it exactly as written and link to it, and an anchor derived
// from its content alone, so that a link to a passage survives re-indexing
// and edits elsewhere in the report.
package chunk
