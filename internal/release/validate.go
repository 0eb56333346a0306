package release

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/canonical"
)

// Validate checks r and normalizes it in place: spec and metadata become canonical
// JSON, depends_on is sorted, nodes are sorted by name, missing fingerprints are
// computed, and the release id is recorded (see ID). file names the source in
// errors; nodeLines, when not nil, holds the line of each node (in r's original
// order) for error messages.
//
// Importers that build a Release in code call Validate before using it; a release
// must not be modified after it.
func Validate(file string, r *Release, nodeLines []int) error {
	ps := problems{file: file}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		var err error
		if n.Spec, err = canonicalOrNil(n.Spec); err != nil {
			ps.add(Problem{Node: nodeRef(i, n.Name), Field: "spec", Message: err.Error()})
		}
		if n.Metadata, err = canonicalOrNil(n.Metadata); err != nil {
			ps.add(Problem{Node: nodeRef(i, n.Name), Field: "metadata", Message: err.Error()})
		}
	}
	if err := ps.result(); err != nil {
		return err
	}
	check(&ps, r, nodeLines)
	return ps.result()
}

// check validates r, whose spec and metadata are canonical already, and normalizes
// the rest; problems go to ps.
func check(ps *problems, r *Release, nodeLines []int) {
	if len(r.Nodes) > MaxNodes {
		ps.add(Problem{Field: "nodes", Message: fmt.Sprintf("%d nodes, more than the limit of %d", len(r.Nodes), MaxNodes)})
		return
	}
	validateChecks(ps, r.Checks)

	index := make(map[string]int, len(r.Nodes))
	for i := range r.Nodes {
		n := &r.Nodes[i]
		at := func(field, format string, args ...any) {
			p := Problem{Node: nodeRef(i, n.Name), Field: field, Message: fmt.Sprintf(format, args...)}
			if i < len(nodeLines) {
				p.Line = nodeLines[i]
			}
			ps.add(p)
		}
		switch {
		case n.Name == "":
			at("name", "is required")
		case !ValidName(n.Name):
			at("name", "%q is not a valid name: use 1 to %d characters from A-Z a-z 0-9 _ . : / -", n.Name, MaxNameLength)
		default:
			if j, dup := index[n.Name]; dup {
				at("name", "duplicate name: nodes[%d] has the same name", j)
			} else {
				index[n.Name] = i
			}
		}
		validateNode(n, at)
		if ps.full() {
			return
		}
	}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		for _, d := range n.DependsOn {
			if _, ok := index[d]; !ok {
				p := Problem{Node: nodeRef(i, n.Name), Field: "depends_on", Message: fmt.Sprintf("unknown node %q", d)}
				if i < len(nodeLines) {
					p.Line = nodeLines[i]
				}
				ps.add(p)
			}
		}
	}
	if len(ps.err.Problems) > 0 {
		return
	}
	if cycle := findCycle(r.Nodes, index); cycle != nil {
		i := index[cycle[0]]
		p := Problem{Node: nodeRef(i, cycle[0]), Field: "depends_on",
			Message: "dependency cycle: " + cycleText(cycle) + " (each depends on the next)"}
		if i < len(nodeLines) {
			p.Line = nodeLines[i]
		}
		ps.add(p)
		return
	}
	byName := func(a, b Node) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(r.Nodes, byName) {
		slices.SortFunc(r.Nodes, byName)
	}
	r.id = newDigester().release(r, true)
}

func validateChecks(ps *problems, checks []Check) {
	seen := make(map[string]bool, len(checks))
	for i, c := range checks {
		field := fmt.Sprintf("checks[%d]", i)
		switch {
		case c.Name == "":
			ps.add(Problem{Field: field + ".name", Message: "is required"})
		case seen[c.Name]:
			ps.add(Problem{Field: field + ".name", Message: fmt.Sprintf("duplicate check %q", c.Name)})
		}
		seen[c.Name] = true
		if !c.Status.valid() {
			ps.add(Problem{Field: field + ".status", Message: fmt.Sprintf(
				"%q is not a check status: use passed, failed, pending or skipped", c.Status)})
		}
	}
}

// validateNode checks and normalizes one node's own fields, reporting through at.
func validateNode(n *Node, at func(field, format string, args ...any)) {
	if n.Kind == "" {
		at("kind", "is required")
	}
	if len(n.Fingerprint) > 512 {
		at("fingerprint", "is %d characters, more than 512", len(n.Fingerprint))
	}
	if len(n.Columns) > MaxColumns {
		at("columns", "%d columns, more than the limit of %d", len(n.Columns), MaxColumns)
	}
	if j := duplicateColumn(n.Columns); j >= 0 {
		at(fmt.Sprintf("columns[%d].name", j), "duplicate column %q", n.Columns[j].Name)
	}
	for j, c := range n.Columns {
		if c.Name == "" {
			at(fmt.Sprintf("columns[%d].name", j), "is required")
		}
	}
	if len(n.DependsOn) > MaxDependsOn {
		at("depends_on", "%d dependencies, more than the limit of %d", len(n.DependsOn), MaxDependsOn)
	}
	if !slices.IsSorted(n.DependsOn) {
		slices.Sort(n.DependsOn)
	}
	for j := 1; j < len(n.DependsOn); j++ {
		if n.DependsOn[j] == n.DependsOn[j-1] {
			at("depends_on", "lists %q twice", n.DependsOn[j])
		}
	}
	if len(n.Metadata) > 0 && n.Metadata[0] != '{' {
		at("metadata", "must be an object")
	}
}

// duplicateColumn returns the index of the first column whose name an earlier one
// has, or -1. Most nodes have a few columns, which a double loop checks without
// allocating.
func duplicateColumn(cols []Column) int {
	if len(cols) <= 32 {
		for j := 1; j < len(cols); j++ {
			for k := 0; k < j; k++ {
				if cols[k].Name == cols[j].Name {
					return j
				}
			}
		}
		return -1
	}
	seen := make(map[string]bool, len(cols))
	for j, c := range cols {
		if seen[c.Name] {
			return j
		}
		seen[c.Name] = true
	}
	return -1
}

// canonicalOrNil returns the canonical form of raw, or nil for absent or null.
func canonicalOrNil(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	c, err := canonical.Compact(raw)
	if err != nil || string(c) == "null" {
		return nil, err
	}
	return c, nil
}

// cycleText writes a cycle as "a -> b -> a", eliding the middle of a long one.
func cycleText(cycle []string) string {
	const keep = 10
	if len(cycle) <= 2*keep {
		return strings.Join(cycle, " -> ")
	}
	return fmt.Sprintf("%s -> ... %d more ... -> %s", strings.Join(cycle[:keep], " -> "),
		len(cycle)-2*keep, strings.Join(cycle[len(cycle)-keep:], " -> "))
}

// findCycle returns a dependency cycle as a list of names that starts and ends with
// the same node, or nil when the graph is acyclic. It walks iteratively, so long
// chains cannot exhaust the stack.
func findCycle(nodes []Node, index map[string]int) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make([]uint8, len(nodes))
	type frame struct{ node, next int }
	var path []frame
	for start := range nodes {
		if state[start] != unvisited {
			continue
		}
		path = append(path[:0], frame{node: start})
		state[start] = onPath
		for len(path) > 0 {
			top := &path[len(path)-1]
			deps := nodes[top.node].DependsOn
			if top.next == len(deps) {
				state[top.node] = done
				path = path[:len(path)-1]
				continue
			}
			d := index[deps[top.next]]
			top.next++
			switch state[d] {
			case onPath:
				var cycle []string
				for k := len(path) - 1; k >= 0; k-- {
					cycle = append(cycle, nodes[path[k].node].Name)
					if path[k].node == d {
						break
					}
				}
				slices.Reverse(cycle)
				return append(cycle, nodes[d].Name)
			case unvisited:
				state[d] = onPath
				path = append(path, frame{node: d})
			}
		}
	}
	return nil
}
