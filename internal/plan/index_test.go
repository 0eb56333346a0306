package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/ferrydev/ferry/internal/release"
)

func TestIndexFindsEntries(t *testing.T) {
	node := func(name, kind string, deps ...string) release.Node {
		return release.Node{Name: name, Kind: kind, DependsOn: deps}
	}
	base := rel(t, node("a", "k"), node("b", "k", "a"), node("c", "k", "b"), node("gone", "k"), node("quiet", "k"))
	cand := rel(t, node("a", "changed"), node("b", "k", "a"), node("c", "k", "b"), node("new", "k"), node("quiet", "k"))
	x := NewIndex(compute(t, base, cand))
	if c, ok := x.Change("a"); !ok || c.Category != Breaking {
		t.Errorf("a: %+v %v, want its breaking change", c, ok)
	}
	if c, ok := x.Change("gone"); !ok || c.Category != Removed {
		t.Errorf("gone: %+v %v, want its removal", c, ok)
	}
	if u, ok := x.Indirect("c"); !ok || !slices.Equal(u.ImpactedBy, []string{"a"}) || !slices.Equal(u.Via, []string{"b"}) {
		t.Errorf("c: %+v %v, want rebuilt, impacted by a via b", u, ok)
	}
	for _, n := range []string{"quiet", "missing"} {
		if _, ok := x.Change(n); ok {
			t.Errorf("%s has a change", n)
		}
	}
	if _, ok := x.Indirect("quiet"); ok {
		t.Error("quiet, which nothing reaches, is among the rebuilt")
	}
}

func TestReach(t *testing.T) {
	node := func(name, kind string, deps ...string) release.Node {
		return release.Node{Name: name, Kind: kind, DependsOn: deps}
	}
	// a breaks; b and c depend on it, d on both, e on d; f is unrelated.
	base := rel(t, node("a", "k"), node("b", "k", "a"), node("c", "k", "a"), node("d", "k", "b", "c"), node("e", "k", "d"), node("f", "k"))
	cand := rel(t, node("a", "changed"), node("b", "k", "a"), node("c", "seed", "a"), node("d", "k", "b", "c"), node("e", "k", "d"), node("f", "k"))
	x := NewIndex(compute(t, base, cand))
	r := x.Reach("a", 10)
	want := Reach{Root: "a", Reached: 4, Nodes: []ReachNode{
		{Node: "a", Kind: "changed", Category: Breaking, Distance: 0},
		{Node: "b", Kind: "k", Category: Unchanged, Distance: 1},
		{Node: "c", Kind: "seed", Category: Breaking, Distance: 1},
		{Node: "d", Kind: "k", Category: Unchanged, Distance: 2},
		{Node: "e", Kind: "k", Category: Unchanged, Distance: 3},
	}, Edges: []Edge{{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}, {"d", "e"}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("reach of a:\n got %+v\nwant %+v", r, want)
	}
	small := x.Reach("a", 3)
	if small.Reached != 4 || len(small.Nodes) != 3 || !reflect.DeepEqual(small.Edges, []Edge{{"a", "b"}, {"a", "c"}}) {
		t.Errorf("reach of a, 3 drawn: %+v", small)
	}
	if f := x.Reach("f", 10); f.Reached != 0 || len(f.Nodes) != 1 || len(f.Edges) != 0 {
		t.Errorf("f reaches nothing: %+v", f)
	}
}

// TestReachCountsImpact: on random graphs, what a breaking node reaches is
// what the plan counts it impacts, and every drawn node but the root has a
// drawn edge into it from a nearer node.
func TestReachCountsImpact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 14))
	name := func(i int) string { return fmt.Sprintf("n%03d", i) }
	for round := range 30 {
		n := 40 + rng.IntN(80)
		var base, cand []release.Node
		for i := range n {
			var deps []string
			for j := range i {
				if rng.IntN(n) < 3 {
					deps = append(deps, name(j))
				}
			}
			kind := "k"
			base = append(base, release.Node{Name: name(i), Kind: kind, DependsOn: deps})
			if rng.IntN(10) == 0 {
				kind = "changed"
			}
			cand = append(cand, release.Node{Name: name(i), Kind: kind, DependsOn: deps})
		}
		p := compute(t, rel(t, base...), rel(t, cand...))
		x := NewIndex(p)
		for _, c := range p.Changes {
			if c.Category != Breaking || !c.ImpactedCountExact {
				continue
			}
			limit := 1 + rng.IntN(12)
			r := x.Reach(c.Node, limit)
			if r.Reached != c.ImpactedCount || len(r.Nodes) != min(limit, c.ImpactedCount+1) {
				t.Fatalf("round %d, %s: reached %d, drew %d (limit %d); the plan counts %d", round, c.Node, r.Reached, len(r.Nodes), limit, c.ImpactedCount)
			}
			distance := map[string]int{}
			for _, v := range r.Nodes {
				distance[v.Node] = v.Distance
			}
			for _, v := range r.Nodes[1:] {
				if !slices.ContainsFunc(r.Edges, func(e Edge) bool { return e.To == v.Node && distance[e.From] == v.Distance-1 }) {
					t.Fatalf("round %d, %s: %s is drawn without the edge it is reached by", round, c.Node, v.Node)
				}
			}
		}
	}
}
