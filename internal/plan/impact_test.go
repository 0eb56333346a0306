package plan

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/synth"
)

// reach returns, per node, the sorted indexes of the nodes reachable from it along
// next (itself excluded), by brute force.
func reach(n int, next func(int) []int) [][]int {
	out := make([][]int, n)
	for s := range n {
		seen := map[int]bool{}
		stack := []int{s}
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, t := range next(v) {
				if !seen[t] {
					seen[t] = true
					stack = append(stack, t)
				}
			}
		}
		for t := range seen {
			out[s] = append(out[s], t)
		}
		slices.Sort(out[s])
	}
	return out
}

// checkAgainstBruteForce compares a plan's impact with transitive closures
// computed the slow way: first names, counts (exact, or a lower bound when the plan
// says so), via, indirect, and every impacted node described once.
func checkAgainstBruteForce(t *testing.T, nodes []release.Node, breaking map[int]bool, p *Plan) {
	t.Helper()
	n := len(nodes)
	index := map[string]int{}
	for i, nd := range nodes {
		index[nd.Name] = i
	}
	parents := make([][]int, n)
	children := make([][]int, n)
	for i, nd := range nodes {
		for _, d := range nd.DependsOn {
			parents[i] = append(parents[i], index[d])
			children[index[d]] = append(children[index[d]], i)
		}
	}
	down := reach(n, func(v int) []int { return children[v] })
	up := reach(n, func(v int) []int { return parents[v] })
	names := func(ids []int) []string {
		out := []string{}
		for _, id := range ids {
			out = append(out, nodes[id].Name)
		}
		return out
	}
	first := func(ids []int) []string { return names(ids[:min(len(ids), MaxImpactedListed)]) }
	checkCount := func(what string, got int, exact bool, want int) {
		t.Helper()
		if exact && got != want || !exact && (got > want || got <= MaxImpactedListed) {
			t.Errorf("%s: count %d (exact %v), want %d", what, got, exact, want)
		}
	}
	described := map[string]Upstream{}
	for _, c := range p.Changes {
		if len(c.ImpactedBy) > 0 {
			described[c.Node] = c.Upstream
		}
	}
	for _, in := range p.Indirect {
		if _, dup := described[in.Node]; dup {
			t.Errorf("%s described twice", in.Node)
		}
		described[in.Node] = in.Upstream
		if breaking[index[in.Node]] {
			t.Errorf("breaking node %s listed as indirect", in.Node)
		}
	}
	impactedCount := 0
	for i, nd := range nodes {
		var breakingUp []int
		for _, a := range up[i] {
			if breaking[a] {
				breakingUp = append(breakingUp, a)
			}
		}
		if breaking[i] {
			c, _ := change(p, nd.Name)
			if !slices.Equal(c.Impacted, first(down[i])) {
				t.Errorf("%s impacts %v, want the first of %v", nd.Name, c.Impacted, names(down[i]))
			}
			checkCount(nd.Name+" impacted", c.ImpactedCount, c.ImpactedCountExact, len(down[i]))
		}
		u, ok := described[nd.Name]
		if len(breakingUp) == 0 {
			if ok {
				t.Errorf("%s is described as impacted: %+v", nd.Name, u)
			}
			continue
		}
		impactedCount++
		if !ok {
			t.Errorf("impacted node %s is not described", nd.Name)
			continue
		}
		if !slices.Equal(u.ImpactedBy, first(breakingUp)) {
			t.Errorf("%s impacted by %v, want the first of %v", nd.Name, u.ImpactedBy, names(breakingUp))
		}
		checkCount(nd.Name+" impacted_by", u.ImpactedByCount, u.ImpactedByCountExact, len(breakingUp))
		var via []int
		for _, q := range parents[i] {
			if breaking[q] || slices.ContainsFunc(up[q], func(a int) bool { return breaking[a] }) {
				via = append(via, q)
			}
		}
		if !slices.Equal(u.Via, names(via)) {
			t.Errorf("%s via %v, want %v", nd.Name, u.Via, names(via))
		}
	}
	if len(described) != impactedCount {
		t.Errorf("%d nodes described, %d impacted", len(described), impactedCount)
	}
	if p.Summary.Indirect != len(p.Indirect) || !slices.IsSortedFunc(p.Indirect, func(a, b IndirectNode) int {
		return strings.Compare(a.Node, b.Node)
	}) {
		t.Errorf("indirect count %d for %d entries, or not sorted", p.Summary.Indirect, len(p.Indirect))
	}
}

// TestImpactMatchesBruteForce plans random graphs, with random nodes breaking,
// changed otherwise or unchanged, and checks the impact against brute force.
func TestImpactMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range 200 {
		n := 2 + rng.IntN(60)
		density := 1 + rng.IntN(4)
		var old, cur []release.Node
		breaking := map[int]bool{}
		for i := range n {
			name := fmt.Sprintf("x%03d", (i*37)%1000) // names not in dependency order
			var deps []string
			for range rng.IntN(density + 1) {
				if i > 0 {
					if d := cur[rng.IntN(i)].Name; !slices.Contains(deps, d) {
						deps = append(deps, d)
					}
				}
			}
			o := release.Node{Name: name, Kind: "k", DependsOn: deps}
			c := o
			switch rng.IntN(4) {
			case 0:
				c.Kind = "changed"
				breaking[i] = true
			case 1:
				c.Spec = json.RawMessage(`{"v":2}`)
			}
			old, cur = append(old, o), append(cur, c)
		}
		base, cand := rel(t, old...), rel(t, cur...)
		// rel sorts by name; map breaking to the sorted positions.
		sortedBreaking := map[int]bool{}
		for i, nd := range cand.Nodes {
			sortedBreaking[i] = nd.Kind == "changed"
		}
		p := compute(t, base, cand)
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			checkAgainstBruteForce(t, cand.Nodes, sortedBreaking, p)
			if d := digestOf(t, p); d != p.Digest {
				t.Errorf("digest %s, canonical JSON gives %s", p.Digest, d)
			}
		})
	}
}

// TestImpactCountsWithinBudget plans a chain whose every node is BREAKING, where
// exact counts for all would take n²/2 steps: the counts are exact upstream
// first until the budget is spent, and lower bounds after, and the lists stay exact.
func TestImpactCountsWithinBudget(t *testing.T) {
	const n = 5000
	base, cand, err := synth.AllBreaking(synth.Chain, n)
	if err != nil {
		t.Fatal(err)
	}
	p := compute(t, base, cand)
	exact, bounds := 0, 0
	for i, c := range p.Changes {
		want := n - 1 - i
		if c.ImpactedCountExact {
			exact++
			if c.ImpactedCount != want {
				t.Fatalf("%s: exact count %d, want %d", c.Node, c.ImpactedCount, want)
			}
		} else {
			bounds++
			if c.ImpactedCount > want || c.ImpactedCount <= MaxImpactedListed {
				t.Fatalf("%s: lower bound %d, true count %d", c.Node, c.ImpactedCount, want)
			}
		}
		if len(c.Impacted) != min(want, MaxImpactedListed) || want > 0 && c.Impacted[0] != fmt.Sprintf("n%06d", i+1) {
			t.Fatalf("%s lists %v", c.Node, c.Impacted)
		}
	}
	if !p.Changes[0].ImpactedCountExact || exact == 0 || bounds == 0 {
		t.Errorf("%d exact counts and %d lower bounds; want the root exact and the budget spent", exact, bounds)
	}
	last := p.Changes[n-1]
	if last.ImpactedByCountExact || !slices.Equal(last.Via, []string{"n004998"}) || last.ImpactedBy[0] != "n000000" {
		t.Errorf("last node %+v", last.Upstream)
	}
}

// TestPlanSizeIsLinear checks the size bound of the issue on 10k-node graphs
// whose every node is BREAKING: under 1 KB of plan JSON per node in every shape.
func TestPlanSizeIsLinear(t *testing.T) {
	const n = 10_000
	for _, s := range synth.Shapes {
		t.Run(string(s), func(t *testing.T) {
			base, cand, err := synth.AllBreaking(s, n)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(compute(t, base, cand))
			if err != nil {
				t.Fatal(err)
			}
			if perNode := len(data) / n; perNode >= 1024 {
				t.Errorf("%d bytes of plan per node, want under 1 KB", perNode)
			}
		})
	}
}
