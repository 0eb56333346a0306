package planfmt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/ferrydev/ferry/internal/plan"
)

// writeJSON writes p as indented JSON, the same bytes json.Encoder with SetIndent
// ("", "  ") and no HTML escaping writes, but one change or indirect entry at a
// time, so that a plan of many nodes is never held in memory as one JSON text.
func writeJSON(out io.Writer, p *plan.Plan) error {
	w := bufio.NewWriter(out)
	e := elementWriter{w: w}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	e.enc.SetIndent("  ", "  ")
	io.WriteString(w, "{\n")
	e.member("target", p.Target)
	e.member("base_version", p.BaseVersion)
	e.member("base_release", p.BaseRelease)
	e.member("release", p.Release)
	e.member("digest", p.Digest)
	e.member("summary", p.Summary)
	io.WriteString(w, ",\n")
	writeArray(&e, "changes", p.Changes)
	io.WriteString(w, ",\n")
	writeArray(&e, "indirect", p.Indirect)
	io.WriteString(w, "\n}\n")
	if e.err != nil {
		return e.err
	}
	return w.Flush()
}

// elementWriter writes JSON values indented at one level or two, keeping the
// first error.
type elementWriter struct {
	w       *bufio.Writer
	enc     *json.Encoder
	buf     bytes.Buffer
	err     error
	members int
}

// value writes v indented as a value at the top level's depth (prefix "  ") or,
// nested, one deeper.
func (e *elementWriter) value(v any, nested bool) {
	if e.err != nil {
		return
	}
	if nested {
		e.enc.SetIndent("    ", "  ")
	} else {
		e.enc.SetIndent("  ", "  ")
	}
	e.buf.Reset()
	if e.err = e.enc.Encode(v); e.err != nil {
		return
	}
	e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
}

// member writes a top-level member "name": value, after a comma unless first.
func (e *elementWriter) member(name string, v any) {
	if e.members > 0 {
		io.WriteString(e.w, ",\n")
	}
	e.members++
	io.WriteString(e.w, `  "`+name+`": `)
	e.value(v, false)
}

// writeArray writes the top-level member name holding items, one element at a time.
func writeArray[T any](e *elementWriter, name string, items []T) {
	io.WriteString(e.w, `  "`+name+`": [`)
	for i := range items {
		if i > 0 {
			io.WriteString(e.w, ",")
		}
		io.WriteString(e.w, "\n    ")
		e.value(&items[i], true)
	}
	if len(items) > 0 {
		io.WriteString(e.w, "\n  ")
	}
	io.WriteString(e.w, "]")
}
