// Package e2e holds the end-to-end tests of Plenary: they build the real
// plenary binary, index the seed reports from ../shared, start the server
// on a free port and drive it over HTTP and through the CLI.
//
// They are skipped with -short, and when ../shared is not beside the
// repository.
package e2e
