// Package site is the approval page: plain HTML, CSS and JavaScript modules, no
// build step and no third-party requests, embedded into the binary and served by
// the HTTP API on its own origin.
package site

import (
	"embed"
	"net/http"
)

//go:embed index.html favicon.svg *.css *.js
var files embed.FS

// Files are the page's assets.
var Files = files

// Handler serves the page's files.
func Handler() http.Handler { return http.FileServerFS(files) }
