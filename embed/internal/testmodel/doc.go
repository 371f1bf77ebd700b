// Package testmodel writes small ONNX encoders and WordPiece tokenizers for
// tests and benchmarks of the ONNX embedding backend, so that no test needs
// to download a model.
//
// The ONNX protobuf is encoded by hand with protowire (the generated ONNX
// types in onnx-gomlx are internal to that module).
package testmodel
