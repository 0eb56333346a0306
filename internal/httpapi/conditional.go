package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrydev/ferry/internal/httpenc"
)

// minCompressed is the smallest body worth compressing.
const minCompressed = 1024

// conditional makes a GET or HEAD answer cheap to ask again: the answer is
// kept whole until it ends; a 200 one is tagged with a weak ETag of its content and sent with
// cacheControl; a request whose If-None-Match names that tag is answered 304
// with no body, and a body a client accepts gzipped is sent gzipped. So a page
// that polls, or is reloaded, transfers a few hundred bytes while nothing
// changed: the server still builds the answer, the network carries none of it.
// Polling through API Gateway, which does not stream, rests on this.
func conditional(next http.Handler, cacheControl string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferedResponse{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(buf, r)
		h := w.Header()
		if buf.code != http.StatusOK {
			w.WriteHeader(buf.code)
			_, _ = w.Write(buf.body.Bytes())
			return
		}
		sum := sha256.Sum256(buf.body.Bytes())
		tag := `W/"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		h.Set("ETag", tag)
		h.Set("Cache-Control", cacheControl)
		h.Add("Vary", "Accept-Encoding")
		if matches(r.Header.Get("If-None-Match"), tag) {
			h.Del("Content-Length")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := buf.body.Bytes()
		if len(body) >= minCompressed && httpenc.AcceptsGzip(r) && h.Get("Content-Encoding") == "" {
			body = httpenc.Gzip(body, gzip.BestSpeed)
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// matches reports whether an If-None-Match header names tag, by the weak
// comparison RFC 9110 prescribes for it.
func matches(ifNoneMatch, tag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}

// bufferedResponse keeps a handler's answer until conditional decides how to
// send it; the headers are the real response's.
type bufferedResponse struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (b *bufferedResponse) WriteHeader(code int)        { b.code = code }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// Unwrap lets http.ResponseController reach the connection (request body
// deadlines).
func (b *bufferedResponse) Unwrap() http.ResponseWriter { return b.ResponseWriter }
