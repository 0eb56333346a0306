package httpapi

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConditional(t *testing.T) {
	body := strings.Repeat("a promotion's view ", 100)
	status := http.StatusOK
	h := conditional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}), "private, no-cache")
	get := func(method string, header ...string) *http.Response {
		r := httptest.NewRequest(method, "/api/x", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	first := get("GET")
	tag := first.Header.Get("ETag")
	if first.StatusCode != 200 || !strings.HasPrefix(tag, `W/"`) || first.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("first answer: %d, ETag %q, Cache-Control %q", first.StatusCode, tag, first.Header.Get("Cache-Control"))
	}
	if got, _ := io.ReadAll(first.Body); string(got) != body {
		t.Fatalf("the body changed on its way: %d bytes", len(got))
	}
	again := get("GET", "If-None-Match", `"other", `+strings.TrimPrefix(tag, "W/"))
	if got, _ := io.ReadAll(again.Body); again.StatusCode != http.StatusNotModified || len(got) != 0 {
		t.Errorf("a client with the answer got %d and %d bytes, want 304 and none", again.StatusCode, len(got))
	}
	zipped := get("GET", "Accept-Encoding", "br, gzip")
	if zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("a large answer was not gzipped for a client that accepts it")
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != body || zipped.Header.Get("ETag") != tag {
		t.Errorf("the gzipped answer differs from the plain one, or its tag does")
	}
	if refused := get("GET", "Accept-Encoding", "gzip;q=0"); refused.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip was sent to a client that refuses it")
	}
	body = "changed"
	if changed := get("GET", "If-None-Match", tag); changed.StatusCode != http.StatusOK || changed.Header.Get("ETag") == tag {
		t.Errorf("a changed answer kept its tag or was not sent: %d", changed.StatusCode)
	}
	status = http.StatusNotFound
	if missing := get("GET", "If-None-Match", "*"); missing.StatusCode != http.StatusNotFound || missing.Header.Get("ETag") != "" {
		t.Errorf("an error was tagged or turned into a 304: %d", missing.StatusCode)
	}
	status = http.StatusOK
	if head := get("HEAD"); head.StatusCode != 200 || head.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, no ETag", head.StatusCode)
	}
}
