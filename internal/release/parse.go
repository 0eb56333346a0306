package release

import (
	"bytes"
	"fmt"
	"path/filepath"
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
	// lineAt maps a byte offset in json to a line of the file; nil when json is not
	// the file the user wrote (YAML).
	lineAt func(offset int64) int
	// nodeLines holds the line of each node in the file, when known (YAML).
	nodeLines []int
}

// line returns the line of the file at offset in json, or 0 when unknown.
func (d document) line(offset int) int {
	if d.lineAt == nil {
		return 0
	}
	return d.lineAt(int64(offset))
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
