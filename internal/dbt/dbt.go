// Package dbt imports a dbt manifest.json (schema v5 and later) as a release.
//
// What becomes of the manifest:
//   - nodes: the models, seeds and snapshots of "nodes" (never "disabled"; tests,
//     analyses, operations and sources are not nodes of a release), named by unique_id;
//   - kind: resource_type;
//   - fingerprint: checksum as "NAME:CHECKSUM", usually "sha256:…" (dbt writes
//     "path:…" for seeds too large to hash);
//   - depends_on: depends_on.nodes, once each, keeping only nodes of the release;
//   - columns: name and data_type, a null data_type as "" (unknown), sorted by name
//     (the manifest keeps them in a JSON object, which has no order);
//   - spec: {"code": raw_code (raw_sql before schema v7), "materialized": config.materialized};
//     the code sits under one key whatever the schema, so an upgrade of dbt alone
//     does not show as a change;
//   - metadata: description, tags and meta, each only when not empty.
//
// The release's name is the project name and dbt version from the manifest's metadata.
package dbt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"

	"github.com/ferrydev/ferry/internal/release"
)

// MinSchema is the oldest manifest schema version the importer reads.
const MinSchema = 5

var schemaPattern = regexp.MustCompile(`/manifest/v(\d+)\.json$`)

type manifest struct {
	Metadata *struct {
		SchemaVersion string `json:"dbt_schema_version"`
		DbtVersion    string `json:"dbt_version"`
		ProjectName   string `json:"project_name"`
	} `json:"metadata"`
	Nodes map[string]manifestNode `json:"nodes"`
}

type manifestNode struct {
	UniqueID     string `json:"unique_id"`
	ResourceType string `json:"resource_type"`
	Checksum     *struct {
		Name     string `json:"name"`
		Checksum string `json:"checksum"`
	} `json:"checksum"`
	DependsOn struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
	Columns map[string]struct {
		Name     string  `json:"name"`
		DataType *string `json:"data_type"`
	} `json:"columns"`
	RawCode *string `json:"raw_code"`
	RawSQL  *string `json:"raw_sql"`
	Config  struct {
		Materialized string `json:"materialized"`
	} `json:"config"`
	Description string          `json:"description"`
	Tags        []string        `json:"tags"`
	Meta        json.RawMessage `json:"meta"`
}

// IsManifest reports whether data looks like a dbt manifest: a JSON object whose
// metadata names a dbt manifest schema. It stops reading at the metadata, or at a
// "nodes" list (a native release), so it is cheap on large files.
func IsManifest(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		switch key {
		case "metadata":
			var md struct {
				SchemaVersion string `json:"dbt_schema_version"`
			}
			return dec.Decode(&md) == nil && schemaPattern.MatchString(md.SchemaVersion)
		case "nodes":
			if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n:"); len(rest) > 0 && rest[0] == '[' {
				return false
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// Import reads a dbt manifest; file names it in errors.
func Import(file string, data []byte) (*release.Release, error) {
	if len(data) > release.MaxFileSize {
		return nil, fmt.Errorf("%s: file is %d bytes, more than the limit of %d", file, len(data), release.MaxFileSize)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, fmt.Errorf("%s: %s: found JSON %s where a dbt manifest has %s; is this a dbt manifest.json?",
				file, typ.Field, typ.Value, shape(typ.Type.Kind()))
		}
		return nil, fmt.Errorf("%s: not a readable dbt manifest: %w", file, err)
	}
	if m.Metadata == nil {
		return nil, fmt.Errorf("%s: metadata: missing; is this a dbt manifest.json?", file)
	}
	match := schemaPattern.FindStringSubmatch(m.Metadata.SchemaVersion)
	if match == nil {
		return nil, fmt.Errorf("%s: metadata.dbt_schema_version: %q is not a dbt manifest schema", file, m.Metadata.SchemaVersion)
	}
	if v, _ := strconv.Atoi(match[1]); v < MinSchema {
		return nil, fmt.Errorf("%s: metadata.dbt_schema_version: manifest schema v%d is older than v%d, the oldest supported; regenerate it with a newer dbt", file, v, MinSchema)
	}
	r := &release.Release{Name: releaseName(m), Nodes: []release.Node{}}
	included := make(map[string]bool, len(m.Nodes))
	for key, n := range m.Nodes {
		if isReleaseNode(n.ResourceType) {
			included[uniqueID(key, n)] = true
		}
	}
	for key, n := range m.Nodes {
		if !isReleaseNode(n.ResourceType) {
			continue
		}
		node, err := convert(uniqueID(key, n), n, included)
		if err != nil {
			return nil, fmt.Errorf("%s: nodes.%s: %w", file, key, err)
		}
		r.Nodes = append(r.Nodes, node)
	}
	if err := release.Validate(file, r, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// shape names a JSON shape for an error message.
func shape(k reflect.Kind) string {
	switch k {
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "a string"
	}
	return "another type"
}

func isReleaseNode(resourceType string) bool {
	switch resourceType {
	case "model", "seed", "snapshot":
		return true
	}
	return false
}

func uniqueID(key string, n manifestNode) string {
	if n.UniqueID != "" {
		return n.UniqueID
	}
	return key
}

func releaseName(m manifest) string {
	switch {
	case m.Metadata.ProjectName != "" && m.Metadata.DbtVersion != "":
		return fmt.Sprintf("%s (dbt %s)", m.Metadata.ProjectName, m.Metadata.DbtVersion)
	case m.Metadata.DbtVersion != "":
		return "dbt " + m.Metadata.DbtVersion
	}
	return ""
}

func convert(name string, n manifestNode, included map[string]bool) (release.Node, error) {
	node := release.Node{Name: name, Kind: n.ResourceType}
	if n.Checksum != nil && n.Checksum.Checksum != "" {
		node.Fingerprint = n.Checksum.Name + ":" + n.Checksum.Checksum
	}
	for _, d := range n.DependsOn.Nodes {
		if included[d] && !slices.Contains(node.DependsOn, d) {
			node.DependsOn = append(node.DependsOn, d)
		}
	}
	keys := make([]string, 0, len(n.Columns))
	for k := range n.Columns {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the manifest's column map has no order of its own
	for _, k := range keys {
		c := n.Columns[k]
		col := release.Column{Name: c.Name}
		if col.Name == "" {
			col.Name = k
		}
		if c.DataType != nil {
			col.Type = *c.DataType
		}
		node.Columns = append(node.Columns, col)
	}
	code := n.RawCode
	if code == nil {
		code = n.RawSQL
	}
	spec := map[string]string{"materialized": n.Config.Materialized}
	if code != nil {
		spec["code"] = *code
	}
	var err error
	if node.Spec, err = json.Marshal(spec); err != nil {
		return node, err
	}
	meta := map[string]any{}
	if n.Description != "" {
		meta["description"] = n.Description
	}
	if len(n.Tags) > 0 {
		meta["tags"] = n.Tags
	}
	if len(n.Meta) > 0 && string(n.Meta) != "{}" && string(n.Meta) != "null" {
		meta["meta"] = n.Meta
	}
	if len(meta) > 0 {
		if node.Metadata, err = json.Marshal(meta); err != nil {
			return node, err
		}
	}
	return node, nil
}
