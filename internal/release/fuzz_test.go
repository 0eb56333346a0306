package release

import (
	"encoding/json"
	"testing"
)

// FuzzParse feeds the native parser arbitrary JSON and YAML. It must never panic,
// and whatever it accepts must keep its id when written out and read back.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		exampleYAML, exampleJSON, "nodes: []", `{"nodes":[{"name":"a","kind":"k","depends_on":["a"]}]}`,
		"nodes:\n- name: a\n  kind: k\n  spec: {x: [1, 2.5, null, true]}\n", aliasBomb(),
		`{"nodes":[{"name":"a","kind":"k","spec":{"b":1,"a":"\u00e9"}}],"checks":[{"name":"t","status":"passed"}]}`,
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, content string, asYAML bool) {
		file := "fuzz.json"
		if asYAML {
			file = "fuzz.yaml"
		}
		r, err := Parse(file, []byte(content))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("accepted release does not marshal: %v", err)
		}
		again, err := ParseJSON("again.json", out)
		if err != nil {
			t.Fatalf("accepted release, written out, is refused: %v\n%s", err, out)
		}
		if again.ID() != r.ID() {
			t.Fatalf("id changed on a round trip: %s then %s\n%s", r.ID(), again.ID(), out)
		}
	})
}
