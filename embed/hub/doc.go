// Package hub downloads sentence-transformers ONNX models from the Hugging
// Face hub (or a mirror given by its endpoint) into a local cache, fetching
// only the files an ONNX embedder needs, atomically and resumably.
package hub
