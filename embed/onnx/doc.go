// Package onnx embeds text with a sentence-transformers model exported to
// ONNX. By default the network runs in pure Go on hugot's GoMLX (simplego)
// backend: no cgo, no native library, but slow (about a passage per second
// for a MiniLM-size model on two cores). Binaries built with the tag ort
// (make build-ort, cgo) run it with ONNX Runtime's libonnxruntime.so
// instead, many times faster, with the same vectors and model name; see
// [Options.Runtime].
//
// A model folder holds onnx/model.onnx or model.onnx and tokenizer.json,
// optionally config.json, sentence_bert_config.json (max_seq_length),
// 1_Pooling/config.json (mean, cls, max or last-token pooling) and
// modules.json. Query and passage prefixes of the e5, bge and nomic families
// are applied automatically, detected from the folder name or config.json.
// Texts are tokenized first and grouped into batches of similar token
// counts, so that little of each forward pass is spent on padding.
package onnx
