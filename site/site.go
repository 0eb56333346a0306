// Package site is the approval page: plain HTML, CSS and JavaScript modules, no
// build step and no third-party requests, embedded into the binary and served by
// the HTTP API on its own origin.
//
// Decisions recorded here:
//   - Routes are URL fragments (#/promotions/ID), so links in notifications need no
//     server routes and the server serves only files.
//   - Sign-in is the authorization code flow with PKCE against the OpenID
//     provider the server names (GET /api/auth/config), in the page's own
//     auth.js: state and nonce checked, the verifier in sessionStorage only until
//     the provider sends the browser back, the code then taken out of the address
//     bar. The ID token, or a pasted token (ferry local prints them), is the
//     bearer token: kept in sessionStorage (this tab only), sent in the
//     Authorization header; no cookies, hence no CSRF. A 401 to a session that
//     worked shows "Signed out" in place of the view, and signing in again
//     returns to it.
//   - Every value from the API becomes a text node or a DOM attribute (dom.js);
//     links from data are kept only when they are http(s). The CSP forbids inline
//     script and style; site_test.go checks the files keep to that.
//   - A decision takes two steps: the choice, then a confirmation that names the
//     environment; it carries the digest of the plan on screen.
//   - Large plans: search and filter run over the whole plan, only 200 matching
//     changes are drawn at a time, and a change's details when it is opened.
//   - Assets are versioned by content (serve.go): index.html is served at / with
//     no-cache and an ETag, rewritten at start to load every other file from
//     assets/<version>/, where version is a hash of all of them together (modules
//     import each other relatively, so they resolve within one version); those
//     are public, immutable for a year, and every module is preloaded. Every
//     file is gzipped once, at start. A warm reload asks the server only for
//     index.html (a 304) and the API's answers (docs/page-details.md). In AWS the same files come from the API function under /assets/, a route
//     apart from /api/; an old version's asset path gets the current file, not
//     cached, so a page loaded just before a deploy still loads.
//   - Each view's title is its heading (frame.js): the router's document.title
//     follows main's h1, state badges after a "·", then "— Ferry".
//   - Times are shown in one zone, the browser's, and the header names it with
//     its offset now; a time's title is its ISO form in UTC (dom.js time).
//   - Focus: main gets it on every route change (a skip link leads there too);
//     views announce their own changes in their own live regions. The focus ring
//     is two-tone, a dark outline around a white band, so one of the two keeps a
//     contrast of at least 3:1 on the dark header, white cards and the grey page.
//   - On a phone (≤ 40rem), a scrolling table keeps its first column, the key,
//     in view while the rest scrolls under it.
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

// Handler serves the page's embedded files (see New).
func Handler() http.Handler {
	h, err := New(files)
	if err != nil {
		panic("site: reading the embedded files: " + err.Error()) // they are in the binary
	}
	return h
}
