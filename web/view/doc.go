// Package view holds Plenary's templ components and the view models they
// render.
//
// Components never see index types: handlers in package web build the
// plain structs defined here, already formatted for display (URLs escaped,
// scores rounded), so that templates contain layout and nothing else.
// Every component escapes what it prints; no component emits inline script
// or style, because the site's Content-Security-Policy forbids both.
package view
