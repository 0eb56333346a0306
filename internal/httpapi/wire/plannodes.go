package wire

import "github.com/ferrydev/ferry/internal/plan"

// What the plan does to one node (Affected).
const (
	// AffectedChanged: the node is one of the plan's changes.
	AffectedChanged = "changed"
	// AffectedRebuilt: unchanged, but a breaking change upstream reaches it.
	AffectedRebuilt = "rebuilt"
	// AffectedNot: in the candidate release, unchanged, and nothing breaking
	// reaches it.
	AffectedNot = "unaffected"
	// AffectedMissing: no node of that name in either release.
	AffectedMissing = "missing"
)

// PlanNodes answers GET …/plan?node=NAME (the parameter repeated for several
// nodes): whether and how the plan affects each node named, in the order
// asked.
type PlanNodes struct {
	Digest string     `json:"digest"`
	Nodes  []PlanNode `json:"nodes"`
}

// PlanNode says whether and how the plan affects one node. Its lists are the
// plan's, capped; its row in the plan's pages has them all.
type PlanNode struct {
	Node string `json:"node"`
	// Kind is the node's kind in the candidate release (in the live one for
	// a removed node); empty when missing.
	Kind string `json:"kind,omitempty"`
	// Affected is one of changed, rebuilt, unaffected, missing.
	Affected string `json:"affected"`
	// Category is the change's, for a changed node.
	Category plan.Category `json:"category,omitempty"`
	// ImpactedCount is, for a breaking change, how many nodes it reaches
	// downstream (a lower bound unless ImpactedCountExact).
	ImpactedCount      int  `json:"impacted_count"`
	ImpactedCountExact bool `json:"impacted_count_exact"`
	// ImpactedBy, ImpactedByCount and ImpactedByCountExact are the breaking
	// changes that reach the node, as in the plan (none: a count of 0, exact).
	ImpactedBy           []string `json:"impacted_by,omitempty"`
	ImpactedByCount      int      `json:"impacted_by_count"`
	ImpactedByCountExact bool     `json:"impacted_by_count_exact"`
	// Via is the first MaxImpactedListed of the node's dependencies the
	// breakage arrives through; ViaCount counts them all.
	Via      []string `json:"via,omitempty"`
	ViaCount int      `json:"via_count"`
}

// ImpactGraph answers GET …/plan?impact=NAME: what a node reaches downstream,
// nearest first, as a graph to draw.
type ImpactGraph struct {
	Digest string `json:"digest"`
	Root   string `json:"root"`
	// Nodes are the root and the first nodes it reaches, breadth first, at
	// most the limit asked for; every node but the root has among them the
	// dependency it was first reached by.
	Nodes []ImpactNode `json:"nodes"`
	// Edges are the dependencies between Nodes: [from, to], to depends on from.
	Edges [][2]string `json:"edges"`
	// Reached counts every node the root reaches, drawn or not.
	Reached int `json:"reached"`
}

// ImpactNode is a node of an ImpactGraph.
type ImpactNode struct {
	Node     string        `json:"node"`
	Kind     string        `json:"kind"`
	Category plan.Category `json:"category"`
	// Distance is the fewest dependency edges from the root.
	Distance int `json:"distance"`
}
