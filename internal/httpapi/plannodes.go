package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

// Questions about single nodes, on a plan's route beside its pages:
// ?node=NAME (repeated, at most maxPlanNodes) answers whether and how the
// plan affects each node (wire.PlanNodes), which answers a reviewer's "is X
// affected, and by what" and gives the kinds of the nodes an impact lists;
// ?impact=NAME (&limit=N, at most maxImpactDrawn) answers what NAME reaches
// downstream as a graph to draw (wire.ImpactGraph). Both are small whatever
// the plan: an answer holds capped lists of at most a few hundred names.
const (
	maxPlanNodes       = 100
	defaultImpactDrawn = 30
	maxImpactDrawn     = 100
)

// planQuestion answers ?node= or ?impact= of pp, reading the candidate
// release only to tell an unaffected node from a missing one; asked is false
// when the request asks neither. Codes: invalid.
func (s *Server) planQuestion(ctx context.Context, r *http.Request, pp *pagedPlan) (answer any, asked bool, err error) {
	q := r.URL.Query()
	names, impact := q["node"], q.Has("impact")
	switch {
	case len(names) == 0 && !impact:
		return nil, false, nil
	case len(names) > 0 && impact:
		return nil, true, fault.Errorf(fault.Invalid, "ask for node or impact, not both")
	case q.Has("list") || q.Has("q") || q.Has("category") || q.Has("offset"):
		return nil, true, fault.Errorf(fault.Invalid, "node and impact take no list, q, category or offset")
	case impact:
		limit, err := intParam(q.Get("limit"), "limit", defaultImpactDrawn, 1, maxImpactDrawn)
		if err != nil {
			return nil, true, err
		}
		return impactGraph(pp, q.Get("impact"), limit), true, nil
	case len(names) > maxPlanNodes:
		return nil, true, fault.Errorf(fault.Invalid, "node: %d names, more than the %d one question may ask about", len(names), maxPlanNodes)
	case q.Has("limit"):
		return nil, true, fault.Errorf(fault.Invalid, "node takes no limit")
	}
	out, err := s.planNodes(ctx, pp, names)
	return out, true, err
}

// planNodes says what pp does to each node named.
func (s *Server) planNodes(ctx context.Context, pp *pagedPlan, names []string) (*wire.PlanNodes, error) {
	x := pp.index()
	out := &wire.PlanNodes{Digest: pp.Digest, Nodes: make([]wire.PlanNode, 0, len(names))}
	var cand *release.Release
	for _, name := range names {
		n := wire.PlanNode{Node: name, ImpactedCountExact: true, ImpactedByCountExact: true}
		switch c, changed := x.Change(name); {
		case changed:
			n.Kind, n.Affected, n.Category = c.Kind, wire.AffectedChanged, c.Category
			n.ImpactedCount, n.ImpactedCountExact = c.ImpactedCount, c.ImpactedCountExact
			upstreamOf(&n, c.Upstream)
		default:
			if u, rebuilt := x.Indirect(name); rebuilt {
				n.Kind, n.Affected = u.Kind, wire.AffectedRebuilt
				upstreamOf(&n, u.Upstream)
				break
			}
			if cand == nil {
				var err error
				if cand, err = s.Control.Release(ctx, pp.Release); err != nil {
					return nil, err
				}
			}
			n.Affected = wire.AffectedMissing
			if i, found := slices.BinarySearchFunc(cand.Nodes, name, func(nd release.Node, name string) int {
				return strings.Compare(nd.Name, name)
			}); found {
				n.Kind, n.Affected = cand.Nodes[i].Kind, wire.AffectedNot
			}
		}
		out.Nodes = append(out.Nodes, n)
	}
	return out, nil
}

func upstreamOf(n *wire.PlanNode, u plan.Upstream) {
	if u.ImpactedByCount == 0 {
		return
	}
	n.ImpactedBy, n.ImpactedByCount, n.ImpactedByCountExact = u.ImpactedBy, u.ImpactedByCount, u.ImpactedByCountExact
	n.Via, n.ViaCount = u.Via[:min(len(u.Via), plan.MaxImpactedListed)], len(u.Via)
}

// impactGraph is what root reaches in pp, at most limit nodes of it drawn.
func impactGraph(pp *pagedPlan, root string, limit int) *wire.ImpactGraph {
	r := pp.index().Reach(root, limit)
	g := &wire.ImpactGraph{Digest: pp.Digest, Root: r.Root, Reached: r.Reached,
		Nodes: make([]wire.ImpactNode, len(r.Nodes)), Edges: make([][2]string, len(r.Edges))}
	for i, n := range r.Nodes {
		g.Nodes[i] = wire.ImpactNode{Node: n.Node, Kind: n.Kind, Category: n.Category, Distance: n.Distance}
	}
	for i, e := range r.Edges {
		g.Edges[i] = [2]string{e.From, e.To}
	}
	return g
}
