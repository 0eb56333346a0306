package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/httpenc"
)

// Cache-Control of the two kinds of file: a document is asked again on every
// use (a 304 while unchanged), an asset under its version never.
const (
	documentCache = "no-cache"
	assetCache    = "public, max-age=31536000, immutable"
)

// pageFiles serves a page's files: documents (*.html) at their own path,
// index.html at /, and every other file at /assets/<version>/<name>, where the
// version is a hash of all those files together, so that modules importing each
// other by relative paths resolve within one version.
type pageFiles struct {
	version   string
	documents map[string]*file // by path, "/" and "/index.html" for index.html
	assets    map[string]*file // by name
}

// file is one file as it is served: its bytes, gzipped once when that is
// smaller, each with its entity tag.
type file struct {
	contentType       string
	plain, gzipped    []byte
	plainTag, gzipTag string
}

// New serves the page in fsys (see pageFiles), with the documents' references
// to the other files rewritten to their versioned paths and every file
// compressed once, here.
func New(fsys fs.FS) (http.Handler, error) {
	contents := map[string][]byte{}
	sum := sha256.New()
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		contents[name] = data
		if !isDocument(name) { // WalkDir goes in lexical order: the hash is stable
			sum.Write([]byte(name + "\x00"))
			sum.Write(data)
			sum.Write([]byte("\x00"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &pageFiles{version: hex.EncodeToString(sum.Sum(nil)[:8]), documents: map[string]*file{}, assets: map[string]*file{}}
	for name, data := range contents {
		if !isDocument(name) {
			p.assets[name] = newFile(name, data)
			continue
		}
		doc := newFile(name, p.rewrite(data, contents))
		p.documents["/"+name] = doc
		if name == "index.html" {
			p.documents["/"] = doc
		}
	}
	return p, nil
}

func isDocument(name string) bool { return path.Ext(name) == ".html" }

// reference is an attribute naming another file of the page.
var reference = regexp.MustCompile(`\b(href|src)="([^"#:?]+)"`)

// rewrite points a document's references to the page's other files at their
// versioned paths, relative so that the page works under a path prefix too,
// and has the browser preload every module the document does not load itself:
// the modules they import are then asked for at once, not one level of
// imports after the other.
func (p *pageFiles) rewrite(doc []byte, contents map[string][]byte) []byte {
	loaded := map[string]bool{}
	doc = reference.ReplaceAllFunc(doc, func(attr []byte) []byte {
		m := reference.FindSubmatch(attr)
		name := strings.TrimPrefix(string(m[2]), "./")
		if _, ok := contents[name]; !ok || isDocument(name) {
			return attr
		}
		loaded[name] = true
		return []byte(string(m[1]) + `="assets/` + p.version + "/" + name + `"`)
	})
	var preload strings.Builder
	for _, name := range slices.Sorted(maps.Keys(contents)) {
		if path.Ext(name) == ".js" && !loaded[name] {
			preload.WriteString(`  <link rel="modulepreload" href="assets/` + p.version + "/" + name + "\">\n")
		}
	}
	return bytes.Replace(doc, []byte("</head>"), []byte(preload.String()+"</head>"), 1)
}

func newFile(name string, data []byte) *file {
	f := &file{contentType: mime.TypeByExtension(path.Ext(name)), plain: data, plainTag: tag(data, "")}
	if f.contentType == "" {
		f.contentType = "application/octet-stream"
	}
	if z := httpenc.Gzip(data, gzip.BestCompression); len(z) < len(data) {
		f.gzipped, f.gzipTag = z, tag(data, "-gzip")
	}
	return f
}

// tag is a strong entity tag of data; each encoding has its own.
func tag(data []byte, encoding string) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:12]) + encoding + `"`
}

func (p *pageFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if doc := p.documents[r.URL.Path]; doc != nil {
		doc.serve(w, r, documentCache)
		return
	}
	version, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/assets/"), "/")
	asset := p.assets[name]
	switch {
	case !strings.HasPrefix(r.URL.Path, "/assets/") || asset == nil:
		http.NotFound(w, r)
	case version == p.version:
		asset.serve(w, r, assetCache)
	default:
		// A page loaded from the version before a deploy still loads: it gets
		// this version's file, which is not kept under the old version's path.
		asset.serve(w, r, documentCache)
	}
}

// serve answers with f, gzipped when the client takes it, and 304 when the
// client has it already (http.ServeContent does HEAD, ranges and validators).
func (f *file) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", cacheControl)
	body, etag := f.plain, f.plainTag
	if f.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if httpenc.AcceptsGzip(r) {
			body, etag = f.gzipped, f.gzipTag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
