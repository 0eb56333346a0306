// Package plan computes the difference between the release live in an environment
// and a candidate release: one category per node, per-node details, the impact of
// breaking changes downstream, a summary and a digest that approvals are bound to.
//
// docs/plan-contract.md describes the categories and the JSON form for users.
// Decisions recorded here:
//   - A node is "changed" when its category is not UNCHANGED. A node is "impacted"
//     when it transitively depends, in the candidate's graph, on a BREAKING node;
//     "indirect" are the impacted nodes that are UNCHANGED (they must be rebuilt
//     though nothing in them changed).
//   - Impact is computed in time and space linear in nodes plus edges, whatever the
//     graph's shape, and the plan is linear in size: no list in it grows with the
//     number of paths. Counting every breaking node's transitive dependents exactly
//     is not linear in general (a chain of n breaking nodes has n²/2 such pairs), so:
//   - a BREAKING change lists the first MaxImpactedListed of its transitive
//     dependents by name (impacted) and counts them (impacted_count); an impacted
//     node, changed (on its change) or not (in indirect, each listed once), lists
//     the first MaxImpactedListed BREAKING nodes upstream of it by name
//     (impacted_by), counts them (impacted_by_count), and names its direct
//     dependencies that are BREAKING or impacted (via, complete: following via
//     answers either question exactly).
//   - The first names are exact: they come from capped sorted lists merged along
//     the graph, which keep the first names of a union exactly. A count is exact
//     when the list is not full; otherwise a walk counts it, and all such walks in
//     one direction follow at most countStepsPerElement × (nodes + edges) +
//     countStepsFloor edges, upstream nodes first. A count the budget did not reach
//     is a lower bound and says so (impacted_count_exact false). Real plans, where
//     few nodes break, are counted exactly.
//   - A fingerprint that differs while everything else is equal is NON_BREAKING (the
//     content changed in a way the release does not show, such as a dbt checksum).
//   - changes are sorted by node name; renderers group them by category.
//   - The digest is the sha256 of the canonical JSON of the plan with its digest
//     field empty (""); it covers the target, base version, both release ids and
//     every detail.
//   - A plan says which spec and metadata keys changed, not their values: the
//     values (a model's SQL can be large) stay in the two releases, which the
//     plan names by id and which are immutable, so showing old → new costs the
//     plan nothing in size or digest time. The approval page fetches a node from
//     both releases when its row is opened (GET /api/releases/{id}?node=NAME);
//     since the digest covers both release ids, the values shown are those the
//     approval is bound to.
//   - Index answers questions about one node of a stored plan (is it changed,
//     rebuilt, by what; what does it reach) from the plan alone, in time linear
//     in the plan; the HTTP API builds one per cached plan when first asked.
package plan

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/ferrydev/ferry/internal/release"
)

// Category says how a node differs between the current and the candidate release.
type Category string

// Categories, from most to least serious when shown to a reviewer.
const (
	// Breaking: in both; kind changed, or a column was removed or changed type.
	Breaking Category = "BREAKING"
	// Removed: in the current release only.
	Removed Category = "REMOVED"
	// NonBreaking: in both; fingerprint, spec, depends_on or columns differ, columns only added.
	NonBreaking Category = "NON_BREAKING"
	// Added: in the candidate only.
	Added Category = "ADDED"
	// Metadata: in both; only metadata differs.
	Metadata Category = "METADATA"
	// Unchanged: identical.
	Unchanged Category = "UNCHANGED"
)

// Categories lists the changed categories in the order reviewers read them.
var Categories = []Category{Breaking, Removed, NonBreaking, Added, Metadata}

// Plan is the difference between an environment's current release and a candidate.
type Plan struct {
	// Target is the environment the plan is for; empty for an offline plan of two files.
	Target string `json:"target"`
	// BaseVersion is the environment version the plan was computed against.
	BaseVersion int64 `json:"base_version"`
	// BaseRelease is the id of the current release, empty when nothing is live.
	BaseRelease string `json:"base_release"`
	// Release is the id of the candidate release.
	Release string `json:"release"`
	// Digest is the sha256 of the plan's canonical JSON with this field empty.
	Digest string `json:"digest"`
	// Summary counts nodes per category.
	Summary Summary `json:"summary"`
	// Changes has one entry per node that is not UNCHANGED, sorted by name.
	Changes []Change `json:"changes"`
	// Indirect lists the impacted nodes that are UNCHANGED (they must be rebuilt),
	// each once, sorted by name.
	Indirect []IndirectNode `json:"indirect"`
}

// Summary counts nodes per category, plus the indirectly impacted ones.
type Summary struct {
	Added       int `json:"added"`
	Removed     int `json:"removed"`
	Breaking    int `json:"breaking"`
	NonBreaking int `json:"non_breaking"`
	Metadata    int `json:"metadata"`
	Unchanged   int `json:"unchanged"`
	Indirect    int `json:"indirect"`
}

// Count returns the number of nodes in category c.
func (s Summary) Count(c Category) int {
	switch c {
	case Added:
		return s.Added
	case Removed:
		return s.Removed
	case Breaking:
		return s.Breaking
	case NonBreaking:
		return s.NonBreaking
	case Metadata:
		return s.Metadata
	case Unchanged:
		return s.Unchanged
	}
	return 0
}

// Changed returns the number of nodes that are not UNCHANGED.
func (s Summary) Changed() int {
	return s.Added + s.Removed + s.Breaking + s.NonBreaking + s.Metadata
}

func (s *Summary) add(c Category) {
	switch c {
	case Added:
		s.Added++
	case Removed:
		s.Removed++
	case Breaking:
		s.Breaking++
	case NonBreaking:
		s.NonBreaking++
	case Metadata:
		s.Metadata++
	case Unchanged:
		s.Unchanged++
	}
}

// Change is one node that differs.
type Change struct {
	Node     string   `json:"node"`
	Kind     string   `json:"kind"`
	Category Category `json:"category"`
	Details  Details  `json:"details"`
	// Impacted lists, for a BREAKING node, the first of its transitive dependents by
	// name, changed or not, at most MaxImpactedListed; empty otherwise.
	Impacted []string `json:"impacted"`
	// ImpactedCount is the number of transitive dependents, listed or not: exact
	// when ImpactedCountExact, otherwise a lower bound.
	ImpactedCount int `json:"impacted_count"`
	// ImpactedCountExact says ImpactedCount is exact.
	ImpactedCountExact bool `json:"impacted_count_exact"`
	// Upstream says which breaking changes reach this node, if any.
	Upstream
}

// Upstream says how BREAKING nodes upstream reach an impacted node. Every field is
// empty (and the count exact) for a node no breaking change reaches.
type Upstream struct {
	// ImpactedBy lists the first BREAKING nodes upstream by name, at most
	// MaxImpactedListed.
	ImpactedBy []string `json:"impacted_by"`
	// ImpactedByCount is the number of BREAKING nodes upstream: exact when
	// ImpactedByCountExact, otherwise a lower bound.
	ImpactedByCount int `json:"impacted_by_count"`
	// ImpactedByCountExact says ImpactedByCount is exact.
	ImpactedByCountExact bool `json:"impacted_by_count_exact"`
	// Via lists the node's direct dependencies that are BREAKING or impacted: the
	// edges the breakage arrives on, all of them, sorted.
	Via []string `json:"via"`
}

// IndirectNode is an UNCHANGED node downstream of a BREAKING node.
type IndirectNode struct {
	Node string `json:"node"`
	Kind string `json:"kind"`
	Upstream
}

// notImpacted is a change's impact fields when nothing breaks above or below it.
func notImpacted(node, kind string, c Category, d Details) Change {
	return Change{Node: node, Kind: kind, Category: c, Details: d, Impacted: []string{}, ImpactedCountExact: true,
		Upstream: Upstream{ImpactedBy: []string{}, ImpactedByCountExact: true, Via: []string{}}}
}

// Details says what differs in a node present in both releases.
type Details struct {
	KindChanged         *KindChange      `json:"kind_changed,omitempty"`
	ColumnsAdded        []release.Column `json:"columns_added,omitempty"`
	ColumnsRemoved      []release.Column `json:"columns_removed,omitempty"`
	ColumnsRetyped      []Retype         `json:"columns_retyped,omitempty"`
	FingerprintChanged  bool             `json:"fingerprint_changed,omitempty"`
	SpecChanged         bool             `json:"spec_changed,omitempty"`
	SpecKeysChanged     []string         `json:"spec_keys_changed,omitempty"`
	DependsOnAdded      []string         `json:"depends_on_added,omitempty"`
	DependsOnRemoved    []string         `json:"depends_on_removed,omitempty"`
	MetadataKeysChanged []string         `json:"metadata_keys_changed,omitempty"`
}

// KindChange is a node's kind before and after.
type KindChange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Retype is a column whose type changed.
type Retype struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Input is what a plan is computed from.
type Input struct {
	// Target is the environment, empty for an offline plan.
	Target string
	// BaseVersion is the environment's version when the plan is computed.
	BaseVersion int64
	// Base is the live release, nil when the environment has none. Validated.
	Base *release.Release
	// Candidate is the release to promote. Validated.
	Candidate *release.Release
}

// Compute returns the plan that takes in.Base to in.Candidate. Both releases must
// have passed release.Validate (nodes sorted by name, fields canonical).
func Compute(in Input) (*Plan, error) {
	base := in.Base
	if base == nil {
		base = &release.Release{}
	}
	p := &Plan{
		Target:      in.Target,
		BaseVersion: in.BaseVersion,
		Release:     in.Candidate.ID(),
		Changes:     []Change{},
		Indirect:    []IndirectNode{},
	}
	if in.Base != nil {
		p.BaseRelease = in.Base.ID()
	}
	cand := in.Candidate.Nodes
	categories := make([]Category, len(cand))
	changeOf := make([]int32, len(cand))
	anyBreaking := false
	old := base.Nodes
	i, j := 0, 0
	for i < len(old) || j < len(cand) {
		switch {
		case j == len(cand) || (i < len(old) && old[i].Name < cand[j].Name):
			p.Changes = appendChange(p.Changes, notImpacted(old[i].Name, old[i].Kind, Removed, Details{}))
			p.Summary.add(Removed)
			i++
		case i == len(old) || cand[j].Name < old[i].Name:
			categories[j] = Added
			changeOf[j] = int32(len(p.Changes))
			p.Changes = appendChange(p.Changes, notImpacted(cand[j].Name, cand[j].Kind, Added, Details{}))
			p.Summary.add(Added)
			j++
		default:
			c, d := compare(&old[i], &cand[j])
			categories[j] = c
			p.Summary.add(c)
			changeOf[j] = -1
			if c != Unchanged {
				anyBreaking = anyBreaking || c == Breaking
				changeOf[j] = int32(len(p.Changes))
				p.Changes = appendChange(p.Changes, notImpacted(cand[j].Name, cand[j].Kind, c, d))
			}
			i++
			j++
		}
	}
	if anyBreaking {
		addImpact(p, cand, categories, changeOf)
	}
	var err error
	if p.Digest, err = digest(p); err != nil {
		return nil, err
	}
	return p, nil
}

// appendChange appends c to changes, doubling the capacity when it is full: the
// runtime grows large slices by a quarter at a time, which for a plan of many
// changes allocates about five times its final size.
func appendChange(changes []Change, c Change) []Change {
	if len(changes) == cap(changes) {
		grown := make([]Change, len(changes), 2*cap(changes)+8)
		copy(grown, changes)
		changes = grown
	}
	return append(changes, c)
}

// compare categorizes a node present in both releases and says what differs.
func compare(o, n *release.Node) (Category, Details) {
	var d Details
	if o.Kind != n.Kind {
		d.KindChanged = &KindChange{From: o.Kind, To: n.Kind}
	}
	if !equalColumns(o.Columns, n.Columns) {
		diffColumns(&d, o.Columns, n.Columns)
	}
	d.FingerprintChanged = o.Fingerprint != n.Fingerprint
	if !bytes.Equal(o.Spec, n.Spec) {
		d.SpecChanged = true
		d.SpecKeysChanged = changedKeys(o.Spec, n.Spec)
	}
	d.DependsOnAdded, d.DependsOnRemoved = diffSorted(o.DependsOn, n.DependsOn)
	if !bytes.Equal(o.Metadata, n.Metadata) {
		d.MetadataKeysChanged = changedKeys(o.Metadata, n.Metadata)
		if d.MetadataKeysChanged == nil {
			d.MetadataKeysChanged = []string{}
		}
	}
	switch {
	case d.KindChanged != nil || len(d.ColumnsRemoved) > 0 || len(d.ColumnsRetyped) > 0:
		return Breaking, d
	case d.FingerprintChanged || d.SpecChanged || len(d.ColumnsAdded) > 0 ||
		len(d.DependsOnAdded) > 0 || len(d.DependsOnRemoved) > 0:
		return NonBreaking, d
	case d.MetadataKeysChanged != nil:
		return Metadata, d
	}
	return Unchanged, Details{}
}

func equalColumns(a, b []release.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffColumns compares columns by name, whatever their order.
func diffColumns(d *Details, old, cur []release.Column) {
	oldType := make(map[string]string, len(old))
	for _, c := range old {
		oldType[c.Name] = c.Type
	}
	seen := make(map[string]bool, len(cur))
	for _, c := range cur {
		seen[c.Name] = true
		t, ok := oldType[c.Name]
		switch {
		case !ok:
			d.ColumnsAdded = append(d.ColumnsAdded, c)
		case t != c.Type:
			d.ColumnsRetyped = append(d.ColumnsRetyped, Retype{Name: c.Name, From: t, To: c.Type})
		}
	}
	for _, c := range old {
		if !seen[c.Name] {
			d.ColumnsRemoved = append(d.ColumnsRemoved, c)
		}
	}
}

// diffSorted returns what is in cur but not old, and in old but not cur.
func diffSorted(old, cur []string) (added, removed []string) {
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || (i < len(old) && old[i] < cur[j]):
			removed = append(removed, old[i])
			i++
		case i == len(old) || cur[j] < old[i]:
			added = append(added, cur[j])
			j++
		default:
			i++
			j++
		}
	}
	return added, removed
}

// changedKeys lists the top-level keys whose values differ between two canonical JSON
// values, when both are objects (or absent); nil otherwise.
func changedKeys(a, b json.RawMessage) []string {
	ma, okA := objectMembers(a)
	mb, okB := objectMembers(b)
	if !okA || !okB {
		return nil
	}
	var keys []string
	for k, va := range ma {
		if vb, ok := mb[k]; !ok || !bytes.Equal(va, vb) {
			keys = append(keys, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// objectMembers splits a canonical JSON object into its members. Absent is an empty object.
func objectMembers(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, true
	}
	if raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}
