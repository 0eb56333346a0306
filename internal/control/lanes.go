package control

import (
	"cmp"
	"slices"

	"github.com/ferrydev/ferry/internal/environment"
)

// Upstream problems: why a lane heads a pipeline although its policy names an
// upstream.
const (
	// UpstreamMissing: no environment has the upstream's name.
	UpstreamMissing = "missing"
	// UpstreamCycle: following the upstreams comes back to the lane; the cycle
	// is cut before the member with the smallest name.
	UpstreamCycle = "cycle"
)

// placed is an environment's place on the board.
type placed struct {
	env   *environment.Environment
	depth int
	// problem is UpstreamMissing or UpstreamCycle when the upstream is not
	// followed.
	problem string
}

// pipelines orders envs in promotion order: one pipeline per head (an
// environment without an upstream, or whose upstream is missing, or the member
// with the smallest name of a cycle of upstreams), heads by name; within a
// pipeline each environment comes after its upstream, depth first, siblings by
// name, ephemeral ones last. Every environment is placed exactly once whatever
// the upstreams say, each visited once after a sort by name.
func pipelines(envs []*environment.Environment) [][]placed {
	byName := make(map[string]*environment.Environment, len(envs))
	for _, e := range envs {
		byName[e.Name] = e
	}
	downstream := map[string][]*environment.Environment{}
	for _, e := range envs {
		if up := e.Policy.Upstream; up != "" && byName[up] != nil {
			downstream[up] = append(downstream[up], e)
		}
	}
	for _, ds := range downstream {
		slices.SortFunc(ds, func(a, b *environment.Environment) int {
			switch {
			case a.Ephemeral == b.Ephemeral:
			case a.Ephemeral: // previews after the lasting ones
				return 1
			default:
				return -1
			}
			return byEnvName(a, b)
		})
	}
	sorted := slices.SortedFunc(slices.Values(envs), byEnvName)
	seen := make(map[string]bool, len(envs))
	var out [][]placed
	walk := func(head *environment.Environment, problem string) {
		var lanes []placed
		var visit func(e *environment.Environment, depth int, problem string)
		visit = func(e *environment.Environment, depth int, problem string) {
			seen[e.Name] = true
			lanes = append(lanes, placed{env: e, depth: depth, problem: problem})
			for _, d := range downstream[e.Name] {
				if !seen[d.Name] {
					visit(d, depth+1, "")
				}
			}
		}
		visit(head, 0, problem)
		out = append(out, lanes)
	}
	for _, e := range sorted {
		switch up := e.Policy.Upstream; {
		case up == "":
			walk(e, "")
		case byName[up] == nil:
			walk(e, UpstreamMissing)
		}
	}
	// What is left is unreachable from any head: cycles, and what hangs below
	// them. Each cycle is cut before its smallest member.
	for _, e := range sorted {
		if seen[e.Name] {
			continue
		}
		walk(cycleHead(e, byName), UpstreamCycle)
	}
	slices.SortStableFunc(out, func(a, b []placed) int { return cmp.Compare(a[0].env.Name, b[0].env.Name) })
	return out
}

// cycleHead follows upstreams from e, which no head reaches, until one repeats,
// and returns the cycle's member with the smallest name.
func cycleHead(e *environment.Environment, byName map[string]*environment.Environment) *environment.Environment {
	on := map[string]bool{}
	for !on[e.Name] {
		on[e.Name] = true
		e = byName[e.Policy.Upstream]
	}
	head := e
	for c := byName[e.Policy.Upstream]; c != e; c = byName[c.Policy.Upstream] {
		if c.Name < head.Name {
			head = c
		}
	}
	return head
}

func byEnvName(a, b *environment.Environment) int { return cmp.Compare(a.Name, b.Name) }
