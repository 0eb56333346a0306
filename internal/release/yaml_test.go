package release

import (
	"strings"
	"testing"
)

// TestYAMLByNodeMatchesWhole reads documents both ways, node by node and whole, and
// checks they give the same JSON, or that the node-by-node reader stands aside.
func TestYAMLByNodeMatchesWhole(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		byNode bool // whether the node-by-node reader takes it
		valid  bool // whether it is a valid release
	}{
		{"plain", "name: v1\nnodes:\n  - name: a\n    kind: k\n  - name: b\n    kind: k\n", true, true},
		{"items at column 0", "nodes:\n- name: a\n  kind: k\n- {name: b, kind: k}\nname: after\n", true, true},
		{"keys after nodes", "nodes:\n  - {name: a, kind: k}\nchecks:\n  - {name: t, status: passed}\nsource: {commit: abc}\n", true, true},
		{"comments and blank lines", "# header\nnodes: # the nodes\n\n  # first\n  - name: a\n    kind: k\n# between\n\n  - name: b # trailing\n    kind: k\n", true, true},
		{"block scalar with dashes", "nodes:\n  - name: a\n    kind: k\n    spec:\n      sql: |\n        select 1\n        - not an item\n  - {name: b, kind: k}\n", true, true},
		{"anchor within an item", "nodes:\n  - name: a\n    kind: &k model\n    spec: {kind: *k}\n", true, true},
		{"anchor across items", "nodes:\n  - name: a\n    kind: &k model\n  - name: b\n    kind: *k\n", false, true},
		{"anchor in the header (an unknown key)", "x-kind: &k model\nnodes:\n  - {name: a, kind: *k}\n", false, false},
		{"flow nodes", "nodes: [{name: a, kind: k}]\n", false, true},
		{"explicit document start", "---\nnodes:\n  - {name: a, kind: k}\n", false, true},
		{"nodes left empty is null", "nodes:\nname: x\n", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, ok := yamlByNode("r.yaml", []byte(tt.yaml))
			if ok != tt.byNode {
				t.Fatalf("yamlByNode took it: %v, want %v", ok, tt.byNode)
			}
			whole, err := yamlWhole("r.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				a, errA := decode(doc)
				b, errB := decode(whole)
				if errA != nil || errB != nil {
					t.Fatalf("decode: by node %v, whole %v", errA, errB)
				}
				if a.ID() != b.ID() {
					t.Errorf("node by node and whole differ:\n%s\n%s", doc.json, whole.json)
				}
			}
			if _, err := ParseYAML("r.yaml", []byte(tt.yaml)); (err == nil) != tt.valid {
				t.Errorf("ParseYAML error %v, want valid=%v", err, tt.valid)
			}
		})
	}
}

func TestYAMLByNodeKeepsLines(t *testing.T) {
	content := "name: v1\nnodes:\n  - name: a\n    kind: k\n\n  - name: b\n    kind: k\n    depends_on: [ghost]\n"
	_, err := ParseYAML("r.yaml", []byte(content))
	if err == nil || !strings.Contains(err.Error(), `r.yaml:6: node "b" (nodes[1]): depends_on: unknown node "ghost"`) {
		t.Fatalf("error %v, want line 6 of node b", err)
	}
}
