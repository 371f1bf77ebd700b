// Command plenary-gen writes a synthetic collection of meeting reports as
// JSONL, for measuring indexing, search and load at a chosen scale:
//
//	plenary-gen --passages 100000 --from ../shared/datasets/fmprc_pressconf/corpus.jsonl > /tmp/100k.jsonl
//	plenary index --data /tmp/data100k /tmp/100k.jsonl
//
// Reports are made of sentences sampled at random from the --from files
// (JSONL corpora or plain text), ten paragraphs each by default; the same
// --seed gives the same file.
package main
