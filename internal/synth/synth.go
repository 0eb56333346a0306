// Package synth builds synthetic release pairs for benchmarks: a dbt-shaped graph
// (seeds → staging → intermediate → marts → exposures) in domains of about 200
// nodes with a few edges across domains, and a candidate in which about 1% of the
// nodes changed: breaking, non-breaking and metadata edits, additions and removals.
// The same seed always gives the same pair.
//
// For the worst cases of impact, AllBreaking builds a chain, a star or a diamond
// lattice in which every node is BREAKING: there, every breaking node has breaking
// nodes above and below it, and a plan that listed or counted each pair would grow
// with the square of the graph.
package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/release"
)

// domainSize is roughly how many nodes share a domain (a dbt package or team).
const domainSize = 200

// layers are the node kinds of one domain, in dependency order, with their share.
var layers = []struct {
	prefix, kind, materialized string
	share                      float64
}{
	{"raw", "seed", "seed", 0.10},
	{"stg", "model", "view", 0.30},
	{"int", "model", "ephemeral", 0.30},
	{"mart", "model", "table", 0.25},
	{"exp", "exposure", "", 0.05},
}

var columnTypes = []string{"bigint", "integer", "text", "varchar(255)", "numeric(12,2)", "boolean", "date", "timestamp"}

// Pair returns a base release of about n nodes and a candidate with about 1% changed.
func Pair(n int, seed uint64) (base, candidate *release.Release) {
	rng := rand.New(rand.NewPCG(seed, 1))
	base = &release.Release{Name: "base", Nodes: graph(rng, n)}
	slices.SortFunc(base.Nodes, byName) // both files in one order, as a CI job writes them
	candidate = &release.Release{Name: "candidate", Nodes: slices.Clone(base.Nodes)}
	mutate(rng, candidate, max(1, n/100))
	return base, candidate
}

func graph(rng *rand.Rand, n int) []release.Node {
	nodes := make([]release.Node, 0, n)
	domains := max(1, n/domainSize)
	var byLayer [][][]string // domain → layer → names
	for d := range domains {
		byLayer = append(byLayer, make([][]string, len(layers)))
		size := n / domains
		if d < n%domains {
			size++
		}
		for l, layer := range layers {
			count := int(float64(size) * layer.share)
			if l == len(layers)-1 {
				count = size - countLayers(byLayer[d])
			}
			for i := range count {
				name := fmt.Sprintf("%s.d%04d.%s_%04d", layer.kind, d, layer.prefix, i)
				node := release.Node{Name: name, Kind: layer.kind, Columns: columns(rng)}
				if l > 0 {
					node.DependsOn = parents(rng, byLayer, d, l)
				}
				if layer.materialized != "" {
					node.Spec = spec(rng, name, node.DependsOn, layer.materialized)
				}
				node.Metadata = metadata(rng, d)
				nodes = append(nodes, node)
				byLayer[d][l] = append(byLayer[d][l], name)
			}
		}
	}
	return nodes
}

func countLayers(layer [][]string) int {
	total := 0
	for _, names := range layer {
		total += len(names)
	}
	return total
}

// parents picks 1-3 nodes from earlier layers, mostly the previous one, mostly
// in the same domain.
func parents(rng *rand.Rand, byLayer [][][]string, d, l int) []string {
	var out []string
	for range 1 + rng.IntN(3) {
		dom := d
		if d > 0 && rng.IntN(20) == 0 {
			dom = rng.IntN(d) // an earlier domain, keeping the graph acyclic
		}
		layer := l - 1
		if layer > 0 && rng.IntN(4) == 0 {
			layer--
		}
		if names := byLayer[dom][layer]; len(names) > 0 {
			if p := names[rng.IntN(len(names))]; !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

func columns(rng *rand.Rand) []release.Column {
	cols := make([]release.Column, 4+rng.IntN(10))
	for i := range cols {
		cols[i] = release.Column{Name: fmt.Sprintf("col_%02d", i), Type: columnTypes[rng.IntN(len(columnTypes))]}
	}
	return cols
}

func spec(rng *rand.Rand, name string, deps []string, materialized string) json.RawMessage {
	sql := fmt.Sprintf("select col_00, col_01, sum(col_02) as total_%d, count(*) as n from {{ ref('%s') }} where col_03 is not null group by 1, 2 -- %s",
		rng.IntN(1000), first(deps), name)
	b, _ := json.Marshal(map[string]string{"sql": sql, "materialized": materialized})
	return b
}

func first(deps []string) string {
	if len(deps) == 0 {
		return "source"
	}
	return deps[0]
}

func metadata(rng *rand.Rand, d int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"description": fmt.Sprintf("Synthetic node %d of domain %d, owned by team %d.", rng.IntN(1e6), d, d%17),
		"owner":       fmt.Sprintf("team-%02d", d%17),
		"tags":        []string{"synthetic", fmt.Sprintf("domain-%d", d)},
	})
	return b
}

// mutate changes about count nodes of r in place.
func mutate(rng *rand.Rand, r *release.Release, count int) {
	dependents := map[string]bool{}
	for _, n := range r.Nodes {
		for _, d := range n.DependsOn {
			dependents[d] = true
		}
	}
	removed := map[string]bool{}
	for range count {
		i := rng.IntN(len(r.Nodes))
		n := &r.Nodes[i]
		n.Columns = slices.Clone(n.Columns)
		switch k := rng.IntN(20); {
		case k < 6: // breaking: retype or drop a column
			if rng.IntN(2) == 0 {
				n.Columns[0].Type = "text"
				if n.Columns[0].Type == r.Nodes[i].Columns[0].Type {
					n.Columns[0].Type = "jsonb"
				}
			} else {
				n.Columns = n.Columns[1:]
			}
		case k < 14: // non-breaking: new column or edited SQL
			if rng.IntN(2) == 0 {
				n.Columns = append(n.Columns, release.Column{Name: "col_new", Type: "text"})
			} else {
				n.Spec = json.RawMessage(fmt.Sprintf(`{"sql":"select %d","materialized":"table"}`, rng.IntN(1e6)))
			}
		case k < 17: // metadata only
			n.Metadata = json.RawMessage(fmt.Sprintf(`{"description":"Edited %d.","owner":"team-99"}`, rng.IntN(1e6)))
		case k < 19: // added
			r.Nodes = append(r.Nodes, release.Node{Name: fmt.Sprintf("model.new.added_%06d", rng.IntN(1e6)), Kind: "model",
				DependsOn: []string{n.Name}, Columns: columns(rng)})
		default: // removed, when nothing depends on it
			if !dependents[n.Name] {
				removed[n.Name] = true
			}
		}
	}
	r.Nodes = slices.DeleteFunc(r.Nodes, func(n release.Node) bool { return removed[n.Name] })
	// An added node may have been hung off a node removed later.
	for i := range r.Nodes {
		r.Nodes[i].DependsOn = slices.DeleteFunc(slices.Clone(r.Nodes[i].DependsOn), func(d string) bool { return removed[d] })
	}
	slices.SortFunc(r.Nodes, byName)
	r.Nodes = slices.CompactFunc(r.Nodes, func(a, b release.Node) bool { return a.Name == b.Name })
}

func byName(a, b release.Node) int { return strings.Compare(a.Name, b.Name) }
