// Package corpusgen builds synthetic collections of meeting reports of any size
// for benchmarks and load tests: reports made of real English sentences
// sampled at random, so that word frequencies, passage lengths and the
// spread of the vectors look like a real corpus, at 1,000 or 100,000
// passages, without committing any large file. Output is reproducible
// from a seed.
package corpusgen
