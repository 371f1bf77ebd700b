package static

import (
	"embed"
	"io/fs"
)

//go:embed *.css *.js *.svg
var files embed.FS

// FS returns the embedded assets: plenary.css, plenary.js and icon.svg, at
// the root of the file system. The returned file system is read-only, so
// callers cannot change what other callers see.
func FS() fs.FS {
	return files
}
