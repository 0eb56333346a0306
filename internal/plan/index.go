package plan

import (
	"slices"
)

// Index finds a plan's entries by node name and follows its via edges
// downstream, for the questions a reviewer asks of one node: is it affected,
// and by what; what does this breaking change reach. It is built in time and
// space linear in the plan and does not change the plan.
type Index struct {
	plan     *Plan
	changes  map[string]int
	indirect map[string]int
	// below is the reverse of via: for each breaking or impacted node, its
	// direct dependents that are impacted, sorted.
	below map[string][]string
}

// NewIndex indexes p.
func NewIndex(p *Plan) *Index {
	x := &Index{plan: p, changes: make(map[string]int, len(p.Changes)), indirect: make(map[string]int, len(p.Indirect)),
		below: map[string][]string{}}
	for i := range p.Changes {
		c := &p.Changes[i]
		x.changes[c.Node] = i
		x.addBelow(c.Node, c.Via)
	}
	for i := range p.Indirect {
		u := &p.Indirect[i]
		x.indirect[u.Node] = i
		x.addBelow(u.Node, u.Via)
	}
	for _, list := range x.below {
		slices.Sort(list)
	}
	return x
}

func (x *Index) addBelow(node string, via []string) {
	for _, p := range via {
		x.below[p] = append(x.below[p], node)
	}
}

// Change returns the change of node, if the plan has one.
func (x *Index) Change(node string) (*Change, bool) {
	i, ok := x.changes[node]
	if !ok {
		return nil, false
	}
	return &x.plan.Changes[i], true
}

// Indirect returns node's entry among the rebuilt unchanged nodes, if it is one.
func (x *Index) Indirect(node string) (*IndirectNode, bool) {
	i, ok := x.indirect[node]
	if !ok {
		return nil, false
	}
	return &x.plan.Indirect[i], true
}

// Reach is what a node reaches downstream, nearest first, as a graph to draw.
type Reach struct {
	// Root is the node the walk starts from.
	Root string
	// Nodes are the root and the first nodes it reaches in breadth-first order
	// (nearest first), at most the limit asked for: every node but the root
	// has among them the dependency it was first reached by.
	Nodes []ReachNode
	// Edges are the via edges between Nodes: To depends on From.
	Edges []Edge
	// Reached counts every node the root reaches, drawn or not.
	Reached int
}

// ReachNode is a node of a Reach.
type ReachNode struct {
	Node     string
	Kind     string
	Category Category
	// Distance is the fewest edges from the root.
	Distance int
}

// Edge is a dependency: To depends on From.
type Edge struct {
	From, To string
}

// Reach walks the via edges down from root, breadth first, keeping the first
// limit nodes (root included) and counting all it reaches. A node the plan
// does not hold reaches nothing.
func (x *Index) Reach(root string, limit int) Reach {
	r := Reach{Root: root}
	distance := map[string]int{root: 0}
	queue := []string{root}
	for k := 0; k < len(queue); k++ {
		for _, c := range x.below[queue[k]] {
			if _, seen := distance[c]; !seen {
				distance[c] = distance[queue[k]] + 1
				queue = append(queue, c)
			}
		}
	}
	r.Reached = len(queue) - 1
	drawn := queue[:min(limit, len(queue))]
	in := make(map[string]bool, len(drawn))
	for _, n := range drawn {
		in[n] = true
	}
	for _, n := range drawn {
		node := ReachNode{Node: n, Distance: distance[n], Category: Unchanged}
		var via []string
		if c, ok := x.Change(n); ok {
			node.Kind, node.Category, via = c.Kind, c.Category, c.Via
		} else if u, ok := x.Indirect(n); ok {
			node.Kind, via = u.Kind, u.Via
		}
		r.Nodes = append(r.Nodes, node)
		for _, p := range via {
			if in[p] {
				r.Edges = append(r.Edges, Edge{From: p, To: n})
			}
		}
	}
	return r
}
