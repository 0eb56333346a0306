// Package release is Ferry's model of what gets promoted: an immutable set of named
// nodes, identified by the digest of its canonical JSON.
//
// The native file format is JSON or YAML (README.md shows it). Parse reads it strictly:
// unknown keys, duplicate node names, unknown or repeated depends_on entries,
// dependency cycles, invalid names and missing required fields are errors that name
// the file, the node and the field.
//
// Decisions recorded here:
//   - Limits: a release file may be at most MaxFileSize bytes and hold at most
//     MaxNodes nodes; a node at most MaxColumns columns and MaxDependsOn
//     dependencies; names at most 200 characters from [A-Za-z0-9_.:/-].
//   - spec may be any JSON value; metadata, when present, must be an object. Both are
//     kept as canonical JSON (package canonical), so comparing them is comparing bytes.
//     A null spec or metadata is the same as none.
//   - depends_on is a set: it is kept sorted. Column order is kept as written.
//   - A node without a fingerprint gets sha256 of canonical {kind, spec, columns,
//     depends_on}, columns sorted by name (their order is not a change). The release
//     id is sha256 of the canonical JSON of the whole normalized release (nodes
//     sorted by name, fingerprints filled in), so the same content always has the
//     same id whatever the file's layout.
//   - JSON is read by a strict single-pass decoder (decode.go), YAML node by node
//     where the layout allows (yaml.go), so that 100,000-node releases read fast.
//   - Check statuses are passed, failed, pending or skipped.
package release

import "encoding/json"

// Limits on what Parse accepts.
const (
	// MaxFileSize is the largest release file, in bytes.
	MaxFileSize = 256 << 20
	// MaxNodes is the most nodes a release may hold.
	MaxNodes = 1_000_000
	// MaxColumns is the most columns one node may declare.
	MaxColumns = 10_000
	// MaxDependsOn is the most dependencies one node may declare.
	MaxDependsOn = 10_000
	// MaxNameLength is the longest node name.
	MaxNameLength = 200
)

// Release is an immutable set of nodes with where it came from and what CI said of it.
type Release struct {
	// Name is an optional human label, such as a version tag.
	Name string `json:"name,omitempty"`
	// Source says which commit the release was built from.
	Source *Source `json:"source,omitempty"`
	// Checks are the results CI attached: tests, visual diff reports and so on.
	Checks []Check `json:"checks,omitempty"`
	// Nodes are the things being promoted, sorted by name once parsed.
	Nodes []Node `json:"nodes"`

	id string // recorded by Validate
}

// Source describes the commit a release was built from.
type Source struct {
	Commit  string `json:"commit,omitempty"`
	Ref     string `json:"ref,omitempty"`
	Message string `json:"message,omitempty"`
	Author  string `json:"author,omitempty"`
}

// Check is one CI result attached to a release.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	URL    string      `json:"url,omitempty"`
}

// CheckStatus is the outcome of a check.
type CheckStatus string

// Check statuses.
const (
	// CheckPassed means the check ran and succeeded.
	CheckPassed CheckStatus = "passed"
	// CheckFailed means the check ran and failed.
	CheckFailed CheckStatus = "failed"
	// CheckPending means the check has not finished.
	CheckPending CheckStatus = "pending"
	// CheckSkipped means the check did not run.
	CheckSkipped CheckStatus = "skipped"
)

func (s CheckStatus) valid() bool {
	switch s {
	case CheckPassed, CheckFailed, CheckPending, CheckSkipped:
		return true
	}
	return false
}

// Node is one thing being promoted: a dbt model, a config file, a service, a job.
type Node struct {
	// Name is unique within the release.
	Name string `json:"name"`
	// Kind is free text such as "model" or "seed".
	Kind string `json:"kind"`
	// Fingerprint identifies the node's content; computed when the file has none.
	Fingerprint string `json:"fingerprint,omitempty"`
	// DependsOn names other nodes of the same release, sorted.
	DependsOn []string `json:"depends_on,omitempty"`
	// Columns are the node's output columns, in the order written.
	Columns []Column `json:"columns,omitempty"`
	// Spec is the node's content as canonical JSON, or nil.
	Spec json.RawMessage `json:"spec,omitempty"`
	// Metadata is a canonical JSON object (description, owner, tags...), or nil.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Column is a named, typed output column. Type is compared as written; empty means unknown.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// nameByte marks the bytes a node name may hold: A-Z a-z 0-9 _ . : / -
var nameByte = func() (t [256]bool) {
	for _, b := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/-") {
		t[b] = true
	}
	return t
}()

// ValidName reports whether s is a valid node name.
func ValidName(s string) bool {
	if len(s) < 1 || len(s) > MaxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte[s[i]] {
			return false
		}
	}
	return true
}

// Label returns the release's name, or a short form of id when it has none.
func (r *Release) Label(id string) string {
	if r.Name != "" {
		return r.Name
	}
	if len(id) > len("sha256:")+12 {
		return id[:len("sha256:")+12]
	}
	return id
}
