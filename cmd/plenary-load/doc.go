// Command plenary-load measures the search latency of a running Plenary
// server through its HTTP API.
//
// It sends N GET /api/search requests from C concurrent clients, with
// questions read from a file (one per line) or made from a corpus (the
// first sentence of each report in a folder of .txt files or a JSONL file),
// and prints the latency percentiles, the throughput, and, given the
// server's process ID, its resident memory from /proc.
//
//	plenary-load --url http://127.0.0.1:8080 --corpus ../shared/corpus/seeds -n 100 -c 4
package main
