// Package httpenc is the content negotiation the API's answers and the page's
// files share: whether a client takes a gzipped body.
package httpenc

import (
	"net/http"
	"strings"
)

// AcceptsGzip reports whether r's Accept-Encoding takes gzip (named, and not
// with q=0).
func AcceptsGzip(r *http.Request) bool {
	for _, enc := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(enc), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
