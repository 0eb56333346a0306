package release

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/canonical"
)

const exampleYAML = `
name: v1.4.0
source: {commit: 3f2a9c1, ref: refs/tags/v1.4.0, message: "Add email column", author: ana}
checks:
  - {name: unit-tests, status: passed, url: https://ci.example/run/81}
nodes:
  - name: orders
    kind: model
    depends_on: [customers]
    columns: [{name: id, type: bigint}, {name: email, type: text}]
    spec: {sql: "select 1", materialized: table}
    metadata: {description: "Orders.", owner: data-team, tags: [finance]}
  - name: customers
    kind: seed
    fingerprint: sha256:abc
`

// exampleJSON is exampleYAML's content, laid out differently: other key and node
// order, other white space, a number written another way.
const exampleJSON = `{"nodes": [
  {"kind": "seed", "name": "customers", "fingerprint": "sha256:abc"},
  {"spec": {"materialized": "table", "sql": "select 1"}, "name": "orders", "kind": "model",
   "metadata": {"tags": ["finance"], "owner": "data-team", "description": "Orders."},
   "columns": [{"name": "id", "type": "bigint"}, {"name": "email", "type": "text"}],
   "depends_on": ["customers"]}],
 "checks": [{"name": "unit-tests", "status": "passed", "url": "https://ci.example/run/81"}],
 "source": {"author": "ana", "message": "Add email column", "ref": "refs/tags/v1.4.0", "commit": "3f2a9c1"},
 "name": "v1.4.0"}`

func mustParse(tb testing.TB, file, content string) *Release {
	tb.Helper()
	r, err := Parse(file, []byte(content))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", file, err)
	}
	return r
}

func TestParseSameContentSameID(t *testing.T) {
	fromYAML := mustParse(t, "release.yaml", exampleYAML)
	fromJSON := mustParse(t, "release.json", exampleJSON)
	if a, b := fromYAML.ID(), fromJSON.ID(); a != b {
		t.Fatalf("same content, different ids: YAML %s, JSON %s", a, b)
	}
	if got := []string{fromYAML.Nodes[0].Name, fromYAML.Nodes[1].Name}; got[0] != "customers" || got[1] != "orders" {
		t.Errorf("nodes not sorted by name: %v", got)
	}
	changed := strings.Replace(exampleJSON, "select 1", "select 2", 1)
	if mustParse(t, "release.json", changed).ID() == fromJSON.ID() {
		t.Error("different spec, same id")
	}
}

func TestParseDetectsFormat(t *testing.T) {
	a := mustParse(t, "release", exampleJSON) // no extension, JSON by content
	b := mustParse(t, "release", exampleYAML) // no extension, YAML
	if a.ID() != b.ID() {
		t.Error("content sniffing read the same release differently")
	}
}

// TestIDMatchesCanonicalMarshal guards the hand-written digest writer: it must
// produce exactly the canonical JSON of the release as encoding/json sees it.
func TestIDMatchesCanonicalMarshal(t *testing.T) {
	for _, content := range []string{exampleYAML, "nodes: []", "name: x\nsource: {}\nnodes: [{name: a, kind: k, spec: [1, {b: 2}]}]",
		"nodes: [{name: a, kind: \"<k>\", columns: [{name: c}], spec: \"s\\u0001\"}]"} {
		r := mustParse(t, "r.yaml", content)
		want, err := canonical.MarshalDigest(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.ID(); got != want {
			t.Errorf("ID = %s, canonical.Marshal digest = %s for\n%s", got, want, content)
		}
	}
}

func TestFingerprint(t *testing.T) {
	r := mustParse(t, "r.yaml", exampleYAML)
	if got := r.Nodes[0].Fingerprint; got != "sha256:abc" {
		t.Errorf("given fingerprint replaced: %s", got)
	}
	orders := r.Nodes[1]
	want, err := canonical.MarshalDigest(map[string]any{
		"kind": orders.Kind, "spec": orders.Spec, "depends_on": orders.DependsOn,
		"columns": []Column{{Name: "email", Type: "text"}, {Name: "id", Type: "bigint"}}, // sorted by name
	})
	if err != nil {
		t.Fatal(err)
	}
	if orders.Fingerprint != want {
		t.Errorf("computed fingerprint %s, want digest of {kind, spec, columns, depends_on} %s", orders.Fingerprint, want)
	}
	moved := mustParse(t, "r.yaml", strings.Replace(exampleYAML, "owner: data-team", "owner: finance", 1))
	if moved.Nodes[1].Fingerprint != orders.Fingerprint {
		t.Error("a metadata change altered the computed fingerprint")
	}
}

func TestParseNormalizes(t *testing.T) {
	r := mustParse(t, "r.json", `{"nodes":[{"name":"a","kind":"k","depends_on":["c","b"],"spec":null,"metadata":{"z":1.50,"a":true}},
		{"name":"b","kind":"k"},{"name":"c","kind":"k"}]}`)
	a := r.Nodes[0]
	if strings.Join(a.DependsOn, ",") != "b,c" {
		t.Errorf("depends_on not sorted: %v", a.DependsOn)
	}
	if a.Spec != nil {
		t.Errorf("null spec kept as %s", a.Spec)
	}
	if string(a.Metadata) != `{"a":true,"z":1.5}` {
		t.Errorf("metadata not canonical: %s", a.Metadata)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    []string // every string must appear in the error
	}{
		{"duplicate names", "r.yaml", "nodes: [{name: a, kind: k}, {name: a, kind: k}]",
			[]string{"r.yaml:1", `node "a" (nodes[1])`, "name", "duplicate name: nodes[0]"}},
		{"unknown depends_on", "r.yaml", "nodes:\n  - {name: a, kind: k}\n  - {name: b, kind: k, depends_on: [a, zz]}",
			[]string{"r.yaml:3", `"b" (nodes[1])`, "depends_on", `unknown node "zz"`}},
		{"cycle named", "r.yaml", "nodes: [{name: a, kind: k, depends_on: [b]}, {name: b, kind: k, depends_on: [c]}, {name: c, kind: k, depends_on: [a]}]",
			[]string{"depends_on", "dependency cycle: a -> b -> c -> a"}},
		{"self dependency", "r.yaml", "nodes: [{name: a, kind: k, depends_on: [a]}]",
			[]string{"dependency cycle: a -> a"}},
		{"invalid name with space", "r.yaml", "nodes: [{name: my model, kind: k}]",
			[]string{`"my model" is not a valid name`}},
		{"HTML in a name", "r.json", `{"nodes":[{"name":"<script>alert(1)</script>","kind":"k"}]}`,
			[]string{"r.json", "nodes[0]", "name", `"<script>alert(1)</script>" is not a valid name`}},
		{"name too long", "r.yaml", "nodes: [{name: " + strings.Repeat("x", 201) + ", kind: k}]",
			[]string{"is not a valid name", "1 to 200 characters"}},
		{"missing name", "r.yaml", "nodes: [{kind: k}]", []string{"nodes[0]", "name: is required"}},
		{"missing kind", "r.yaml", "nodes: [{name: a}]", []string{`"a" (nodes[0])`, "kind: is required"}},
		{"missing nodes", "r.yaml", "name: v1", []string{"r.yaml", "nodes: is required"}},
		{"null nodes", "r.json", `{"nodes": null}`, []string{"nodes: is required"}},
		{"unknown top-level key", "r.yaml", "nodez: []", []string{"r.yaml", "nodez: unknown field"}},
		{"unknown node field", "r.yaml", "nodes:\n  - name: a\n    kind: k\n    depend_on: [b]",
			[]string{"r.yaml:2", `"a" (nodes[0])`, "depend_on: unknown field"}},
		{"unknown node field JSON has a line", "r.json", "{\"nodes\": [\n{\"name\": \"a\", \"kind\": \"k\"},\n{\"name\": \"b\", \"kind\": \"k\", \"colour\": 1}]}",
			[]string{"r.json:3", `"b" (nodes[1])`, "colour: unknown field"}},
		{"wrong type", "r.yaml", "nodes: [{name: a, kind: k, columns: id}]",
			[]string{`"a" (nodes[0])`, "columns", "expected a list, found a string"}},
		{"wrong type in column", "r.yaml", "nodes: [{name: a, kind: k, columns: [{name: 1}]}]",
			[]string{`"a" (nodes[0])`, "columns[0].name", "expected a string, found a number"}},
		{"wrong type in third column", "r.json", `{"nodes":[{"name":"a","kind":"k","columns":[{"name":"x"},{"name":"y"},{"name":"z","type":[]}]}]}`,
			[]string{`"a" (nodes[0])`, "columns[2].type", "expected a string, found a list"}},
		{"repeated node key", "r.json", `{"nodes":[{"name":"a","kind":"k","kind":"j"}]}`,
			[]string{`"a" (nodes[0])`, "kind: appears twice"}},
		{"repeated top-level key", "r.json", `{"nodes":[],"nodes":[]}`, []string{"nodes: appears twice"}},
		{"escaped key is still known", "r.json", `{"nodes":[{"n\u0061me":"a","kind":"k","spec":1}],"name":"v\u00e9"}`, nil},
		{"unknown source field", "r.yaml", "source: {sha: x}\nnodes: []", []string{"source.sha: unknown field"}},
		{"unknown check field", "r.yaml", "checks: [{name: a, status: passed}, {name: b, status: passed, link: x}]\nnodes: []",
			[]string{"checks[1].link: unknown field"}},
		{"unknown column field", "r.yaml", "nodes: [{name: a, kind: k, columns: [{name: c, nullable: true}]}]",
			[]string{`"a" (nodes[0])`, "columns[0].nullable: unknown field"}},
		{"dependency not a string", "r.yaml", "nodes: [{name: a, kind: k, depends_on: [b, 3]}, {name: b, kind: k}]",
			[]string{"depends_on[1]: expected a string, found a number"}},
		{"bad JSON in spec", "r.json", "{\"nodes\":[\n{\"name\":\"a\",\"kind\":\"k\",\"spec\":{\"x\":01}}]}",
			[]string{"r.json:2", `"a" (nodes[0])`, "spec: invalid JSON", "bad number"}},
		{"invalid JSON", "r.json", "{\"nodes\": [\n{\"name\": \"a\",}]}", []string{"r.json:2", "invalid JSON"}},
		{"invalid YAML", "r.yaml", "nodes: [\n  {name: a", []string{"r.yaml", "invalid YAML"}},
		{"trailing data", "r.json", `{"nodes": []} {}`, []string{"unexpected data after the release"}},
		{"two YAML documents", "r.yaml", "nodes: []\n---\nnodes: []", []string{"r.yaml:2", "more than one YAML document"}},
		{"empty YAML", "r.yaml", "", []string{"empty file"}},
		{"not an object", "r.yaml", "- a\n- b", []string{"expected an object"}},
		{"duplicate column", "r.yaml", "nodes: [{name: a, kind: k, columns: [{name: id}, {name: id}]}]",
			[]string{`"a" (nodes[0])`, "columns[1].name", `duplicate column "id"`}},
		{"column without name", "r.yaml", "nodes: [{name: a, kind: k, columns: [{type: int}]}]",
			[]string{"columns[0].name: is required"}},
		{"repeated dependency", "r.yaml", "nodes: [{name: a, kind: k, depends_on: [b, b]}, {name: b, kind: k}]",
			[]string{"depends_on", `lists "b" twice`}},
		{"metadata not an object", "r.yaml", "nodes: [{name: a, kind: k, metadata: [x]}]",
			[]string{"metadata: must be an object"}},
		{"duplicate key in spec", "r.json", `{"nodes": [{"name": "a", "kind": "k", "spec": {"x": 1, "x": 2}}]}`,
			[]string{`"a" (nodes[0])`, "spec", `duplicate object key "x"`}},
		{"bad check status", "r.yaml", "checks: [{name: t, status: ok}]\nnodes: []",
			[]string{"checks[0].status", `"ok" is not a check status`}},
		{"check without name", "r.yaml", "checks: [{status: passed}]\nnodes: []", []string{"checks[0].name: is required"}},
		{"alias bomb", "r.yaml", aliasBomb(), []string{"r.yaml", "expands to more than"}},
		{"merge keys", "r.yaml", "base: &b {kind: k}\nnodes: [{<<: *b, name: a}]", []string{"merge keys"}},
		{"infinite float", "r.yaml", "nodes: [{name: a, kind: k, spec: {x: .inf}}]", []string{"no JSON form"}},
		{"many problems counted", "r.yaml", "nodes: [{name: a}, {name: b}, {name: c}]",
			[]string{"kind: is required", "(and 2 more problems)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, []byte(tt.content))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse refused valid input: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.content)
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Errorf("error is %T, want *release.Error", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

// aliasBomb is a billion-laughs YAML document: a few hundred bytes that would
// expand to gigabytes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("nodes: []\n")
	return b.String()
}

func TestParseRejectsHugeFile(t *testing.T) {
	huge := make([]byte, MaxFileSize+1) // untouched zero pages: cheap
	_, err := ParseJSON("huge.json", huge)
	if err == nil || !strings.Contains(err.Error(), "huge.json") || !strings.Contains(err.Error(), "more than the limit") {
		t.Fatalf("error = %v, want the file named and the limit", err)
	}
}

func TestValidateRejectsTooManyNodes(t *testing.T) {
	r := &Release{Nodes: make([]Node, MaxNodes+1)}
	err := Validate("big.json", r, nil)
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 1000000") {
		t.Fatalf("error = %v, want the node limit", err)
	}
}

func TestLongChainHasNoCycle(t *testing.T) {
	const n = 200_000 // deep enough to overflow a recursive walk's goroutine stack budget
	r := &Release{Nodes: make([]Node, n)}
	for i := range r.Nodes {
		r.Nodes[i] = Node{Name: "n" + itoa(i), Kind: "k"}
		if i > 0 {
			r.Nodes[i].DependsOn = []string{"n" + itoa(i-1)}
		}
	}
	if err := Validate("chain", r, nil); err != nil {
		t.Fatal(err)
	}
	r.Nodes[0].DependsOn = []string{"n" + itoa(n-1)}
	err := Validate("ring", r, nil)
	if err == nil || !strings.Contains(err.Error(), "dependency cycle") || !strings.Contains(err.Error(), "more ...") {
		t.Fatalf("a ring of %d nodes: error = %v", n, err)
	}
	if len(err.Error()) > 1000 {
		t.Errorf("cycle message is %d bytes; a long cycle should be elided", len(err.Error()))
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestCanonicalIsWhatTheIDDigests(t *testing.T) {
	r := mustParse(t, "r.yaml", exampleYAML)
	b := Canonical(r)
	if got := canonical.Digest(b); got != r.ID() {
		t.Fatalf("digest of Canonical %s, id %s", got, r.ID())
	}
	again, err := ParseJSON("again.json", b)
	if err != nil || again.ID() != r.ID() {
		t.Fatalf("canonical form reads back as %v, %v", again, err)
	}
}
