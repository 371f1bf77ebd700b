package wordvec

import _ "embed" // for the vector file; the project's embed package is another thing

// gloveFile is the vector file made by cmd/mkwordvec (see NOTICE).
//
//go:embed glove100k.bin
var gloveFile []byte
