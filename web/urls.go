package web

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// docURL is the path of a report's page. Each segment of the ID is
// escaped on its own, so that slashes in IDs stay path separators while
// '?', '#', '%' and spaces cannot change the URL's meaning.
func docURL(id string) string {
	return "/doc/" + escapeID(id)
}

// PassageURL is the site-relative permalink of a passage: its report's
// page, each segment of the slash-separated docID path-escaped, scrolled
// to the passage's anchor. The pages, the API and the CLI all link with
// it. It returns no error.
func PassageURL(docID, anchor string) string {
	return docURL(docID) + "#" + url.PathEscape(anchor)
}

// escapeID path-escapes every segment of a slash-separated ID.
func escapeID(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// docIDFromPath extracts a report ID from an escaped request path that
// starts with prefix. The path is read escaped, not as echo decoded it,
// because echo's wildcard is decoded or not depending on the request.
// Its errors are requestErrors: 404 for an empty ID, 400 for an ID that
// cannot be one (bad escapes, invalid UTF-8, NUL, "." or ".." segments).
func docIDFromPath(escaped, prefix string) (string, error) {
	rest, ok := strings.CutPrefix(escaped, prefix)
	if !ok || rest == "" {
		return "", notFound("No report ID was given.")
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return "", badRequest("The report ID in the address is not correctly escaped.")
	}
	if !utf8.ValidString(id) {
		return "", badRequest("The report ID in the address is not valid UTF-8 text.")
	}
	if strings.ContainsRune(id, 0) {
		return "", badRequest("The report ID in the address must not contain NUL characters.")
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "." || seg == ".." {
			return "", badRequest("The report ID in the address must not contain \".\" or \"..\" segments.")
		}
	}
	return id, nil
}
