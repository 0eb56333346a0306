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
// errors found later point into the YAML the user wrote.
func yamlToJSON(file string, data []byte) (document, error) {
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
	doc := document{file: file, lineAt: func(int64) int { return 0 }}
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
