package site_test

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/site"
)

// TestAssets checks what the strict Content-Security-Policy relies on: no inline
// script or style, no handler attributes, nothing loaded from another origin, no
// HTML parsing of data; and that every file is served with its type.
func TestAssets(t *testing.T) {
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	types := map[string]string{".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	forbidden := []*regexp.Regexp{
		regexp.MustCompile(`<script>|<script [^>]*>[^<]`), // inline script
		regexp.MustCompile(`<style|style=`),               // inline style
		regexp.MustCompile(`\son[a-z]+=`),                 // handler attributes
		regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`),
		regexp.MustCompile(`(src|href)=["']?(https?:)?//`), // another origin
		regexp.MustCompile(`import .* from ['"]https?:`),
	}
	err := eachAsset(func(path string, data []byte) error {
		for _, re := range forbidden {
			if loc := re.FindIndex(data); loc != nil {
				t.Errorf("%s: %q breaks the page's CSP rules", path, data[loc[0]:loc[1]])
			}
		}
		resp, err := http.Get(srv.URL + "/" + path)
		if err != nil {
			return err
		}
		resp.Body.Close()
		ext := path[strings.LastIndex(path, "."):]
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), types[ext]) {
			t.Errorf("%s served as %q", path, resp.Header.Get("Content-Type"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAssets reports the total size of the page's files, as served and
// gzipped: what a reviewer's browser loads once.
func BenchmarkAssets(b *testing.B) {
	var raw, zipped int
	for range b.N {
		raw, zipped = 0, 0
		err := eachAsset(func(_ string, data []byte) error {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			if _, err := zw.Write(data); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			raw, zipped = raw+len(data), zipped+buf.Len()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(raw), "asset-bytes")
	b.ReportMetric(float64(zipped), "gzip-bytes")
}

// eachAsset calls fn with every file of the page.
func eachAsset(fn func(path string, data []byte) error) error {
	return fs.WalkDir(site.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(site.Files, path)
		if err != nil {
			return err
		}
		return fn(path, data)
	})
}
