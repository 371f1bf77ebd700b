// Package embed defines how Plenary turns text into vectors.
//
// An [Embedder] is one backend: a batch of texts in, one vector per text
// out, with a stable name and a fixed dimension. Backends live in
// sub-packages (the built-in word-vector model in embed/wordvec, remote and
// ONNX models elsewhere); the index records the name and dimension of the
// backend that built it and refuses to be searched with another.
//
// Note that this package shares its name with the standard library's
// embed; files that need both alias one of them.
package embed
