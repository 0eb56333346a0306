package plan

import (
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/release"
)

// Limits of the impact representation.
const (
	// MaxImpactedListed is the most names an impacted or impacted_by list holds.
	MaxImpactedListed = 20
	// countStepsPerElement and countStepsFloor bound the walks that count impact
	// exactly: each direction may follow at most countStepsPerElement × (nodes +
	// edges) + countStepsFloor edges in all.
	countStepsPerElement = 16
	countStepsFloor      = 1 << 16
)

// csr is one direction of the candidate graph in compressed form: the neighbours
// of node i are targets[offsets[i]:offsets[i+1]], in ascending order (by name).
type csr struct {
	offsets []int32
	targets []int32
}

func (c csr) of(i int32) []int32 { return c.targets[c.offsets[i]:c.offsets[i+1]] }

// graph is the candidate's dependency graph in both directions, with a
// topological order (every node after its dependencies).
type graph struct {
	parents, children csr
	order             []int32
	edges             int
}

func newGraph(nodes []release.Node) graph {
	index := make(map[string]int32, len(nodes))
	for i := range nodes {
		index[nodes[i].Name] = int32(i)
	}
	g := graph{
		parents:  csr{offsets: make([]int32, len(nodes)+1)},
		children: csr{offsets: make([]int32, len(nodes)+1)},
	}
	for i := range nodes {
		g.parents.offsets[i+1] = g.parents.offsets[i] + int32(len(nodes[i].DependsOn))
		for _, d := range nodes[i].DependsOn {
			g.children.offsets[index[d]+1]++
		}
	}
	g.edges = int(g.parents.offsets[len(nodes)])
	for i := 1; i < len(g.children.offsets); i++ {
		g.children.offsets[i] += g.children.offsets[i-1]
	}
	g.parents.targets = make([]int32, g.edges)
	g.children.targets = make([]int32, g.edges)
	fill := make([]int32, len(nodes))
	copy(fill, g.children.offsets[:len(nodes)])
	for i := range nodes {
		for k, d := range nodes[i].DependsOn { // sorted by name, as Validate leaves them
			p := index[d]
			g.parents.targets[int(g.parents.offsets[i])+k] = p
			g.children.targets[fill[p]] = int32(i)
			fill[p]++
		}
	}
	// Kahn's algorithm; the release has no cycles (Validate).
	pending := make([]int32, len(nodes))
	g.order = make([]int32, 0, len(nodes))
	for i := range nodes {
		pending[i] = int32(len(nodes[i].DependsOn))
		if pending[i] == 0 {
			g.order = append(g.order, int32(i))
		}
	}
	for k := 0; k < len(g.order); k++ {
		for _, c := range g.children.of(g.order[k]) {
			if pending[c]--; pending[c] == 0 {
				g.order = append(g.order, c)
			}
		}
	}
	return g
}

// firsts holds, per node, the smallest ids (first names) of a set of nodes, at most
// width of them, sorted. Because the width smallest ids of a union are among the
// width smallest of each part, merging capped lists keeps them exact: the list is
// the true first width, and it is full exactly when the set has at least width
// members. Lists live in one arena that only nodes with a non-empty set take room
// in, so a plan where few nodes break stays small.
type firsts struct {
	width   int
	slot    []int32 // per node: its list's index in the arena, -1 while empty
	ids     []int32 // the arena, width ids a list
	lens    []uint8 // per list
	scratch []int32
}

func newFirsts(n, width int) *firsts {
	f := &firsts{width: width, slot: make([]int32, n), scratch: make([]int32, 0, width)}
	for i := range f.slot {
		f.slot[i] = -1
	}
	return f
}

func (f *firsts) get(i int32) []int32 {
	s := int(f.slot[i])
	if s < 0 {
		return nil
	}
	return f.ids[s*f.width : s*f.width+int(f.lens[s])]
}

// merge adds the sorted ids src to node i's set.
func (f *firsts) merge(i int32, src []int32) {
	if len(src) == 0 {
		return
	}
	cur := f.get(i)
	out := f.scratch[:0]
	a, b := 0, 0
	for len(out) < f.width && (a < len(cur) || b < len(src)) {
		switch {
		case b == len(src) || (a < len(cur) && cur[a] < src[b]):
			out = append(out, cur[a])
			a++
		case a == len(cur) || src[b] < cur[a]:
			out = append(out, src[b])
			b++
		default:
			out = append(out, cur[a])
			a++
			b++
		}
	}
	if f.slot[i] < 0 {
		f.slot[i] = int32(len(f.lens))
		f.lens = append(f.lens, 0)
		if len(f.ids)+f.width > cap(f.ids) { // doubling: append would grow a large arena by a quarter at a time
			grown := make([]int32, len(f.ids), 2*cap(f.ids)+64*f.width)
			copy(grown, f.ids)
			f.ids = grown
		}
		f.ids = f.ids[:len(f.ids)+f.width]
	}
	s := int(f.slot[i])
	copy(f.ids[s*f.width:], out)
	f.lens[s] = uint8(len(out))
	f.scratch = out
}

// counter counts the nodes a walk reaches, within a budget of edges followed that
// all its walks share.
type counter struct {
	next   csr
	seen   []uint32 // seen[i] == round: reached in this walk
	round  uint32
	queue  []int32
	budget int
}

func newCounter(next csr, budget int) *counter {
	return &counter{next: next, budget: budget}
}

// count walks from start along c.next, entering only nodes enter allows, and
// returns how many of the nodes reached (start excluded) want allows, and whether
// the walk ended within the budget. Once the budget is spent it walks no more.
func (c *counter) count(start int32, enter, want func(int32) bool) (int, bool) {
	if c.budget <= 0 {
		return 0, false
	}
	if c.seen == nil { // allocated for the first walk: plans where few nodes break walk none
		c.seen = make([]uint32, len(c.next.offsets)-1)
	}
	c.round++
	c.seen[start] = c.round
	c.queue = append(c.queue[:0], start)
	found := 0
	for k := 0; k < len(c.queue); k++ {
		for _, t := range c.next.of(c.queue[k]) {
			if c.budget--; c.budget < 0 {
				return found, false
			}
			if c.seen[t] != c.round && enter(t) {
				c.seen[t] = c.round
				c.queue = append(c.queue, t)
				if want(t) {
					found++
				}
			}
		}
	}
	return found, true
}

// addImpact fills, from the candidate graph, each BREAKING change's impacted
// list and count, each impacted node's Upstream (on its change, or as an entry of
// Indirect when it is UNCHANGED) and the indirect count. categories is per
// candidate node; changeOf gives a candidate node's index in p.Changes, -1 for an
// UNCHANGED node.
func addImpact(p *Plan, cand []release.Node, categories []Category, changeOf []int32) {
	n := len(cand)
	g := newGraph(cand)
	breaking := make([]bool, n)
	for i, c := range categories {
		breaking[i] = c == Breaking
	}
	width := MaxImpactedListed + 1
	one := make([]int32, 1)

	// Upstream first: the first breaking nodes above each node.
	up := newFirsts(n, width)
	for _, v := range g.order {
		for _, q := range g.parents.of(v) {
			if breaking[q] {
				one[0] = q
				up.merge(v, one)
			}
			up.merge(v, up.get(q))
		}
	}
	impacted := make([]bool, n)
	for i := range impacted {
		impacted[i] = up.slot[i] >= 0
	}
	// Downstream of breaking nodes: the first dependents below each.
	down := newFirsts(n, width)
	for k := len(g.order) - 1; k >= 0; k-- {
		v := g.order[k]
		if !breaking[v] && !impacted[v] {
			continue
		}
		for _, c := range g.children.of(v) {
			one[0] = c
			down.merge(v, one)
			down.merge(v, down.get(c))
		}
	}

	budget := countStepsPerElement*(n+g.edges) + countStepsFloor
	downward := newCounter(g.children, budget)
	upward := newCounter(g.parents, budget)
	all := func(int32) bool { return true }
	onPath := func(i int32) bool { return breaking[i] || impacted[i] }
	isBreaking := func(i int32) bool { return breaking[i] }
	for _, v := range g.order { // upstream first, so root causes are counted first
		if breaking[v] {
			c := &p.Changes[changeOf[v]]
			c.Impacted, c.ImpactedCount, c.ImpactedCountExact = listed(cand, down.get(v), downward, v, all, all)
		}
		if !impacted[v] {
			continue
		}
		var u Upstream
		u.ImpactedBy, u.ImpactedByCount, u.ImpactedByCountExact = listed(cand, up.get(v), upward, v, onPath, isBreaking)
		u.Via = []string{}
		for _, q := range g.parents.of(v) {
			if onPath(q) {
				u.Via = append(u.Via, cand[q].Name)
			}
		}
		if changeOf[v] >= 0 {
			p.Changes[changeOf[v]].Upstream = u
		} else {
			p.Indirect = append(p.Indirect, IndirectNode{Node: cand[v].Name, Kind: cand[v].Kind, Upstream: u})
		}
	}
	slices.SortFunc(p.Indirect, func(a, b IndirectNode) int { return strings.Compare(a.Node, b.Node) })
	p.Summary.Indirect = len(p.Indirect)
}

// listed returns the names of ids, the first members of a set (at most
// MaxImpactedListed of them), the set's size and whether that size is exact. A
// list that is not full is the whole set; otherwise c walks from v to count it,
// and when its budget runs out the count is a lower bound.
func listed(cand []release.Node, ids []int32, c *counter, v int32, enter, want func(int32) bool) ([]string, int, bool) {
	names := make([]string, min(len(ids), MaxImpactedListed))
	for k := range names {
		names[k] = cand[ids[k]].Name
	}
	if len(ids) <= MaxImpactedListed {
		return names, len(ids), true
	}
	found, done := c.count(v, enter, want)
	return names, max(found, len(ids)), done
}
