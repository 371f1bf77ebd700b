// Package onnxtest writes tiny sentence-transformers ONNX model folders for
// the tests of packages outside embed that need a real ONNX embedder (the
// index's reindex tests, the CLI's), the way net/http/httptest serves
// tests of HTTP clients. Its models have random weights: they exercise the
// plumbing, not retrieval quality.
package onnxtest
