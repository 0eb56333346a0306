package plan

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/ferrydev/ferry/internal/canonical"
	"github.com/ferrydev/ferry/internal/release"
)

// rel builds a validated release from nodes.
func rel(tb testing.TB, nodes ...release.Node) *release.Release {
	tb.Helper()
	r := &release.Release{Nodes: slices.Clone(nodes)}
	for i := range r.Nodes {
		r.Nodes[i].DependsOn = slices.Clone(r.Nodes[i].DependsOn)
	}
	if err := release.Validate("test", r, nil); err != nil {
		tb.Fatal(err)
	}
	return r
}

func cols(pairs ...string) []release.Column {
	var out []release.Column
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, release.Column{Name: pairs[i], Type: pairs[i+1]})
	}
	return out
}

func compute(tb testing.TB, base, cand *release.Release) *Plan {
	tb.Helper()
	p, err := Compute(Input{Target: "prod", BaseVersion: 7, Base: base, Candidate: cand})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func change(p *Plan, node string) (Change, bool) {
	for _, c := range p.Changes {
		if c.Node == node {
			return c, true
		}
	}
	return Change{}, false
}

func TestCategories(t *testing.T) {
	model := release.Node{Name: "m", Kind: "model", Columns: cols("id", "bigint", "email", "text"),
		Spec: []byte(`{"sql":"select 1","materialized":"table"}`), Metadata: []byte(`{"owner":"a","tags":["x"]}`)}
	with := func(f func(n *release.Node)) release.Node {
		n := model
		n.Columns = slices.Clone(model.Columns)
		f(&n)
		return n
	}
	other := release.Node{Name: "other", Kind: "seed"}
	tests := []struct {
		name    string
		old     release.Node
		cur     release.Node
		want    Category
		details Details
	}{
		{"identical", model, model, Unchanged, Details{}},
		{"columns reordered", model, with(func(n *release.Node) { n.Columns = cols("email", "text", "id", "bigint") }), Unchanged, Details{}},
		{"renamed column is removed plus added", model, with(func(n *release.Node) { n.Columns = cols("id", "bigint", "mail", "text") }),
			Breaking, Details{ColumnsAdded: cols("mail", "text"), ColumnsRemoved: cols("email", "text"), FingerprintChanged: true}},
		{"column type change", model, with(func(n *release.Node) { n.Columns[0].Type = "int" }),
			Breaking, Details{ColumnsRetyped: []Retype{{Name: "id", From: "bigint", To: "int"}}, FingerprintChanged: true}},
		{"type from unknown to known is a change", with(func(n *release.Node) { n.Columns[0].Type = "" }), model,
			Breaking, Details{ColumnsRetyped: []Retype{{Name: "id", From: "", To: "bigint"}}, FingerprintChanged: true}},
		{"column removed", model, with(func(n *release.Node) { n.Columns = n.Columns[:1] }),
			Breaking, Details{ColumnsRemoved: cols("email", "text"), FingerprintChanged: true}},
		{"kind change", model, with(func(n *release.Node) { n.Kind = "snapshot" }),
			Breaking, Details{KindChanged: &KindChange{From: "model", To: "snapshot"}, FingerprintChanged: true}},
		{"kind change wins over other changes", model, with(func(n *release.Node) { n.Kind = "seed"; n.Columns = append(n.Columns, cols("x", "int")...) }),
			Breaking, Details{KindChanged: &KindChange{From: "model", To: "seed"}, ColumnsAdded: cols("x", "int"), FingerprintChanged: true}},
		{"column added only", model, with(func(n *release.Node) { n.Columns = append(n.Columns, cols("created_at", "timestamp")...) }),
			NonBreaking, Details{ColumnsAdded: cols("created_at", "timestamp"), FingerprintChanged: true}},
		{"spec key changed", model, with(func(n *release.Node) { n.Spec = []byte(`{"sql":"select 2","materialized":"table"}`) }),
			NonBreaking, Details{SpecChanged: true, SpecKeysChanged: []string{"sql"}, FingerprintChanged: true}},
		{"spec key added and removed", model, with(func(n *release.Node) { n.Spec = []byte(`{"sql":"select 1","grain":"day"}`) }),
			NonBreaking, Details{SpecChanged: true, SpecKeysChanged: []string{"grain", "materialized"}, FingerprintChanged: true}},
		{"spec not an object", with(func(n *release.Node) { n.Spec = []byte(`[1]`) }), with(func(n *release.Node) { n.Spec = []byte(`[2]`) }),
			NonBreaking, Details{SpecChanged: true, FingerprintChanged: true}},
		{"fingerprint only", with(func(n *release.Node) { n.Fingerprint = "sha256:1" }), with(func(n *release.Node) { n.Fingerprint = "sha256:2" }),
			NonBreaking, Details{FingerprintChanged: true}},
		{"same fingerprint, different spec", with(func(n *release.Node) { n.Fingerprint = "sha256:1" }),
			with(func(n *release.Node) { n.Fingerprint = "sha256:1"; n.Spec = []byte(`{"sql":"x"}`) }),
			NonBreaking, Details{SpecChanged: true, SpecKeysChanged: []string{"materialized", "sql"}}},
		{"dependency added", model, with(func(n *release.Node) { n.DependsOn = []string{"other"} }),
			NonBreaking, Details{DependsOnAdded: []string{"other"}, FingerprintChanged: true}},
		{"metadata only", model, with(func(n *release.Node) { n.Metadata = []byte(`{"owner":"b","tags":["x"]}`) }),
			Metadata, Details{MetadataKeysChanged: []string{"owner"}}},
		{"metadata added", with(func(n *release.Node) { n.Metadata = nil }), model,
			Metadata, Details{MetadataKeysChanged: []string{"owner", "tags"}}},
		{"metadata and spec: non-breaking", model, with(func(n *release.Node) { n.Metadata = nil; n.Spec = []byte(`{}`) }),
			NonBreaking, Details{SpecChanged: true, SpecKeysChanged: []string{"materialized", "sql"}, MetadataKeysChanged: []string{"owner", "tags"}, FingerprintChanged: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compute(t, rel(t, tt.old, other), rel(t, tt.cur, other))
			c, found := change(p, "m")
			if tt.want == Unchanged {
				if found {
					t.Fatalf("unchanged node listed as %s: %+v", c.Category, c.Details)
				}
				if p.Summary.Unchanged != 2 {
					t.Errorf("summary %+v, want 2 unchanged", p.Summary)
				}
				return
			}
			if !found {
				t.Fatalf("node not in changes; summary %+v", p.Summary)
			}
			if c.Category != tt.want {
				t.Errorf("category %s, want %s (details %+v)", c.Category, tt.want, c.Details)
			}
			if !reflect.DeepEqual(c.Details, tt.details) {
				t.Errorf("details\n got %+v\nwant %+v", c.Details, tt.details)
			}
			if p.Summary.Count(tt.want) != 1 || p.Summary.Unchanged != 1 {
				t.Errorf("summary %+v", p.Summary)
			}
		})
	}
}

func TestAddedAndRemoved(t *testing.T) {
	a := release.Node{Name: "a", Kind: "model"}
	b := release.Node{Name: "b", Kind: "model", DependsOn: []string{"a"}}
	c := release.Node{Name: "c", Kind: "model"}
	bWithoutA := release.Node{Name: "b", Kind: "model"}
	p := compute(t, rel(t, a, b), rel(t, bWithoutA, c))
	want := Summary{Added: 1, Removed: 1, NonBreaking: 1}
	if p.Summary != want {
		t.Fatalf("summary %+v, want %+v", p.Summary, want)
	}
	if got, _ := change(p, "a"); got.Category != Removed {
		t.Errorf("a: %s, want REMOVED", got.Category)
	}
	if got, _ := change(p, "c"); got.Category != Added {
		t.Errorf("c: %s, want ADDED", got.Category)
	}
	got, _ := change(p, "b")
	if got.Category != NonBreaking || !slices.Equal(got.Details.DependsOnRemoved, []string{"a"}) {
		t.Errorf("dependent of removed node: %s %+v, want NON_BREAKING with a removed from depends_on", got.Category, got.Details)
	}
	if names := []string{p.Changes[0].Node, p.Changes[1].Node, p.Changes[2].Node}; !slices.IsSorted(names) {
		t.Errorf("changes not sorted by node: %v", names)
	}
}

func TestNothingLiveYet(t *testing.T) {
	p, err := Compute(Input{Target: "dev", Candidate: rel(t, release.Node{Name: "a", Kind: "k"}, release.Node{Name: "b", Kind: "k"})})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary != (Summary{Added: 2}) || p.BaseRelease != "" {
		t.Errorf("plan against an empty environment: summary %+v, base %q", p.Summary, p.BaseRelease)
	}
}

// chainNodes builds n nodes where each depends on the one before it.
func chainNodes(n int, kindOf func(i int) string) []release.Node {
	nodes := make([]release.Node, n)
	for i := range nodes {
		nodes[i] = release.Node{Name: fmt.Sprintf("n%05d", i), Kind: kindOf(i)}
		if i > 0 {
			nodes[i].DependsOn = []string{nodes[i-1].Name}
		}
	}
	return nodes
}

func TestImpact(t *testing.T) {
	node := func(name, kind string, deps ...string) release.Node {
		return release.Node{Name: name, Kind: kind, DependsOn: deps}
	}
	t.Run("diamond counts the shared dependent once", func(t *testing.T) {
		base := rel(t, node("a", "k"), node("b", "k", "a"), node("c", "k", "a"), node("d", "k", "b", "c"), node("e", "k"))
		cand := rel(t, node("a", "changed"), node("b", "k", "a"), node("c", "k", "a"), node("d", "k", "b", "c"), node("e", "k"))
		p := compute(t, base, cand)
		a, _ := change(p, "a")
		if a.Category != Breaking || !slices.Equal(a.Impacted, []string{"b", "c", "d"}) || a.ImpactedCount != 3 || !a.ImpactedCountExact {
			t.Errorf("a: %s impacted %v (%d, exact %v)", a.Category, a.Impacted, a.ImpactedCount, a.ImpactedCountExact)
		}
		if p.Summary.Indirect != 3 || !slices.Equal(indirectNames(p), []string{"b", "c", "d"}) {
			t.Errorf("indirect %d %v, want b, c, d", p.Summary.Indirect, indirectNames(p))
		}
		d := p.Indirect[2]
		want := Upstream{ImpactedBy: []string{"a"}, ImpactedByCount: 1, ImpactedByCountExact: true, Via: []string{"b", "c"}}
		if d.Kind != "k" || !reflect.DeepEqual(d.Upstream, want) {
			t.Errorf("d: %+v, want impacted by a via b and c", d)
		}
		if len(a.ImpactedBy) != 0 || a.ImpactedByCount != 0 || !a.ImpactedByCountExact {
			t.Errorf("a is impacted by nothing, got %+v", a.Upstream)
		}
	})
	t.Run("changed dependents are impacted but not indirect", func(t *testing.T) {
		base := rel(t, node("a", "k"), node("b", "k", "a"), node("c", "k", "b"))
		cand := rel(t, node("a", "changed"), node("b", "changed", "a"), node("c", "k", "b"))
		p := compute(t, base, cand)
		a, _ := change(p, "a")
		b, _ := change(p, "b")
		if !slices.Equal(a.Impacted, []string{"b", "c"}) || !slices.Equal(b.Impacted, []string{"c"}) {
			t.Errorf("impacted a %v, b %v", a.Impacted, b.Impacted)
		}
		if !slices.Equal(b.ImpactedBy, []string{"a"}) || !slices.Equal(b.Via, []string{"a"}) {
			t.Errorf("b impacted by %v via %v, want a via a", b.ImpactedBy, b.Via)
		}
		if p.Summary.Indirect != 1 || p.Summary.Breaking != 2 {
			t.Errorf("summary %+v, want 2 breaking and 1 indirect", p.Summary)
		}
		if c := p.Indirect[0]; c.Node != "c" || !slices.Equal(c.ImpactedBy, []string{"a", "b"}) || c.ImpactedByCount != 2 || !slices.Equal(c.Via, []string{"b"}) {
			t.Errorf("c: %+v, want impacted by a and b via b", c)
		}
	})
	t.Run("impact follows the candidate graph", func(t *testing.T) {
		base := rel(t, node("a", "k"), node("b", "k", "a"), node("c", "k"))
		cand := rel(t, node("a", "changed"), node("b", "k"), node("c", "k", "a"))
		p := compute(t, base, cand)
		a, _ := change(p, "a")
		if !slices.Equal(a.Impacted, []string{"c"}) {
			t.Errorf("impacted %v, want [c]: b no longer depends on a, c now does", a.Impacted)
		}
		if p.Summary.Indirect != 0 {
			t.Errorf("indirect %d: c and b both changed their dependencies", p.Summary.Indirect)
		}
		if c, _ := change(p, "c"); !slices.Equal(c.ImpactedBy, []string{"a"}) {
			t.Errorf("c, a changed node below a, is impacted by %v", c.ImpactedBy)
		}
	})
	t.Run("non-breaking changes impact nothing", func(t *testing.T) {
		base := rel(t, node("a", "k"), node("b", "k", "a"))
		cand := rel(t, release.Node{Name: "a", Kind: "k", Spec: []byte(`{"x":1}`)}, node("b", "k", "a"))
		p := compute(t, base, cand)
		if p.Summary.Indirect != 0 || len(p.Changes[0].Impacted) != 0 || !p.Changes[0].ImpactedCountExact {
			t.Errorf("non-breaking change impacted %v", p.Changes[0].Impacted)
		}
	})
	t.Run("deep chain is listed up to the cap and counted in full", func(t *testing.T) {
		const n = 3000
		base := rel(t, chainNodes(n, func(int) string { return "k" })...)
		cand := rel(t, chainNodes(n, func(i int) string {
			if i == 0 {
				return "changed"
			}
			return "k"
		})...)
		p := compute(t, base, cand)
		root, _ := change(p, "n00000")
		if root.ImpactedCount != n-1 || !root.ImpactedCountExact || len(root.Impacted) != MaxImpactedListed || root.Impacted[0] != "n00001" {
			t.Errorf("impacted count %d (exact %v), listed %d, first %q", root.ImpactedCount, root.ImpactedCountExact, len(root.Impacted), root.Impacted[0])
		}
		if p.Summary.Indirect != n-1 || len(p.Indirect) != n-1 {
			t.Errorf("indirect %d (listed %d), want %d", p.Summary.Indirect, len(p.Indirect), n-1)
		}
		last := p.Indirect[n-2]
		if last.Node != "n02999" || !slices.Equal(last.ImpactedBy, []string{"n00000"}) || !slices.Equal(last.Via, []string{"n02998"}) {
			t.Errorf("last node %+v, want impacted by n00000 via n02998", last)
		}
	})
}

func indirectNames(p *Plan) []string {
	var out []string
	for _, n := range p.Indirect {
		out = append(out, n.Node)
	}
	return out
}

func TestDigest(t *testing.T) {
	base := rel(t, release.Node{Name: "a", Kind: "k"})
	cand := rel(t, release.Node{Name: "a", Kind: "k2"})
	p1 := compute(t, base, cand)
	p2 := compute(t, base, cand)
	if p1.Digest != p2.Digest {
		t.Errorf("same inputs, different digests")
	}
	if d := digestOf(t, p1); d != p1.Digest {
		t.Errorf("digest of the plan without its digest %s, carried %s", d, p1.Digest)
	}
	other, err := Compute(Input{Target: "prod", BaseVersion: 8, Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	if other.Digest == p1.Digest {
		t.Error("a plan against another base version has the same digest")
	}
	staging, err := Compute(Input{Target: "staging", BaseVersion: 7, Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	if staging.Digest == p1.Digest {
		t.Error("a plan for another target has the same digest")
	}
	odd := compute(t, rel(t, release.Node{Name: "a", Kind: "k"}, release.Node{Name: "b", Kind: "k", DependsOn: []string{"a"}}),
		rel(t, release.Node{Name: "a", Kind: "<é&\u2028>", Metadata: []byte(`{"x":"\u0001"}`)}, release.Node{Name: "b", Kind: "k", DependsOn: []string{"a"}}))
	if d := digestOf(t, odd); d != odd.Digest || odd.Summary.Indirect != 1 {
		t.Errorf("digest %s of a plan with escapes and an indirect node, canonical JSON gives %s", odd.Digest, d)
	}
	tampered := *p1
	tampered.Summary.Breaking = 0
	if digestOf(t, &tampered) == p1.Digest {
		t.Error("changing the summary does not change the digest")
	}
}

// digestOf computes the digest a plan should carry: that of its canonical JSON
// without the digest field.
func digestOf(tb testing.TB, p *Plan) string {
	tb.Helper()
	c := *p
	c.Digest = ""
	d, err := canonical.MarshalDigest(&c)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
