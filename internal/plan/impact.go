package plan

import (
	"slices"

	"github.com/ferrydev/ferry/internal/release"
)

// dependents is the candidate graph's reverse edges in compressed form: the nodes
// that depend directly on node i are targets[offsets[i]:offsets[i+1]].
type dependents struct {
	offsets []int32
	targets []int32
}

func reverseEdges(nodes []release.Node) dependents {
	index := make(map[string]int32, len(nodes))
	for i := range nodes {
		index[nodes[i].Name] = int32(i)
	}
	g := dependents{offsets: make([]int32, len(nodes)+1)}
	for i := range nodes {
		for _, d := range nodes[i].DependsOn {
			g.offsets[index[d]+1]++
		}
	}
	for i := 1; i < len(g.offsets); i++ {
		g.offsets[i] += g.offsets[i-1]
	}
	g.targets = make([]int32, g.offsets[len(nodes)])
	fill := slices.Clone(g.offsets[:len(nodes)])
	for i := range nodes {
		for _, d := range nodes[i].DependsOn {
			k := index[d]
			g.targets[fill[k]] = int32(i)
			fill[k]++
		}
	}
	return g
}

// walker runs breadth-first walks over dependents, reusing its buffers.
type walker struct {
	g     dependents
	seen  []uint32 // seen[i] == round: visited in this walk
	round uint32
	queue []int32
}

// walk visits every transitive dependent of the start nodes (not the starts
// themselves, unless reached through a path) and returns them in visit order.
func (w *walker) walk(starts ...int32) []int32 {
	w.round++
	w.queue = w.queue[:0]
	for _, s := range starts {
		w.seen[s] = w.round
	}
	frontier := append([]int32(nil), starts...)
	for len(frontier) > 0 {
		var next []int32
		for _, n := range frontier {
			for _, t := range w.g.targets[w.g.offsets[n]:w.g.offsets[n+1]] {
				if w.seen[t] != w.round {
					w.seen[t] = w.round
					w.queue = append(w.queue, t)
					next = append(next, t)
				}
			}
		}
		frontier = next
	}
	return w.queue
}

// breakingChange ties a BREAKING entry of Plan.Changes to its candidate node.
type breakingChange struct {
	change int
	node   int32
}

// addImpact fills Impacted for each BREAKING change and the plan's indirect set.
// categories is per candidate node.
func addImpact(p *Plan, cand []release.Node, categories []Category, breaking []breakingChange) {
	w := walker{g: reverseEdges(cand), seen: make([]uint32, len(cand))}
	starts := make([]int32, 0, len(breaking))
	for _, b := range breaking {
		starts = append(starts, b.node)
		reached := w.walk(b.node)
		p.Changes[b.change].ImpactedCount = len(reached)
		p.Changes[b.change].Impacted = names(cand, reached, MaxImpactedListed)
	}
	var indirect []int32
	for _, n := range w.walk(starts...) {
		if categories[n] == Unchanged {
			indirect = append(indirect, n)
		}
	}
	p.Indirect = names(cand, indirect, len(indirect))
	p.Summary.Indirect = len(indirect)
}

// names returns the names of nodes ids, sorted, at most limit of them. Nodes are
// sorted by name, so sorting ids sorts names.
func names(nodes []release.Node, ids []int32, limit int) []string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	if len(sorted) > limit {
		sorted = sorted[:limit]
	}
	out := make([]string, len(sorted))
	for i, id := range sorted {
		out[i] = nodes[id].Name
	}
	return out
}
