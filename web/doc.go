// Package web serves Plenary's pages and JSON API with echo.
//
// Handlers parse the request, call a [Searcher], build a view model and
// render a templ component into a buffer before writing it, so that an
// error never sends half a page. Errors are mapped to HTTP statuses in one
// place, the server's HTTPErrorHandler.
package web
