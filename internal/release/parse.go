package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
)

// Parse reads a native release file, JSON or YAML: by the file's extension
// (.json, .yaml, .yml), else JSON when the first non-space byte is '{'. The result is
// validated and normalized (see Validate).
func Parse(file string, data []byte) (*Release, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return ParseJSON(file, data)
	case ".yaml", ".yml":
		return ParseYAML(file, data)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return ParseJSON(file, data)
	}
	return ParseYAML(file, data)
}

// ParseJSON reads a native release from JSON.
func ParseJSON(file string, data []byte) (*Release, error) {
	if err := checkSize(file, data); err != nil {
		return nil, err
	}
	return decode(document{file: file, json: data, lineAt: lineCounter(data)})
}

// ParseYAML reads a native release from YAML.
func ParseYAML(file string, data []byte) (*Release, error) {
	if err := checkSize(file, data); err != nil {
		return nil, err
	}
	doc, err := yamlToJSON(file, data)
	if err != nil {
		return nil, err
	}
	return decode(doc)
}

func checkSize(file string, data []byte) error {
	if len(data) > MaxFileSize {
		return &Error{Problems: []Problem{{File: file, Message: fmt.Sprintf(
			"file is %d bytes, more than the limit of %d", len(data), MaxFileSize)}}}
	}
	return nil
}

// document is a release as JSON, with a way back to lines of the file the user wrote.
type document struct {
	file string
	json []byte
	// lineAt maps a byte offset in json to a line of the file, or 0 when unknown.
	lineAt func(offset int64) int
	// nodeLines holds the line of each node in the file, when known (YAML).
	nodeLines []int
}

func (d document) nodeLine(i int, offset int64) int {
	if i < len(d.nodeLines) {
		return d.nodeLines[i]
	}
	return d.lineAt(offset)
}

// decode reads doc strictly into a Release and validates it. The fast path decodes
// in one go; when that fails, the document is decoded again node by node to say
// exactly which node and field are wrong.
func decode(doc document) (*Release, error) {
	var r Release
	dec := json.NewDecoder(bytes.NewReader(doc.json))
	dec.DisallowUnknownFields()
	err := dec.Decode(&r)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return nil, &Error{Problems: []Problem{{File: doc.file, Line: doc.lineAt(dec.InputOffset()),
				Message: "unexpected data after the release object"}}}
		}
		if r.Nodes == nil {
			return nil, &Error{Problems: []Problem{{File: doc.file, Field: "nodes", Message: "is required (a list, possibly empty)"}}}
		}
		if err := Validate(doc.file, &r, doc.nodeLines); err != nil {
			return nil, err
		}
		return &r, nil
	}
	return nil, explain(doc, err)
}

// explain turns a failed decode of doc into an Error naming the node and field.
func explain(doc document, decodeErr error) error {
	ps := problems{file: doc.file}
	var top struct {
		Name   string            `json:"name"`
		Source *Source           `json:"source"`
		Checks []Check           `json:"checks"`
		Nodes  []json.RawMessage `json:"nodes"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc.json))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		ps.add(jsonProblem(err, "", dec.InputOffset(), doc.lineAt))
		return ps.result()
	}
	offset := int64(0)
	for i, raw := range top.Nodes {
		offset = int64(bytes.Index(doc.json[offset:], raw)) + offset
		var n Node
		nd := json.NewDecoder(bytes.NewReader(raw))
		nd.DisallowUnknownFields()
		if err := nd.Decode(&n); err != nil {
			var named struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(raw, &named)
			line := doc.nodeLine(i, offset)
			p := jsonProblem(err, "", nd.InputOffset(), func(int64) int { return line })
			p.Node = nodeRef(i, named.Name)
			ps.add(p)
			if ps.full() {
				break
			}
		}
		offset += int64(len(raw))
	}
	if len(ps.err.Problems) == 0 {
		ps.add(jsonProblem(decodeErr, "", 0, func(int64) int { return 0 }))
	}
	return ps.result()
}

// jsonProblem describes an encoding/json error as a Problem.
func jsonProblem(err error, field string, offset int64, lineAt func(int64) int) Problem {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return Problem{Line: lineAt(syntax.Offset), Field: field, Message: "invalid JSON: " + syntax.Error()}
	case errors.As(err, &typ):
		f := typ.Field
		if f == "" {
			f = field
		}
		return Problem{Line: lineAt(typ.Offset), Field: f,
			Message: fmt.Sprintf("expected %s, found JSON %s", typeName(typ.Type), typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Line: lineAt(offset), Message: "unexpected end of input"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return Problem{Line: lineAt(offset), Field: strings.Trim(name, `"`), Message: "unknown field"}
	}
	return Problem{Line: lineAt(offset), Field: field, Message: msg}
}

// typeName names a Go type the way a release author thinks of it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// lineCounter maps byte offsets of data to 1-based line numbers.
func lineCounter(data []byte) func(int64) int {
	return func(offset int64) int {
		if offset < 0 {
			return 0
		}
		if offset > int64(len(data)) {
			offset = int64(len(data))
		}
		return bytes.Count(data[:offset], []byte{'\n'}) + 1
	}
}
