package planfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/golden"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/synth"
)

func load(tb testing.TB, path string) *release.Release {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := release.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func examplePlan(tb testing.TB) *plan.Plan {
	tb.Helper()
	p, err := plan.Compute(plan.Input{Target: "prod", BaseVersion: 12,
		Base: load(tb, "../../examples/v1.yaml"), Candidate: load(tb, "../../examples/v2.yaml")})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func render(tb testing.TB, f Format, p *plan.Plan, opts Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, p, opts); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	p := examplePlan(t)
	same, err := plan.Compute(plan.Input{Base: load(t, "../../examples/v1.yaml"), Candidate: load(t, "../../examples/v1.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Base: "v1.3.0", Candidate: "v1.4.0"}
	color := opts
	color.Color = true
	tests := []struct {
		file   string
		format Format
		plan   *plan.Plan
		opts   Options
	}{
		{"example.txt", Text, p, opts},
		{"example.color.txt", Text, p, color},
		{"example.json", JSON, p, opts},
		{"example.md", Markdown, p, opts},
		{"nochanges.txt", Text, same, opts},
		{"nochanges.md", Markdown, same, opts},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden.Assert(t, filepath.Join("testdata", tt.file), render(t, tt.format, tt.plan, tt.opts))
		})
	}
}

func TestTextHasNoColorUnlessAsked(t *testing.T) {
	out := render(t, Text, examplePlan(t), Options{})
	if bytes.Contains(out, []byte("\x1b[")) {
		t.Error("plain text output contains ANSI escapes")
	}
}

// TestJSONContract checks the fields docs/plan-contract.md promises scripts.
func TestJSONContract(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal(render(t, JSON, examplePlan(t), Options{}), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target", "base_version", "digest", "summary", "changes"} {
		if _, ok := got[k]; !ok {
			t.Errorf("plan JSON lacks %q", k)
		}
	}
	summary, _ := got["summary"].(map[string]any)
	for _, k := range []string{"added", "removed", "breaking", "non_breaking", "metadata", "unchanged", "indirect"} {
		if _, ok := summary[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	upstream := []string{"impacted_by", "impacted_by_count", "impacted_by_count_exact", "via"}
	changes, _ := got["changes"].([]any)
	first, _ := changes[0].(map[string]any)
	for _, k := range append([]string{"node", "kind", "category", "details", "impacted", "impacted_count", "impacted_count_exact"}, upstream...) {
		if _, ok := first[k]; !ok {
			t.Errorf("a change lacks %q", k)
		}
	}
	indirect, _ := got["indirect"].([]any)
	if len(indirect) == 0 {
		t.Fatal("the example has no indirect nodes")
	}
	entry, _ := indirect[0].(map[string]any)
	for _, k := range append([]string{"node", "kind"}, upstream...) {
		if _, ok := entry[k]; !ok {
			t.Errorf("an indirect entry lacks %q", k)
		}
	}
}

// TestLowerBoundsSayAndMore renders a chain whose every node is BREAKING, where
// most counts are lower bounds: the text says "at least" and "and more", never a
// number of names left out that the plan does not know.
func TestLowerBoundsSayAndMore(t *testing.T) {
	base, cand, err := synth.AllBreaking(synth.Chain, 5000)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(t, Text, p, Options{}))
	for _, want := range []string{
		"impacts 4999 downstream: n000001, n000002, n000003, n000004, n000005, n000006, n000007, n000008, n000009, n000010 and 4989 more\n",
		"  ! n004000 view\n      kind changed: model → view\n      impacts at least 21 downstream: n004001, n004002, n004003, n004004, n004005, n004006, n004007, n004008, n004009, n004010 and more\n" +
			"      impacted by at least 21 breaking: n000000, n000001, n000002, n000003, n000004, n000005, n000006, n000007, n000008, n000009 and more (via n003999)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

func TestMarkdownEscapesFreeText(t *testing.T) {
	base := &release.Release{Nodes: []release.Node{{Name: "a", Kind: "model", Columns: []release.Column{{Name: "c", Type: "int"}}}}}
	cand := &release.Release{Nodes: []release.Node{{Name: "a", Kind: "<img src=x onerror=alert(1)>|*x*",
		Columns: []release.Column{{Name: "c`|", Type: "<script>alert(1)</script>"}}}}}
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate("t", r, nil); err != nil {
			t.Fatal(err)
		}
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(t, Markdown, p, Options{Base: "<b>old</b>", Candidate: "new"}))
	for _, bad := range []string{"<img", "<script", "<b>", "|*x*"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains unescaped %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;\\|\\*x\\*") {
		t.Errorf("escaped kind missing:\n%s", out)
	}
}

func TestMarkdownCollapsesAndCapsLongLists(t *testing.T) {
	var old, cur []release.Node
	for i := 0; i < MaxRows+20; i++ {
		name := fmt.Sprintf("n%03d", i)
		old = append(old, release.Node{Name: name, Kind: "k", Spec: json.RawMessage(`{"v":1}`)})
		cur = append(cur, release.Node{Name: name, Kind: "k", Spec: json.RawMessage(`{"v":2}`)})
	}
	base, cand := &release.Release{Nodes: old}, &release.Release{Nodes: cur}
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate("t", r, nil); err != nil {
			t.Fatal(err)
		}
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(t, Markdown, p, Options{}))
	if !strings.Contains(out, "<details><summary><strong>Non-breaking (120)</strong></summary>") {
		t.Errorf("long category not collapsed:\n%s", out[:300])
	}
	if got := strings.Count(out, "| `n"); got != MaxRows {
		t.Errorf("%d rows, want %d", got, MaxRows)
	}
	if !strings.Contains(out, "and 20 more") {
		t.Error("no note of the rows left out")
	}
}

// TestMarkdownCapsIndirect checks the indirect nodes' table shows at most MaxRows
// rows and says how many it left out.
func TestMarkdownCapsIndirect(t *testing.T) {
	var old, cur []release.Node
	for i := 0; i < MaxRows+51; i++ {
		n := release.Node{Name: fmt.Sprintf("n%03d", i), Kind: "k"}
		if i > 0 {
			n.DependsOn = []string{"n000"}
		}
		old = append(old, n)
		if i == 0 {
			n.Kind = "changed"
		}
		cur = append(cur, n)
	}
	base, cand := &release.Release{Nodes: old}, &release.Release{Nodes: cur}
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate("t", r, nil); err != nil {
			t.Fatal(err)
		}
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(t, Markdown, p, Options{}))
	if got := strings.Count(out, "| impacted by 1 breaking: `n000` (via `n000`) |"); got != MaxRows {
		t.Errorf("%d indirect rows, want %d", got, MaxRows)
	}
	if !strings.Contains(out, "Unchanged but rebuilt downstream of breaking changes (150)") || !strings.Contains(out, "… and 50 more") {
		t.Errorf("indirect heading or note of the rows left out missing:\n%s", out)
	}
}

// TestJSONIsTheEncodersIndentedJSON checks the JSON written one element at a time
// has the bytes of encoding/json's indented form (no HTML escaping), for a plan
// with no changes, the example, and a chain with indirect nodes and text that
// needs escaping.
func TestJSONIsTheEncodersIndentedJSON(t *testing.T) {
	same, err := plan.Compute(plan.Input{Base: load(t, "../../examples/v1.yaml"), Candidate: load(t, "../../examples/v1.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var old, cur []release.Node
	for i := range 50 {
		n := release.Node{Name: fmt.Sprintf("n%02d", i), Kind: "<k>&\u2028é"}
		if i > 0 {
			n.DependsOn = []string{old[i-1].Name}
		}
		old = append(old, n)
		if i%7 == 0 {
			n.Kind = "k\"changed\n"
		}
		cur = append(cur, n)
	}
	base, cand := &release.Release{Nodes: old}, &release.Release{Nodes: cur}
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate("t", r, nil); err != nil {
			t.Fatal(err)
		}
	}
	chain, err := plan.Compute(plan.Input{Target: "prod", Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*plan.Plan{same, examplePlan(t), chain} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		if got := render(t, JSON, p, Options{}); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("JSON differs from encoding/json's:\n--- got ---\n%s\n--- want ---\n%s", got, want.Bytes())
		}
	}
}
