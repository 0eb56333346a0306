package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/ferrydev/ferry/internal/canonical"
)

// yamlToJSON converts a YAML release to JSON, keeping each node's line so that
// errors found later point into the YAML the user wrote. It reads the nodes one by
// one when it can (see yamlByNode), else the document whole.
func yamlToJSON(file string, data []byte) (document, error) {
	if doc, ok := yamlByNode(file, data); ok {
		return doc, nil
	}
	return yamlWhole(file, data)
}

// yamlWhole converts a YAML release to JSON through one yaml.v3 node tree.
func yamlWhole(file string, data []byte) (document, error) {
	fail := func(line int, msg string) (document, error) {
		return document{}, &Error{Problems: []Problem{{File: file, Line: line, Message: msg}}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, "empty file: expected a release object")
		}
		return fail(0, "invalid YAML: "+err.Error())
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return fail(next.Line, "more than one YAML document: a release file holds one")
	}
	doc := document{file: file}
	body := &root
	if body.Kind == yaml.DocumentNode && len(body.Content) == 1 {
		body = body.Content[0]
	}
	if body.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(body.Content); i += 2 {
			if body.Content[i].Value == "nodes" && body.Content[i+1].Kind == yaml.SequenceNode {
				for _, item := range body.Content[i+1].Content {
					doc.nodeLines = append(doc.nodeLines, item.Line)
				}
			}
		}
	}
	c := yamlConverter{budget: 4 * int64(len(data))}
	out, err := c.append(nil, body)
	if err != nil {
		return fail(c.line, err.Error())
	}
	doc.json = out
	return doc, nil
}

// yamlConverter writes a yaml.Node tree as JSON. budget bounds the output so that
// aliases cannot expand a small file into a huge document.
type yamlConverter struct {
	budget int64
	line   int
	depth  int
}

// YAMLToJSON converts one YAML document to JSON text, for importers that keep
// YAML content as a node's spec. Mappings must have scalar keys; aliases are
// expanded within a budget of four times the input size.
func YAMLToJSON(node *yaml.Node, inputSize int) ([]byte, error) {
	c := yamlConverter{budget: 4 * int64(inputSize)}
	return c.append(nil, node)
}

func (c *yamlConverter) append(dst []byte, n *yaml.Node) ([]byte, error) {
	c.line = n.Line
	if int64(len(dst)) > c.budget {
		return nil, fmt.Errorf("YAML expands to more than %d bytes of JSON (too many aliases?)", c.budget)
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > 1000 {
		return nil, errors.New("YAML nested more than 1000 levels deep")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return append(dst, "null"...), nil
		}
		return c.append(dst, n.Content[0])
	case yaml.AliasNode:
		return c.append(dst, n.Alias)
	case yaml.SequenceNode:
		dst = append(dst, '[')
		for i, item := range n.Content {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = c.append(dst, item); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case yaml.MappingNode:
		return c.mapping(dst, n)
	case yaml.ScalarNode:
		return c.scalar(dst, n)
	}
	return nil, fmt.Errorf("unsupported YAML node kind %v", n.Kind)
}

func (c *yamlConverter) mapping(dst []byte, n *yaml.Node) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			return nil, errors.New("YAML merge keys (<<) are not supported in release files")
		}
		if k.Kind != yaml.ScalarNode {
			c.line = k.Line
			return nil, errors.New("mapping keys must be plain scalars")
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(canonical.AppendString(dst, k.Value), ':')
		var err error
		if dst, err = c.append(dst, v); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

func (c *yamlConverter) scalar(dst []byte, n *yaml.Node) ([]byte, error) {
	switch n.ShortTag() {
	case "!!null":
		return append(dst, "null"...), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return strconv.AppendBool(dst, b), nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return strconv.AppendInt(dst, i, 10), nil
		}
		var u uint64
		if err := n.Decode(&u); err != nil {
			return nil, fmt.Errorf("integer %s is out of range", n.Value)
		}
		return strconv.AppendUint(dst, u, 10), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s has no JSON form", n.Value)
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64), nil
	}
	// Strings, timestamps and anything else tagged: the text as written.
	return canonical.AppendString(dst, n.Value), nil
}

// yamlByNode converts a release whose nodes are a top-level block sequence
// ("nodes:" alone on a line at column 0, its items below it) one item at a time.
// yaml.v3 builds a tree of a few hundred bytes per scalar before converting it, so
// reading a 100,000-node file whole takes gigabytes; item by item it takes the size
// of one node. The cut is made at the items' own indentation, which no line inside
// an item can have. Whenever a piece does not parse on its own (an alias to an
// anchor in another piece, or anything unusual), it reports false and the caller
// reads the document whole, which also gives the exact error.
func yamlByNode(file string, data []byte) (document, bool) {
	type item struct{ offset, line int }
	var (
		nodesAt, nodesEnd = -1, -1 // byte offsets of the "nodes:" line and of what follows it
		seqEnd            = len(data)
		indent            = -1
		items             []item
	)
	for off, line := 0, 1; off < len(data); line++ {
		next := bytes.IndexByte(data[off:], '\n') + off + 1
		if next == off {
			next = len(data)
		}
		text := data[off:next]
		switch {
		case bytes.HasPrefix(text, []byte("---")) || bytes.HasPrefix(text, []byte("...")) || bytes.HasPrefix(text, []byte("%")):
			return document{}, false // several documents or directives: read whole
		case isNodesKey(text):
			if nodesAt >= 0 {
				return document{}, false
			}
			nodesAt, nodesEnd = off, next
		case nodesAt >= 0 && seqEnd == len(data):
			content := bytes.TrimLeft(text, " ")
			if t := bytes.TrimSpace(content); len(t) == 0 || t[0] == '#' {
				break
			}
			at := len(text) - len(content)
			if indent < 0 {
				indent = at
			}
			switch {
			case at < indent || (at == indent && !isItem(content)):
				seqEnd = off
			case at == indent:
				items = append(items, item{offset: off, line: line})
			}
		}
		off = next
	}
	if len(items) == 0 {
		return document{}, false
	}
	rest := append(append([]byte(nil), data[:nodesAt]...), data[seqEnd:]...)
	head, ok := yamlPiece(rest)
	if !ok || len(head) < 2 || head[0] != '{' {
		return document{}, false
	}
	if first := bytes.TrimSpace(data[nodesEnd:items[0].offset]); len(first) > 0 && !onlyComments(first) {
		return document{}, false
	}
	out := make([]byte, 0, len(data))
	out = append(out, head[:len(head)-1]...)
	if len(head) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"nodes":[`...)
	doc := document{file: file}
	for k, it := range items {
		end := seqEnd
		if k+1 < len(items) {
			end = items[k+1].offset
		}
		j, ok := yamlItem(data[it.offset:end])
		if !ok {
			return document{}, false
		}
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, j...)
		doc.nodeLines = append(doc.nodeLines, it.line)
	}
	doc.json = append(out, "]}"...)
	return doc, true
}

// onlyComments reports whether every non-blank line of b is a comment.
func onlyComments(b []byte) bool {
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// isNodesKey reports whether line is "nodes:" at column 0 with nothing after it
// but white space or a comment.
func isNodesKey(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("nodes:"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

func isItem(content []byte) bool {
	return content[0] == '-' && (len(content) == 1 || content[1] == ' ' || content[1] == '\n' || content[1] == '\r')
}

// yamlPiece converts one self-contained piece of YAML to JSON.
func yamlPiece(piece []byte) ([]byte, bool) {
	var root yaml.Node
	if err := yaml.Unmarshal(piece, &root); err != nil {
		return nil, false
	}
	if len(root.Content) == 0 {
		return []byte("{}"), true
	}
	out, err := YAMLToJSON(&root, len(piece))
	return out, err == nil
}

// yamlItem converts a piece holding one sequence item ("- name: ...") to the JSON
// of that item.
func yamlItem(piece []byte) ([]byte, bool) {
	var root yaml.Node
	if err := yaml.Unmarshal(piece, &root); err != nil || len(root.Content) != 1 {
		return nil, false
	}
	seq := root.Content[0]
	if seq.Kind != yaml.SequenceNode || len(seq.Content) != 1 {
		return nil, false
	}
	out, err := YAMLToJSON(seq.Content[0], len(piece))
	return out, err == nil
}
