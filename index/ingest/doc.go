// Package ingest reads files and folders of reports into raw documents.
//
// [Walk] reads plain text, Markdown, HTML and JSONL files (one document per
// line, the BEIR corpus format), decodes them to valid UTF-8 with "\n" line
// endings, keeps only the visible text of HTML, and reports every file or
// JSONL line it has to skip, and why, without stopping: one bad file never
// keeps the good ones out of the index.
package ingest
