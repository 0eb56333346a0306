package synth

import (
	"testing"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

// TestPair checks what the benchmarks claim of their input: valid releases, about
// 1% of the nodes changed in every category, breaking changes with downstream
// impact, and the same pair for the same seed.
func TestPair(t *testing.T) {
	const n = 10_000
	base, cand := Pair(n, 1)
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate("synth", r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(base.Nodes) != n {
		t.Errorf("%d nodes, want %d", len(base.Nodes), n)
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary
	if changed := s.Changed(); changed < n/200 || changed > n/50 {
		t.Errorf("%d nodes changed, want about 1%% of %d", changed, n)
	}
	for _, c := range plan.Categories {
		if s.Count(c) == 0 {
			t.Errorf("no %s change: %+v", c, s)
		}
	}
	if s.Indirect == 0 {
		t.Errorf("breaking changes impact nothing downstream: %+v", s)
	}
	again, _ := Pair(n, 1)
	if release.Validate("synth", again, nil) != nil || again.ID() != base.ID() {
		t.Error("the same seed gave another release")
	}
}

// TestAllBreaking checks the shapes the plan benchmarks claim: n valid nodes in
// the same graph in both releases, every node BREAKING, and each shape's edges.
func TestAllBreaking(t *testing.T) {
	const n = 1000
	edges := map[Shape]int{Chain: n - 1, Star: n - 1, Diamond: 2 * (n - DiamondWidth)}
	for _, s := range Shapes {
		t.Run(string(s), func(t *testing.T) {
			base, cand, err := AllBreaking(s, n)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, node := range cand.Nodes {
				got += len(node.DependsOn)
			}
			if got != edges[s] || len(cand.Nodes) != n {
				t.Errorf("%d nodes, %d edges, want %d and %d", len(cand.Nodes), got, n, edges[s])
			}
			p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
			if err != nil {
				t.Fatal(err)
			}
			if p.Summary.Breaking != n {
				t.Errorf("summary %+v, want every node breaking", p.Summary)
			}
		})
	}
	if _, _, err := AllBreaking("ring", 10); err == nil {
		t.Error("an unknown shape gave no error")
	}
}
