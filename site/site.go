// Package site is the approval page: plain HTML, CSS and JavaScript modules, no
// build step and no third-party requests, embedded into the binary and served by
// the HTTP API on its own origin.
//
// Decisions recorded here:
//   - Routes are URL fragments (#/promotions/ID), so links in notifications need no
//     server routes and the server serves only files.
//   - Sign-in keeps the bearer token in sessionStorage (this tab only) and sends
//     it in the Authorization header; there are no cookies, hence no CSRF.
//   - Every value from the API becomes a text node or a DOM attribute (dom.js);
//     links from data are kept only when they are http(s). The CSP forbids inline
//     script and style; site_test.go checks the files keep to that.
//   - A decision takes two steps: the choice, then a confirmation that names the
//     environment; it carries the digest of the plan on screen.
//   - Large plans: search and filter run over the whole plan, only 200 matching
//     changes are drawn at a time, and a change's details when it is opened.
//   - The promotion view polls (API Gateway does not stream): every 2 s until
//     the promotion finishes, with conditional GETs (304 when nothing changed),
//     applied in place part by part; only what changed is announced
//     (docs/page-promotion.md).
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
