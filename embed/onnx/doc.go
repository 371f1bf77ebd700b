// Package onnx embeds text with a sentence-transformers model exported to
// ONNX, run in pure Go by hugot's GoMLX (simplego) backend: no cgo, no
// onnxruntime library.
//
// A model folder holds onnx/model.onnx or model.onnx and tokenizer.json,
// optionally config.json, sentence_bert_config.json (max_seq_length),
// 1_Pooling/config.json (mean, cls, max or last-token pooling) and
// modules.json. Query and passage prefixes of the e5, bge and nomic families
// are applied automatically, detected from the folder name or config.json.
package onnx
