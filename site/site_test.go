package site_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ferrydev/ferry/site"
)

// TestAssets checks what the strict Content-Security-Policy relies on: no inline
// script or style, no handler attributes, nothing loaded from another origin, no
// HTML parsing of data; and that every file is served with its type.
func TestAssets(t *testing.T) {
	page := site.Handler()
	version := versionOf(t, page)
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
		url := "/assets/" + version + "/" + path
		if path == "index.html" {
			url = "/"
		}
		resp := serve(page, "GET", url, nil)
		ext := path[strings.LastIndex(path, "."):]
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), types[ext]) {
			t.Errorf("%s: %d, served as %q", url, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVersionedAssets checks how the page is cached: index.html revalidated on
// every use and pointing at the other files under their version, those
// immutable; both gzipped for a client that takes it.
func TestVersionedAssets(t *testing.T) {
	page := site.Handler()
	index := serve(page, "GET", "/", nil)
	if cc := index.Header.Get("Cache-Control"); cc != "no-cache" || index.Header.Get("ETag") == "" {
		t.Errorf("index.html: Cache-Control %q, ETag %q; want no-cache and a tag", cc, index.Header.Get("ETag"))
	}
	version := versionOf(t, page)
	refs := regexp.MustCompile(`(?:href|src)="([^"#]+)"`).FindAllStringSubmatch(body(t, index), -1)
	if len(refs) < 3 {
		t.Fatalf("index.html references %d files", len(refs))
	}
	referenced := map[string]bool{}
	for _, ref := range refs {
		name, ok := strings.CutPrefix(ref[1], "assets/"+version+"/")
		if !ok {
			t.Errorf("index.html references %q, not under assets/%s/", ref[1], version)
			continue
		}
		referenced[name] = true
		want, err := fs.ReadFile(site.Files, name)
		if err != nil {
			t.Errorf("index.html references %q: %v", ref[1], err)
			continue
		}
		resp := serve(page, "GET", "/"+ref[1], nil)
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", ref[1], cc)
		}
		if got := body(t, resp); got != string(want) {
			t.Errorf("%s: served %d bytes, the file has %d", ref[1], len(got), len(want))
		}
		zipped := serve(page, "GET", "/"+ref[1], http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
		if len(want) > 1000 && (zipped.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding")) {
			t.Errorf("%s (%d bytes) not gzipped: Content-Encoding %q, Vary %q", ref[1], len(want), zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Vary"))
		}
		if got := body(t, zipped); got != string(want) {
			t.Errorf("%s gzipped: %d bytes, the file has %d", ref[1], len(got), len(want))
		}
	}
	modules, err := fs.Glob(site.Files, "*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range modules {
		if !referenced[name] {
			t.Errorf("index.html neither loads nor preloads %s", name)
		}
	}
}

// TestModulesImportRelatively checks what versioned paths rely on: a module
// imports the others by relative paths within the page's files, so they are
// asked for under the same version.
func TestModulesImportRelatively(t *testing.T) {
	imports := regexp.MustCompile(`(?m)^import .* from '([^']+)';`)
	err := eachAsset(func(path string, data []byte) error {
		for _, m := range imports.FindAllSubmatch(data, -1) {
			name, ok := strings.CutPrefix(string(m[1]), "./")
			if _, err := fs.Stat(site.Files, name); !ok || err != nil {
				t.Errorf("%s imports %q: not ./ and one of the page's files", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRevalidation checks the 304s a warm reload gets, and that HEAD answers
// as GET does without the body.
func TestRevalidation(t *testing.T) {
	page := site.Handler()
	gzip := http.Header{"Accept-Encoding": {"gzip"}}
	for _, h := range []http.Header{nil, gzip} {
		first := serve(page, "GET", "/", h)
		again := serve(page, "GET", "/", http.Header{"If-None-Match": {first.Header.Get("ETag")}, "Accept-Encoding": h["Accept-Encoding"]})
		if again.StatusCode != http.StatusNotModified || body(t, again) != "" {
			t.Errorf("index.html asked again with its tag (%v): %d", h, again.StatusCode)
		}
		head := serve(page, "HEAD", "/", h)
		if head.StatusCode != http.StatusOK || body(t, head) != "" || head.Header.Get("Content-Length") != first.Header.Get("Content-Length") ||
			head.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Errorf("HEAD / (%v): %d, Content-Length %q (GET: %q)", h, head.StatusCode, head.Header.Get("Content-Length"), first.Header.Get("Content-Length"))
		}
	}
	plain, zipped := serve(page, "GET", "/", nil), serve(page, "GET", "/", gzip)
	if plain.Header.Get("ETag") == zipped.Header.Get("ETag") {
		t.Error("index.html has one tag for its plain and gzipped forms")
	}
	if resp := serve(page, "POST", "/", nil); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestVersionFollowsContent checks that a changed file changes the version of
// all, and that only the page's files are served.
func TestVersionFollowsContent(t *testing.T) {
	files := fstest.MapFS{
		"index.html": {Data: []byte(`<head><link href="a.css"><script type="module" src="./app.js"></script></head><a href="#/x">x</a>`)},
		"a.css":      {Data: []byte("body{}")},
		"app.js":     {Data: []byte("import './b.js';")},
		"b.js":       {Data: []byte("1")},
	}
	first := handler(t, files)
	v1 := versionOf(t, first)
	want := `<head><link href="assets/` + v1 + `/a.css"><script type="module" src="assets/` + v1 + `/app.js"></script>` +
		`  <link rel="modulepreload" href="assets/` + v1 + `/b.js">` + "\n</head>" + `<a href="#/x">x</a>`
	if got := body(t, serve(first, "GET", "/", nil)); got != want {
		t.Errorf("index.html rewritten as\n%s\nwant\n%s", got, want)
	}
	files["b.js"] = &fstest.MapFile{Data: []byte("2")}
	second := handler(t, files)
	v2 := versionOf(t, second)
	if v1 == v2 {
		t.Fatalf("b.js changed, the version stayed %s", v1)
	}
	if got := body(t, serve(second, "GET", "/assets/"+v2+"/b.js", nil)); got != "2" {
		t.Errorf("b.js under the new version: %q", got)
	}
	// A page loaded before the change still loads, and does not keep the file.
	old := serve(second, "GET", "/assets/"+v1+"/b.js", nil)
	if got := body(t, old); got != "2" || old.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("b.js under the old version: %q, Cache-Control %q", got, old.Header.Get("Cache-Control"))
	}
	for _, path := range []string{"/b.js", "/assets/", "/assets/" + v2, "/assets/" + v2 + "/", "/assets/" + v2 + "/nope.js",
		"/assets/" + v2 + "/index.html", "/nope.html", "/api/me", "/assets//b.js/x"} {
		if resp := serve(second, "GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func handler(t *testing.T, fsys fs.FS) http.Handler {
	t.Helper()
	h, err := site.New(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// versionOf reads the page's version from where index.html loads app.js.
func versionOf(t *testing.T, page http.Handler) string {
	t.Helper()
	m := regexp.MustCompile(`src="assets/([0-9a-f]{16})/app\.js"`).FindStringSubmatch(body(t, serve(page, "GET", "/", nil)))
	if m == nil {
		t.Fatal("index.html does not load app.js from a versioned path")
	}
	return m[1]
}

// serve answers one request.
func serve(h http.Handler, method, path string, header http.Header) *http.Response {
	req := httptest.NewRequest(method, path, nil)
	maps.Copy(req.Header, header)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// body is resp's body, gunzipped when it says it is gzipped (HEAD and 304
// answers say so and have none).
func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	if err != nil || len(data) == 0 || resp.Header.Get("Content-Encoding") != "gzip" {
		return string(data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err == nil {
		data, err = io.ReadAll(zr)
	}
	if err != nil {
		t.Fatalf("gunzipping the body: %v", err)
	}
	return string(data)
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
