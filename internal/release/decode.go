package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ferrydev/ferry/internal/canonical"
)

// decoder reads a native release from JSON in one pass, strictly: every key must be
// known and appear once, every value must have the right type. It knows at each
// byte which node and field it is in, so its errors say so. Spec and metadata are
// canonicalized as they are read, into a shared arena, and short repeated strings
// (kinds, column types) are interned: a 100,000-node release is read several times
// faster, and in less memory, than through encoding/json.
type decoder struct {
	doc     document
	in      []byte
	pos     int
	node    int    // index of the node being read, or -1
	name    string // its name, once read
	index   int    // index of the list element being read; "[]" in a field means it
	strs    internCache
	arena   []byte
	scratch []byte
	cols    []Column // reused while reading a node's columns
	deps    []string // reused while reading a node's depends_on
	// Slabs the nodes' columns and depends_on are cut from: one allocation for
	// thousands of nodes instead of one each.
	colSlab []Column
	depSlab []string
}

// slabSize is how many items a slab holds, unless one node needs more.
const slabSize = 4096

// fromSlab copies items into *slab, starting a new slab when it is full, and
// returns the copy, capped so that appending to it cannot overwrite a neighbour.
func fromSlab[T any](slab *[]T, items []T) []T {
	if len(items) > cap(*slab)-len(*slab) {
		*slab = make([]T, 0, max(slabSize, len(items)))
	}
	start := len(*slab)
	*slab = append(*slab, items...)
	return (*slab)[start:len(*slab):len(*slab)]
}

// arenaChunk is the size of the blocks spec and metadata are copied into.
const arenaChunk = 1 << 20

// decode reads doc into a Release and validates it. Reading is doc's last use, so
// the input can be collected while the release is checked.
func decode(doc document) (*Release, error) {
	file, nodeLines := doc.file, doc.nodeLines
	r, err := read(doc)
	if err != nil {
		return nil, err
	}
	ps := problems{file: file}
	check(&ps, r, nodeLines)
	if err := ps.result(); err != nil {
		return nil, err
	}
	return r, nil
}

func read(doc document) (*Release, error) {
	d := &decoder{doc: doc, in: doc.json, node: -1}
	return d.release()
}

// fail returns an Error at the decoder's position, in the current node if any.
func (d *decoder) fail(field, format string, args ...any) error {
	return d.failAt(d.pos, field, format, args...)
}

func (d *decoder) failAt(pos int, field, format string, args ...any) error {
	field = strings.Replace(field, "[]", fmt.Sprintf("[%d]", d.index), 1)
	p := Problem{File: d.doc.file, Line: d.doc.line(pos), Field: field, Message: fmt.Sprintf(format, args...)}
	if d.node >= 0 {
		p.Node = nodeRef(d.node, d.name)
		if d.node < len(d.doc.nodeLines) {
			p.Line = d.doc.nodeLines[d.node]
		}
	}
	return &Error{Problems: []Problem{p}}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.skipSpace()
	if d.pos == len(d.in) {
		return 0
	}
	return d.in[d.pos]
}

// typeError says that field holds something other than want.
func (d *decoder) typeError(field, want string) error {
	found := "nothing (unexpected end of input)"
	switch b := d.peek(); {
	case b == '{':
		found = "an object"
	case b == '[':
		found = "a list"
	case b == '"':
		found = "a string"
	case b == 't' || b == 'f':
		found = "true or false"
	case b == 'n':
		found = "null"
	case b == '-' || ('0' <= b && b <= '9'):
		found = "a number"
	case b != 0:
		return d.fail(field, "invalid JSON: unexpected %q", b)
	}
	return d.fail(field, "expected %s, found %s", want, found)
}

// null consumes a JSON null if one comes next.
func (d *decoder) null() bool {
	if d.peek() == 'n' && len(d.in)-d.pos >= 4 && string(d.in[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// object reads an object, calling member for each key with the decoder at its value.
// A key may appear only once; the objects of a release have a handful of keys, so a
// short list finds repeats without allocating.
func (d *decoder) object(field string, member func(key []byte) error) error {
	if d.peek() != '{' {
		return d.typeError(field, "an object")
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	var seenBuf [8][]byte
	seen := seenBuf[:0]
	for {
		if d.peek() != '"' {
			return d.fail(field, "invalid JSON: expected a string key")
		}
		keyPos := d.pos
		key, ok := d.plainString()
		if !ok {
			k, err := d.rawString(field)
			if err != nil {
				return err
			}
			key = []byte(k)
		}
		for _, k := range seen {
			if bytes.Equal(k, key) {
				return d.failAt(keyPos, join(field, string(key)), "appears twice")
			}
		}
		seen = append(seen, key)
		if d.peek() != ':' {
			return d.fail(field, "invalid JSON: expected ':' after key %q", key)
		}
		d.pos++
		if err := member(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.fail(field, "invalid JSON: expected ',' or '}'")
		}
	}
}

// array reads a list, calling elem for each element with the decoder at it. null is
// an empty list.
func (d *decoder) array(field string, elem func(i int) error) error {
	if d.null() {
		return nil
	}
	if d.peek() != '[' {
		return d.typeError(field, "a list")
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		d.index = i
		if err := elem(i); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return nil
		default:
			return d.fail(field, "invalid JSON: expected ',' or ']'")
		}
	}
}

// str reads a string field; null is "". With intern, the string goes through a small
// cache: kinds, column names and column types repeat across nodes.
func (d *decoder) str(field string, intern bool) (string, error) {
	if d.null() {
		return "", nil
	}
	if d.peek() != '"' {
		return "", d.typeError(field, "a string")
	}
	if intern {
		if body, ok := d.plainString(); ok {
			return d.strs.get(body), nil
		}
	}
	return d.rawString(field)
}

// internCache is a small direct-mapped cache of strings: a hit returns the cached
// string instead of allocating a new one. Unlike a map it stays small and in cache
// however many distinct strings pass through it.
type internCache [1024]string

func (c *internCache) get(b []byte) string {
	h := uint32(2166136261) // FNV-1a
	for _, x := range b {
		h = (h ^ uint32(x)) * 16777619
	}
	slot := &c[h%uint32(len(c))]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// plainString reads a string without escapes, in valid UTF-8, returning its body;
// when the string is not plain it reads nothing and returns false.
func (d *decoder) plainString() ([]byte, bool) {
	ascii := true
	for i := d.pos + 1; i < len(d.in); i++ {
		switch b := d.in[i]; {
		case b == '"':
			body := d.in[d.pos+1 : i]
			if !ascii && !utf8.Valid(body) {
				return nil, false
			}
			d.pos = i + 1
			return body, true
		case b == '\\' || b < 0x20:
			return nil, false
		case b >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// rawString reads a JSON string at d.pos, decoding escapes.
func (d *decoder) rawString(field string) (string, error) {
	if body, ok := d.plainString(); ok {
		return string(body), nil
	}
	start := d.pos
	i := d.pos + 1
	for ; i < len(d.in) && d.in[i] != '"'; i++ {
		if d.in[i] == '\\' {
			i++
		}
	}
	if i >= len(d.in) {
		return "", d.fail(field, "invalid JSON: unterminated string")
	}
	var s string
	if err := json.Unmarshal(d.in[start:i+1], &s); err != nil {
		return "", d.fail(field, "invalid JSON: bad string: %v", err)
	}
	d.pos = i + 1
	return s, nil
}

// value reads any JSON value as canonical JSON, copied into the arena; null is nil.
func (d *decoder) value(field string) (json.RawMessage, error) {
	if d.null() {
		return nil, nil
	}
	var n int
	var err error
	d.scratch, n, err = canonical.AppendNext(d.scratch[:0], d.in[d.pos:])
	if err != nil {
		var se *canonical.SyntaxError
		if errors.As(err, &se) {
			return nil, d.failAt(d.pos+se.Offset, field, "invalid JSON: %s", se.Msg)
		}
		return nil, d.fail(field, "%v", err)
	}
	d.pos += n
	if len(d.scratch) > cap(d.arena)-len(d.arena) {
		d.arena = make([]byte, 0, max(arenaChunk, len(d.scratch)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, d.scratch...)
	return d.arena[start:len(d.arena):len(d.arena)], nil
}

func (d *decoder) release() (*Release, error) {
	r := &Release{}
	err := d.object("", func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			r.Name, err = d.str("name", false)
		case "source":
			r.Source, err = d.source()
		case "checks":
			err = d.array("checks", func(int) error {
				c, err := d.check()
				r.Checks = append(r.Checks, c)
				return err
			})
		case "nodes":
			if d.null() {
				return nil
			}
			r.Nodes = []Node{}
			err = d.array("nodes", func(i int) error {
				if i >= MaxNodes {
					return d.fail("nodes", "more than the limit of %d nodes", MaxNodes)
				}
				n, err := d.nodeAt(i)
				r.Nodes = append(r.Nodes, n)
				return err
			})
		default:
			return d.fail(string(key), "unknown field")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.pos != len(d.in) {
		return nil, d.fail("", "unexpected data after the release object")
	}
	if r.Nodes == nil {
		return nil, d.failAt(0, "nodes", "is required (a list, possibly empty)")
	}
	return r, nil
}

func (d *decoder) source() (*Source, error) {
	if d.null() {
		return nil, nil
	}
	s := &Source{}
	err := d.object("source", func(key []byte) error {
		var err error
		switch string(key) {
		case "commit":
			s.Commit, err = d.str("source.commit", false)
		case "ref":
			s.Ref, err = d.str("source.ref", false)
		case "message":
			s.Message, err = d.str("source.message", false)
		case "author":
			s.Author, err = d.str("source.author", false)
		default:
			return d.fail("source."+string(key), "unknown field")
		}
		return err
	})
	return s, err
}

func (d *decoder) check() (Check, error) {
	var c Check
	err := d.object("checks[]", func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			c.Name, err = d.str("checks[].name", false)
		case "status":
			var s string
			s, err = d.str("checks[].status", true)
			c.Status = CheckStatus(s)
		case "url":
			c.URL, err = d.str("checks[].url", false)
		default:
			return d.fail("checks[]."+string(key), "unknown field")
		}
		return err
	})
	return c, err
}

func (d *decoder) nodeAt(i int) (Node, error) {
	d.node, d.name = i, ""
	defer func() { d.node = -1 }()
	var n Node
	err := d.object("", func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			n.Name, err = d.str("name", false)
			d.name = n.Name
		case "kind":
			n.Kind, err = d.str("kind", true)
		case "fingerprint":
			n.Fingerprint, err = d.str("fingerprint", false)
		case "depends_on":
			d.deps = d.deps[:0]
			err = d.array("depends_on", func(j int) error {
				if j >= MaxDependsOn {
					return d.fail("depends_on", "more than the limit of %d dependencies", MaxDependsOn)
				}
				s, err := d.str("depends_on[]", false)
				d.deps = append(d.deps, s)
				return err
			})
			if len(d.deps) > 0 {
				n.DependsOn = fromSlab(&d.depSlab, d.deps)
			}
		case "columns":
			d.cols = d.cols[:0]
			err = d.array("columns", func(j int) error {
				if j >= MaxColumns {
					return d.fail("columns", "more than the limit of %d columns", MaxColumns)
				}
				c, err := d.column()
				d.cols = append(d.cols, c)
				return err
			})
			if len(d.cols) > 0 {
				n.Columns = fromSlab(&d.colSlab, d.cols)
			}
		case "spec":
			n.Spec, err = d.value("spec")
		case "metadata":
			n.Metadata, err = d.value("metadata")
		default:
			return d.fail(string(key), "unknown field")
		}
		return err
	})
	return n, err
}

func (d *decoder) column() (Column, error) {
	var c Column
	err := d.object("columns[]", func(key []byte) error {
		var err error
		switch string(key) {
		case "name":
			c.Name, err = d.str("columns[].name", true)
		case "type":
			c.Type, err = d.str("columns[].type", true)
		default:
			return d.fail("columns[]."+string(key), "unknown field")
		}
		return err
	})
	return c, err
}

// join makes a field path, "columns[2]" + "type" → "columns[2].type".
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
