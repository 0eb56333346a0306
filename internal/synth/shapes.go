package synth

import (
	"fmt"
	"slices"

	"github.com/ferrydev/ferry/internal/release"
)

// Shape is a graph shape that stresses the plan's impact computation.
type Shape string

// Shapes, each of n nodes named n000000, n000001... so that name order is
// dependency order.
const (
	// Chain: every node depends on the one before it.
	Chain Shape = "chain"
	// Star: one hub, and every other node depends on it alone.
	Star Shape = "star"
	// Diamond: layers of DiamondWidth nodes; every node depends on two nodes of the
	// layer before (the one below it and its neighbour, wrapping around).
	Diamond Shape = "diamond"
)

// DiamondWidth is the width of a Diamond lattice's layers.
const DiamondWidth = 100

// Shapes lists every shape, for benchmarks and tests that run them all.
var Shapes = []Shape{Chain, Star, Diamond}

// AllBreaking returns a base release of n nodes in shape s and a candidate with the
// same graph in which every node is BREAKING (its kind changed). Both are valid
// releases.
func AllBreaking(s Shape, n int) (base, candidate *release.Release, err error) {
	base, err = shaped(s, n, "model")
	if err != nil {
		return nil, nil, err
	}
	candidate, err = shaped(s, n, "view")
	if err != nil {
		return nil, nil, err
	}
	return base, candidate, nil
}

func shaped(s Shape, n int, kind string) (*release.Release, error) {
	if !slices.Contains(Shapes, s) {
		return nil, fmt.Errorf("unknown graph shape %q: use chain, star or diamond", s)
	}
	nodes := make([]release.Node, n)
	name := func(i int) string { return fmt.Sprintf("n%06d", i) }
	for i := range nodes {
		nodes[i] = release.Node{Name: name(i), Kind: kind}
		switch {
		case s == Chain && i > 0:
			nodes[i].DependsOn = []string{name(i - 1)}
		case s == Star && i > 0:
			nodes[i].DependsOn = []string{name(0)}
		case s == Diamond && i >= DiamondWidth:
			layer, j := i/DiamondWidth-1, i%DiamondWidth
			a, b := layer*DiamondWidth+j, layer*DiamondWidth+(j+1)%DiamondWidth
			nodes[i].DependsOn = []string{name(min(a, b)), name(max(a, b))}
		}
	}
	r := &release.Release{Name: string(s), Nodes: nodes}
	if err := release.Validate(string(s)+".json", r, nil); err != nil {
		return nil, fmt.Errorf("building a %s of %d nodes: %w", s, n, err)
	}
	return r, nil
}
