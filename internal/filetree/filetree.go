// Package filetree imports a directory of files as a release: each file one node.
// It fits config-as-code trees such as Cognite Toolkit YAML modules.
//
// What becomes of the tree:
//   - name: the file's path relative to the directory, with '/' separators; a path
//     that is not a valid node name is an error naming the file;
//   - kind: the file's extension without the dot, lower-cased ("yaml", "sql"), or
//     "file" when it has none;
//   - fingerprint: "sha256:" and the hex sha256 of the file's bytes;
//   - spec: the parsed content of .json, .yaml and .yml files when they parse (a YAML
//     file of several documents gives a list); other files have no spec.
//
// Files and directories whose names start with '.' (.git, .DS_Store) are skipped,
// and so are symbolic links, which could lead outside the tree. Limits: MaxFiles
// files, MaxTotalSize bytes in all.
package filetree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrydev/ferry/internal/release"
)

// Limits on what Import reads.
const (
	// MaxFiles is the most files a tree may hold.
	MaxFiles = 100_000
	// MaxTotalSize is the most bytes all files may hold together.
	MaxTotalSize = release.MaxFileSize
)

// Import reads the directory dir as a release.
func Import(dir string) (*release.Release, error) {
	fsys := os.DirFS(dir)
	r := &release.Release{Nodes: []release.Node{}}
	var total int64
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if len(r.Nodes) == MaxFiles {
			return fmt.Errorf("more than %d files", MaxFiles)
		}
		if !release.ValidName(p) {
			return fmt.Errorf("%s: the path is not a valid node name: use 1 to %d characters from A-Z a-z 0-9 _ . : / -",
				p, release.MaxNameLength)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if total += int64(len(data)); total > MaxTotalSize {
			return fmt.Errorf("the files hold more than %d bytes", MaxTotalSize)
		}
		r.Nodes = append(r.Nodes, fileNode(p, data))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := release.Validate(dir, r, nil); err != nil {
		return nil, err
	}
	return r, nil
}

func fileNode(name string, data []byte) release.Node {
	sum := sha256.Sum256(data)
	n := release.Node{Name: name, Kind: "file", Fingerprint: "sha256:" + hex.EncodeToString(sum[:])}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if ext != "" {
		n.Kind = ext
	}
	switch ext {
	case "json":
		if json.Valid(data) {
			n.Spec = data
		}
	case "yaml", "yml":
		n.Spec = yamlSpec(data)
	}
	return n
}

// yamlSpec returns the YAML documents in data as JSON (one document as itself,
// several as a list), or nil when the file does not parse as YAML with a JSON form.
func yamlSpec(data []byte) json.RawMessage {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs [][]byte
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil
		}
		j, err := release.YAMLToJSON(&doc, len(data))
		if err != nil {
			return nil
		}
		docs = append(docs, j)
	}
	switch len(docs) {
	case 0:
		return nil
	case 1:
		return docs[0]
	}
	return append(append([]byte("["), bytes.Join(docs, []byte(","))...), ']')
}
