package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/canonical"
)

// ID returns the release id: "sha256:" and the hex sha256 of r's canonical JSON.
// Validate records it; for a release that has not been validated it is computed
// from r as it stands.
func (r *Release) ID() string {
	if r.id == "" {
		r.id = newDigester().release(r, false)
	}
	return r.id
}

// Canonical returns r's canonical JSON, the bytes its id is the digest of. Stores
// keep releases in this form. The JSON is written twice, first only to count its
// bytes, so that it is built in one buffer of its size: a growing buffer would
// allocate about three times the release's size for a large release.
func Canonical(r *Release) []byte {
	d := newDigester()
	var size byteCount
	d.writeRelease(&size, r, false)
	buf := bytes.NewBuffer(make([]byte, 0, int(size)))
	d.writeRelease(buf, r, false)
	return buf.Bytes()
}

// WriteCanonical writes r's canonical JSON to w, a writer that cannot fail (a
// hash, a buffer, a compressor into a buffer): Canonical for a consumer that need
// not hold the whole JSON at once.
func WriteCanonical(w io.Writer, r *Release) { newDigester().writeRelease(w, r, false) }

// byteCount is a writer that counts what it is given.
type byteCount int

func (c *byteCount) Write(p []byte) (int, error) {
	*c += byteCount(len(p))
	return len(p), nil
}

func byColumnName(a, b Column) int { return strings.Compare(a.Name, b.Name) }

// digester writes canonical JSON straight into sha256 hashes, without reflection.
// Keys are written in sorted order by hand; a test checks the result against
// canonical.Marshal. A node's fingerprint JSON and its JSON in the release both
// begin with its columns and depends_on, so that part is encoded once for both.
type digester struct {
	rel    hash.Hash // the release
	fp     hash.Hash // one node's fingerprint
	buf    []byte    // pending bytes of the release, flushed past 32 KiB
	seg    []byte    // a node's leading "columns" and "depends_on" members
	fpBuf  []byte
	sumBuf [sha256.Size]byte
}

func newDigester() *digester {
	return &digester{rel: sha256.New(), fp: sha256.New(), buf: make([]byte, 0, 64<<10)}
}

// sum returns "sha256:" and the hex digest of h.
func (d *digester) sum(h hash.Hash) string {
	var out [len("sha256:") + 2*sha256.Size]byte
	copy(out[:], "sha256:")
	hex.Encode(out[len("sha256:"):], h.Sum(d.sumBuf[:0]))
	return string(out[:])
}

// leading appends a node's "columns" and "depends_on" members, each followed by a
// comma; sortColumns sorts the columns by name first, as fingerprints need.
func (d *digester) leading(dst []byte, n *Node, sortColumns bool) []byte {
	if len(n.Columns) > 0 {
		cols := n.Columns
		if sortColumns && !slices.IsSortedFunc(cols, byColumnName) {
			cols = slices.Clone(cols)
			slices.SortFunc(cols, byColumnName)
		}
		dst = append(dst, `"columns":[`...)
		for i, c := range cols {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"name":`...)
			dst = canonical.AppendString(dst, c.Name)
			if c.Type != "" {
				dst = append(dst, `,"type":`...)
				dst = canonical.AppendString(dst, c.Type)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, "],"...)
	}
	if len(n.DependsOn) > 0 {
		dst = append(dst, `"depends_on":[`...)
		for i, dep := range n.DependsOn {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = canonical.AppendString(dst, dep)
		}
		dst = append(dst, "],"...)
	}
	return dst
}

// fingerprint hashes {leading…, "kind", "spec"} for n, where leading holds n's
// columns (sorted) and depends_on members.
func (d *digester) fingerprint(n *Node, leading []byte) string {
	b := append(d.fpBuf[:0], '{')
	b = append(b, leading...)
	b = append(b, `"kind":`...)
	b = canonical.AppendString(b, n.Kind)
	if len(n.Spec) > 0 {
		b = append(b, `,"spec":`...)
		b = append(b, n.Spec...)
	}
	b = append(b, '}')
	d.fpBuf = b
	d.fp.Reset()
	d.fp.Write(b)
	return d.sum(d.fp)
}

// release returns the digest of r's canonical JSON. With fill, nodes without a
// fingerprint get one first, computed in the same pass.
func (d *digester) release(r *Release, fill bool) string {
	d.rel.Reset()
	d.writeRelease(d.rel, r, fill)
	return d.sum(d.rel)
}

// writeRelease writes r's canonical JSON to w, filling in fingerprints with fill.
func (d *digester) writeRelease(w io.Writer, r *Release, fill bool) {
	b := append(d.buf[:0], '{')
	if len(r.Checks) > 0 {
		b = append(b, `"checks":[`...)
		for i, c := range r.Checks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = canonical.AppendString(b, c.Name)
			b = append(b, `,"status":`...)
			b = canonical.AppendString(b, string(c.Status))
			if c.URL != "" {
				b = append(b, `,"url":`...)
				b = canonical.AppendString(b, c.URL)
			}
			b = append(b, '}')
		}
		b = append(b, "],"...)
	}
	if r.Name != "" {
		b = append(b, `"name":`...)
		b = canonical.AppendString(b, r.Name)
		b = append(b, ',')
	}
	b = append(b, `"nodes":[`...)
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if i > 0 {
			b = append(b, ',')
		}
		d.seg = d.leading(d.seg[:0], n, false)
		if fill && n.Fingerprint == "" {
			leading := d.seg
			if !slices.IsSortedFunc(n.Columns, byColumnName) {
				leading = d.leading(nil, n, true)
			}
			n.Fingerprint = d.fingerprint(n, leading)
		}
		b = append(b, '{')
		b = append(b, d.seg...)
		if n.Fingerprint != "" {
			b = append(b, `"fingerprint":`...)
			b = canonical.AppendString(b, n.Fingerprint)
			b = append(b, ',')
		}
		b = append(b, `"kind":`...)
		b = canonical.AppendString(b, n.Kind)
		if len(n.Metadata) > 0 {
			b = append(b, `,"metadata":`...)
			b = append(b, n.Metadata...)
		}
		b = append(b, `,"name":`...)
		b = canonical.AppendString(b, n.Name)
		if len(n.Spec) > 0 {
			b = append(b, `,"spec":`...)
			b = append(b, n.Spec...)
		}
		b = append(b, '}')
		if len(b) > 32<<10 {
			w.Write(b)
			b = b[:0]
		}
	}
	b = append(b, ']')
	if s := r.Source; s != nil {
		b = append(b, `,"source":{`...)
		sep := ""
		for _, kv := range [][2]string{{"author", s.Author}, {"commit", s.Commit}, {"message", s.Message}, {"ref", s.Ref}} {
			if kv[1] != "" {
				b = append(b, sep...)
				b = canonical.AppendString(b, kv[0])
				b = append(b, ':')
				b = canonical.AppendString(b, kv[1])
				sep = ","
			}
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	w.Write(b)
	d.buf = b[:0]
}
