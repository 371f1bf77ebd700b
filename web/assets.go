package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plenary-search/plenary/web/view"
)

// asset is one embedded static file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// assets serves the embedded static files under names that carry a hash
// of their content ("plenary.1a2b3c4d5e.css"), so that they can be cached
// forever.
type assets struct {
	byHashed map[string]asset  // "plenary.1a2b3c4d5e.css" → file
	byPlain  map[string]string // "plenary.css" → "plenary.1a2b3c4d5e.css"
	urls     view.Assets
}

// contentType is the type of the files static embeds; mime's table
// depends on the host, so it is not consulted.
func contentType(name string) (string, bool) {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8", true
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".svg":
		return "image/svg+xml", true
	}
	return "", false
}

// loadAssets reads and hashes every file of fsys. Files that cannot be
// read are logged and left out, which the pages survive.
func loadAssets(fsys fs.FS, log *slog.Logger) *assets {
	a := &assets{byHashed: map[string]asset{}, byPlain: map[string]string{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		log.Error("reading static files", "err", err)
	}
	for _, e := range entries {
		name := e.Name()
		ctype, ok := contentType(name)
		if e.IsDir() || !ok {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			log.Error("reading static file", "file", name, "err", err)
			continue
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:10]
		hashed := hashedName(name, hash)
		a.byHashed[hashed] = asset{body: body, ctype: ctype, etag: `"` + hash + `"`}
		a.byPlain[name] = hashed
	}
	a.urls = view.Assets{
		CSS:  a.url("plenary.css"),
		JS:   a.url("plenary.js"),
		Icon: a.url("icon.svg"),
	}
	return a
}

// hashedName inserts hash before the extension: "a.css" → "a.<hash>.css".
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// url is the address of the file name, or "" if there is no such file.
func (a *assets) url(name string) string {
	h, ok := a.byPlain[name]
	if !ok {
		return ""
	}
	return "/static/" + h
}

// handleStatic serves GET /static/:name. A name whose hash is not the
// current one (a page cached across a new release) is redirected to the
// current file; unknown and unhashed names are 404.
func (srv *server) handleStatic(c echo.Context) error {
	name := c.Param("name")
	if f, ok := srv.assets.byHashed[name]; ok {
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", f.etag)
		if c.Request().Header.Get("If-None-Match") == f.etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.ctype, f.body)
	}
	// "plenary.<otherhash>.css" → "plenary.css"
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if dot := strings.LastIndexByte(stem, '.'); dot > 0 {
		if cur, ok := srv.assets.byPlain[stem[:dot]+ext]; ok {
			return c.Redirect(http.StatusFound, "/static/"+cur)
		}
	}
	return echo.ErrNotFound
}

// handleFavicon sends browsers that ask for /favicon.ico to the icon.
func (srv *server) handleFavicon(c echo.Context) error {
	if srv.assets.urls.Icon == "" {
		return echo.ErrNotFound
	}
	return c.Redirect(http.StatusFound, srv.assets.urls.Icon)
}
