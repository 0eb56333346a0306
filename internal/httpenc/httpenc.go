// Package httpenc is the content encoding the API's answers and the page's
// files share: whether a client takes a gzipped body, and gzipping one.
package httpenc

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
)

// Gzip compresses data at level (gzip.BestSpeed for answers made per request,
// gzip.BestCompression for files compressed once).
func Gzip(data []byte, level int) []byte {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, level) // a valid level never fails
	_, _ = zw.Write(data)                   // nor does a bytes.Buffer
	_ = zw.Close()
	return z.Bytes()
}

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
