package release

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/canonical"
)

// ID returns the release id: "sha256:" and the hex sha256 of r's canonical JSON.
// r must have been validated, so that it is normalized.
func ID(r *Release) string {
	w := newDigestWriter(64 << 10)
	w.release(r)
	return w.sum()
}

// Fingerprint returns the fingerprint Ferry computes for a node that has none: the
// digest of canonical {kind, spec, columns, depends_on}, with columns sorted by name
// because column order does not count as a change.
func Fingerprint(n *Node) string {
	w := newDigestWriter(256 + len(n.Spec))
	w.raw("{")
	if len(n.Columns) > 0 {
		sorted := slices.Clone(n.Columns)
		slices.SortFunc(sorted, func(a, b Column) int { return strings.Compare(a.Name, b.Name) })
		w.columns(sorted)
		w.raw(",")
	}
	if len(n.DependsOn) > 0 {
		w.strings("depends_on", n.DependsOn)
		w.raw(",")
	}
	w.field("kind", n.Kind)
	if len(n.Spec) > 0 {
		w.raw(`,"spec":`)
		w.buf = append(w.buf, n.Spec...)
	}
	w.raw("}")
	return w.sum()
}

// digestWriter writes canonical JSON straight into a sha256, without reflection.
// Keys are written in sorted order by hand; a test checks the result against
// canonical.Marshal.
type digestWriter struct {
	h   hash.Hash
	buf []byte
}

// newDigestWriter returns a writer whose buffer starts at size bytes; it flushes
// to the hash past 32 KiB.
func newDigestWriter(size int) *digestWriter {
	return &digestWriter{h: sha256.New(), buf: make([]byte, 0, size)}
}

func (w *digestWriter) flush() {
	if len(w.buf) > 32<<10 {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *digestWriter) sum() string {
	w.h.Write(w.buf)
	return "sha256:" + hex.EncodeToString(w.h.Sum(nil))
}

func (w *digestWriter) raw(s string) { w.buf = append(w.buf, s...) }

func (w *digestWriter) str(s string) { w.buf = canonical.AppendString(w.buf, s) }

// field writes "key":"value".
func (w *digestWriter) field(key, value string) {
	w.str(key)
	w.raw(":")
	w.str(value)
}

func (w *digestWriter) strings(key string, values []string) {
	w.str(key)
	w.raw(":[")
	for i, v := range values {
		if i > 0 {
			w.raw(",")
		}
		w.str(v)
	}
	w.raw("]")
}

func (w *digestWriter) columns(cols []Column) {
	w.raw(`"columns":[`)
	for i, c := range cols {
		if i > 0 {
			w.raw(",")
		}
		w.raw("{")
		w.field("name", c.Name)
		if c.Type != "" {
			w.raw(",")
			w.field("type", c.Type)
		}
		w.raw("}")
	}
	w.raw("]")
}

func (w *digestWriter) release(r *Release) {
	w.raw("{")
	if len(r.Checks) > 0 {
		w.raw(`"checks":[`)
		for i, c := range r.Checks {
			if i > 0 {
				w.raw(",")
			}
			w.raw("{")
			w.field("name", c.Name)
			w.raw(",")
			w.field("status", string(c.Status))
			if c.URL != "" {
				w.raw(",")
				w.field("url", c.URL)
			}
			w.raw("}")
		}
		w.raw("],")
	}
	if r.Name != "" {
		w.field("name", r.Name)
		w.raw(",")
	}
	w.raw(`"nodes":[`)
	for i := range r.Nodes {
		if i > 0 {
			w.raw(",")
		}
		w.node(&r.Nodes[i])
		w.flush()
	}
	w.raw("]")
	if s := r.Source; s != nil {
		w.raw(`,"source":{`)
		sep := ""
		for _, kv := range [][2]string{{"author", s.Author}, {"commit", s.Commit}, {"message", s.Message}, {"ref", s.Ref}} {
			if kv[1] != "" {
				w.raw(sep)
				w.field(kv[0], kv[1])
				sep = ","
			}
		}
		w.raw("}")
	}
	w.raw("}")
}

func (w *digestWriter) node(n *Node) {
	w.raw("{")
	if len(n.Columns) > 0 {
		w.columns(n.Columns)
		w.raw(",")
	}
	if len(n.DependsOn) > 0 {
		w.strings("depends_on", n.DependsOn)
		w.raw(",")
	}
	if n.Fingerprint != "" {
		w.field("fingerprint", n.Fingerprint)
		w.raw(",")
	}
	w.field("kind", n.Kind)
	if len(n.Metadata) > 0 {
		w.raw(`,"metadata":`)
		w.buf = append(w.buf, n.Metadata...)
	}
	w.raw(",")
	w.field("name", n.Name)
	if len(n.Spec) > 0 {
		w.raw(`,"spec":`)
		w.buf = append(w.buf, n.Spec...)
	}
	w.raw("}")
}
