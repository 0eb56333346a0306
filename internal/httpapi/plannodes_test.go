package httpapi_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
)

// nodesPlan promotes into dev, then plans for dev a release where src breaks
// (a column removed); mid and leaf are rebuilt below it, tweak changes
// without breaking, quiet is untouched and old is removed.
func nodesPlan(t *testing.T, a *api) string {
	t.Helper()
	node := func(name, kind string, cols []map[string]string, deps ...string) map[string]any {
		n := map[string]any{"name": name, "kind": kind, "columns": cols}
		if len(deps) > 0 {
			n["depends_on"] = deps
		}
		return n
	}
	idName := []map[string]string{{"name": "id", "type": "int"}, {"name": "name", "type": "text"}}
	id := []map[string]string{{"name": "id", "type": "int"}}
	a.start("dev", a.releaseJSON(map[string]any{"name": "v1", "nodes": []any{
		node("src", "seed", idName), node("mid", "model", nil, "src"), node("leaf", "view", nil, "mid"),
		node("tweak", "model", nil), node("quiet", "model", nil), node("old", "model", nil)}}), "ci")
	p := a.start("dev", a.releaseJSON(map[string]any{"name": "v2", "nodes": []any{
		node("src", "seed", id), node("mid", "model", nil, "src"), node("leaf", "view", nil, "mid"),
		node("tweak", "model", id), node("quiet", "model", nil)}}), "ci")
	return "/api/promotions/" + p.ID + "/plan"
}

// TestPlanNodeQuestions: ?node= says, for each node, whether it changed, is
// rebuilt and by what, is not affected, or does not exist; ?impact= draws what
// a breaking change reaches.
func TestPlanNodeQuestions(t *testing.T) {
	a := newAPI(t)
	route := nodesPlan(t, a)
	var got wire.PlanNodes
	a.expect(http.StatusOK, "GET", route+"?node=leaf&node=src&node=quiet&node=nope&node=old&node=tweak", "ana", nil, &got)
	want := []wire.PlanNode{
		{Node: "leaf", Kind: "view", Affected: wire.AffectedRebuilt, ImpactedCountExact: true,
			ImpactedBy: []string{"src"}, ImpactedByCount: 1, ImpactedByCountExact: true, Via: []string{"mid"}, ViaCount: 1},
		{Node: "src", Kind: "seed", Affected: wire.AffectedChanged, Category: plan.Breaking, ImpactedCount: 2,
			ImpactedCountExact: true, ImpactedByCountExact: true},
		{Node: "quiet", Kind: "model", Affected: wire.AffectedNot, ImpactedCountExact: true, ImpactedByCountExact: true},
		{Node: "nope", Affected: wire.AffectedMissing, ImpactedCountExact: true, ImpactedByCountExact: true},
		{Node: "old", Kind: "model", Affected: wire.AffectedChanged, Category: plan.Removed, ImpactedCountExact: true, ImpactedByCountExact: true},
		{Node: "tweak", Kind: "model", Affected: wire.AffectedChanged, Category: plan.NonBreaking, ImpactedCountExact: true, ImpactedByCountExact: true},
	}
	if !reflect.DeepEqual(got.Nodes, want) || got.Digest == "" {
		t.Errorf("nodes:\n got %+v\nwant %+v", got.Nodes, want)
	}
	var g wire.ImpactGraph
	a.expect(http.StatusOK, "GET", route+"?impact=src", "ana", nil, &g)
	wantGraph := wire.ImpactGraph{Digest: got.Digest, Root: "src", Reached: 2,
		Nodes: []wire.ImpactNode{{Node: "src", Kind: "seed", Category: plan.Breaking}, {Node: "mid", Kind: "model", Category: plan.Unchanged, Distance: 1},
			{Node: "leaf", Kind: "view", Category: plan.Unchanged, Distance: 2}},
		Edges: [][2]string{{"src", "mid"}, {"mid", "leaf"}}}
	if !reflect.DeepEqual(g, wantGraph) {
		t.Errorf("impact of src:\n got %+v\nwant %+v", g, wantGraph)
	}
	a.expect(http.StatusOK, "GET", route+"?impact=src&limit=2", "ana", nil, &g)
	if g.Reached != 2 || len(g.Nodes) != 2 || len(g.Edges) != 1 {
		t.Errorf("impact of src, 2 drawn: %+v", g)
	}
	a.expectError(400, "invalid", "GET", route+"?node=a&impact=b", "ana", nil, "not both")
	a.expectError(400, "invalid", "GET", route+"?node=a&q=b", "ana", nil, "no list, q")
	a.expectError(400, "invalid", "GET", route+"?impact=a&limit=101", "ana", nil, "limit")
	a.expectError(400, "invalid", "GET", route+"?node=a&limit=3", "ana", nil, "no limit")
	a.expectError(400, "invalid", "GET", route+"?"+strings.Repeat("node=a&", 101), "ana", nil, "more than the 100")
}

// TestReleaseExactNodes: ?node= answers the named nodes of a release, those it
// holds, in the order asked, and leaves out what is too large of a node.
func TestReleaseExactNodes(t *testing.T) {
	a := newAPI(t)
	big := strings.Repeat("select 1;\n", 30_000)
	id := a.releaseJSON(map[string]any{"name": "v1", "nodes": []any{
		map[string]any{"name": "a", "kind": "model", "spec": map[string]string{"sql": "select 1"}},
		map[string]any{"name": "b", "kind": "model", "spec": map[string]string{"sql": big}, "depends_on": []string{"a"}},
		map[string]any{"name": "c", "kind": "seed"}}})
	var v wire.ReleaseView
	a.expect(http.StatusOK, "GET", "/api/releases/"+id+"?node=c&node=nope&node=a&node=b", "ana", nil, &v)
	if v.Matched != 3 || len(v.Nodes) != 3 || v.Nodes[0].Name != "c" || v.Nodes[1].Name != "a" || v.Nodes[2].Name != "b" {
		t.Fatalf("nodes %+v", v.Nodes)
	}
	if string(v.Nodes[1].Spec) != `{"sql":"select 1"}` || v.Nodes[2].Spec != nil || len(v.Nodes[2].DependsOn) != 1 ||
		!reflect.DeepEqual(v.Trimmed, []string{"b"}) {
		t.Errorf("a's spec %s, b's spec %d bytes, b's dependencies %v, trimmed %v", v.Nodes[1].Spec, len(v.Nodes[2].Spec), v.Nodes[2].DependsOn, v.Trimmed)
	}
	a.expectError(400, "invalid", "GET", "/api/releases/"+id+"?"+strings.Repeat("node=a&", 11), "ana", nil, "more than the 10")
	a.expectError(400, "invalid", "GET", "/api/releases/"+id+"?node=a&limit=2", "ana", nil, "no q, offset or limit")
}
