package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ferrydev/ferry/internal/canonical"
)

// digest returns the digest of p's canonical JSON with Digest "": the bytes
// canonical.Marshal would write, but produced one member, and a chunk of changes
// or indirect entries, at a time, so that a large plan never sits in memory as one
// JSON text. The members are written in canonical (sorted) order; a test
// compares the result with canonical.MarshalDigest.
func digest(p *Plan) (string, error) {
	h := sha256.New()
	d := digester{w: h}
	d.enc = json.NewEncoder(&d.raw)
	d.enc.SetEscapeHTML(false)
	io.WriteString(h, `{"base_release":`)
	d.put(p.BaseRelease)
	io.WriteString(h, `,"base_version":`)
	d.put(p.BaseVersion)
	io.WriteString(h, `,"changes":`)
	putArray(&d, p.Changes)
	io.WriteString(h, `,"digest":"","indirect":`)
	putArray(&d, p.Indirect)
	io.WriteString(h, `,"release":`)
	d.put(p.Release)
	io.WriteString(h, `,"summary":`)
	d.put(&p.Summary)
	io.WriteString(h, `,"target":`)
	d.put(p.Target)
	io.WriteString(h, "}")
	if d.err != nil {
		return "", fmt.Errorf("computing plan digest: %w", d.err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// digestChunk is how many array elements the digest canonicalizes at a time.
const digestChunk = 1024

// putArray writes items as a canonical JSON array, digestChunk elements at a time.
func putArray[T any](d *digester, items []T) {
	io.WriteString(d.w, "[")
	for start := 0; start < len(items); start += digestChunk {
		if start > 0 {
			io.WriteString(d.w, ",")
		}
		d.inner = true
		d.put(items[start:min(start+digestChunk, len(items))])
		d.inner = false
	}
	io.WriteString(d.w, "]")
}

// digester writes canonical JSON values to w, reusing its buffers, and keeps the
// first error.
type digester struct {
	w   io.Writer
	enc *json.Encoder
	raw bytes.Buffer
	buf []byte
	err error
	// inner writes an array's elements without its brackets.
	inner bool
}

func (d *digester) put(v any) {
	if d.err != nil {
		return
	}
	d.raw.Reset()
	if d.err = d.enc.Encode(v); d.err != nil {
		return
	}
	if d.buf, d.err = canonical.AppendCompact(d.buf[:0], d.raw.Bytes()); d.err != nil {
		return
	}
	out := d.buf
	if d.inner {
		out = out[1 : len(out)-1]
	}
	_, d.err = d.w.Write(out)
}
