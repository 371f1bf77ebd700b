// Command plenary-load measures the latency of a running Plenary server
// over HTTP.
//
// It sends N requests, or requests for a --duration, from C concurrent
// clients: GET /api/search by default, or a --mix of searches, result
// pages (/search), report pages (/doc/{id}) and similar-report lists
// (/api/docs/{id}/similar) for reports found by the searches. Questions
// are read from a file (one per line) or made from a corpus (the first
// sentence of each report in a folder of .txt files or a JSONL file). It
// prints the latency percentiles, overall and per kind, the throughput,
// and, given the server's process ID, its resident memory from /proc.
//
//	plenary-load --url http://127.0.0.1:8080 --corpus ../shared/corpus/seeds -n 100 -c 4
//	plenary-load --url http://127.0.0.1:8080 --corpus ../shared/corpus/seeds -c 8 --duration 60s --mix search=4,page=2,doc=2,similar=2
package main
