// Command plenary indexes meeting reports and answers questions about them,
// from the command line or through a web server.
//
// Usage:
//
//	plenary index --data DIR PATH...      index reports incrementally
//	plenary serve --data DIR [--docs DIR] serve the search pages and JSON API
//	plenary search --data DIR QUESTION... answer a question in the terminal
//	plenary eval --dataset DIR            measure retrieval quality on a BEIR-format collection
//	plenary healthcheck [--addr URL]      check a running server
//	plenary version                       print the version
//
// Run "plenary COMMAND -h" for the flags of a command. Every flag that
// names a place, a model or a limit has an environment fallback
// (PLENARY_DATA, PLENARY_ADDR, PLENARY_DOCS, PLENARY_EMBEDDER,
// PLENARY_MAX_FILE_SIZE, PLENARY_LOG_LEVEL, PLENARY_LOG_FORMAT), except
// eval's --data: a test collection must not land in the user's own index.
//
// cmd/plenary-load measures the server's search latency over HTTP.
package main
