package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
)

// Plan pages. API Gateway and Lambda cap a response at 6 MB (6,291,456 bytes),
// and a plan of 15,000 changes is larger than that, so a plan is answered a page
// at a time. The bound: a page's entries, as JSON, take at most PlanPageBytes
// (2 MiB) and a page holds at most maxPlanPage entries; an entry alone larger
// than PlanPageBytes (a node with tens of thousands of columns or dependencies)
// is sent trimmed: without its details and via lists, its name in trimmed. A
// promotion view carries two pages (changes, indirect), at most 4 MiB, leaving
// 2 MB for the promotion and release header, whose events, approvals and checks
// are small; a page of its own carries one, at most 2 MiB and a few hundred
// bytes of header. TestPlanPagesBound measures it on a plan of 20,000 changes.
const (
	PlanPageBytes   = 2 << 20
	defaultPlanPage = 200
	maxPlanPage     = 1000
)

// reviewOrder is the order changes are paged in: the order reviewers read them.
var reviewOrder = func() map[plan.Category]int {
	m := map[plan.Category]int{}
	for i, c := range plan.Categories {
		m[c] = i
	}
	return m
}()

// pagedPlan is a stored plan with its changes in review order, and its index
// by node name, built when first asked about a node.
type pagedPlan struct {
	*plan.Plan
	ordered []plan.Change
	index   func() *plan.Index
	// view is planView's answer, built once: the promotion's view carries it
	// on every poll.
	view func() *wire.PlanView
}

func newPagedPlan(p *plan.Plan) *pagedPlan {
	ordered := slices.Clone(p.Changes)
	slices.SortStableFunc(ordered, func(a, b plan.Change) int {
		if d := reviewOrder[a.Category] - reviewOrder[b.Category]; d != 0 {
			return d
		}
		if d := b.ImpactedCount - a.ImpactedCount; d != 0 {
			return d
		}
		return strings.Compare(a.Node, b.Node)
	})
	pp := &pagedPlan{Plan: p, ordered: ordered, index: sync.OnceValue(func() *plan.Index { return plan.NewIndex(p) })}
	pp.view = sync.OnceValue(func() *wire.PlanView { return planView(pp) })
	return pp
}

// planQuery is what a page asks for.
type planQuery struct {
	list          string
	offset, limit int
	needle        string
	category      plan.Category
}

// planQueryOf reads list, offset, limit, q and category. Codes: invalid.
func planQueryOf(r *http.Request) (planQuery, error) {
	q := r.URL.Query()
	pq := planQuery{list: q.Get("list"), needle: strings.ToLower(q.Get("q")), category: plan.Category(q.Get("category"))}
	if pq.list == "" {
		pq.list = "changes"
	}
	if pq.list != "changes" && pq.list != "indirect" {
		return pq, fault.Errorf(fault.Invalid, "list: %q is neither changes nor indirect", pq.list)
	}
	if pq.category != "" && !slices.Contains(plan.Categories, pq.category) {
		return pq, fault.Errorf(fault.Invalid, "category: %q is not a category of change", pq.category)
	}
	var err error
	if pq.offset, err = intParam(q.Get("offset"), "offset", 0, 0, 1<<31); err != nil {
		return pq, err
	}
	pq.limit, err = intParam(q.Get("limit"), "limit", defaultPlanPage, 1, maxPlanPage)
	return pq, err
}

// page answers one page of pp's list.
func (pp *pagedPlan) page(pq planQuery) wire.PlanPage {
	out := wire.PlanPage{Digest: pp.Digest, List: pq.list}
	match := func(node string) bool { return pq.needle == "" || strings.Contains(strings.ToLower(node), pq.needle) }
	var trimmed []string
	if pq.list == "changes" {
		out.Total = len(pp.ordered)
		var keep []int
		for i, c := range pp.ordered {
			if (pq.category == "" || c.Category == pq.category) && match(c.Node) {
				keep = append(keep, i)
			}
		}
		out.Matched = len(keep)
		out.Changes, trimmed, out.NextOffset = planPageOf(keep, pq, func(i int) plan.Change { return pp.ordered[i] }, trimChange)
		out.Trimmed = trimmed
		return out
	}
	out.Total = len(pp.Indirect)
	var keep []int
	if pq.category == "" {
		for i, u := range pp.Indirect {
			if match(u.Node) {
				keep = append(keep, i)
			}
		}
	}
	out.Matched = len(keep)
	out.Indirect, trimmed, out.NextOffset = planPageOf(keep, pq, func(i int) plan.IndirectNode { return pp.Indirect[i] }, trimIndirect)
	out.Trimmed = trimmed
	return out
}

// planPageOf takes the entries keep[offset:] of at most limit entries and
// PlanPageBytes bytes; it returns them, the names it trimmed and the next
// offset (0 at the end).
func planPageOf[T any](keep []int, pq planQuery, at func(int) T, trim func(T) (T, string)) ([]T, []string, int) {
	var out []T
	var trimmed []string
	size := 0
	k := pq.offset
	for ; k < len(keep) && len(out) < pq.limit; k++ {
		e := at(keep[k])
		n := encodedSize(e)
		if n > PlanPageBytes {
			var name string
			e, name = trim(e)
			n = encodedSize(e)
			trimmed = append(trimmed, name)
		}
		if len(out) > 0 && size+n+1 > PlanPageBytes {
			break
		}
		size += n + 1
		out = append(out, e)
	}
	if k >= len(keep) {
		k = 0
	}
	return out, trimmed, k
}

func encodedSize(v any) int {
	data, err := json.Marshal(v)
	if err != nil {
		return PlanPageBytes + 1
	}
	return len(data)
}

// trimmedVia is how many names of via a trimmed entry keeps.
const trimmedVia = 1000

func trimChange(c plan.Change) (plan.Change, string) {
	c.Details = plan.Details{KindChanged: c.Details.KindChanged}
	c.Upstream = trimUpstream(c.Upstream)
	return c, c.Node
}

func trimIndirect(u plan.IndirectNode) (plan.IndirectNode, string) {
	u.Upstream = trimUpstream(u.Upstream)
	return u, u.Node
}

func trimUpstream(u plan.Upstream) plan.Upstream {
	if len(u.Via) > trimmedVia {
		u.Via = u.Via[:trimmedVia]
	}
	return u
}

// planView is pp with the first page of each list (ask pp.view(), which
// builds it once).
func planView(pp *pagedPlan) *wire.PlanView {
	p := pp.Plan
	v := &wire.PlanView{Target: p.Target, BaseVersion: p.BaseVersion, BaseRelease: p.BaseRelease, Release: p.Release,
		Digest: p.Digest, Summary: p.Summary}
	first := planQuery{list: "changes", limit: defaultPlanPage}
	changes := pp.page(first)
	first.list = "indirect"
	indirect := pp.page(first)
	v.Changes, v.NextChanges = changes.Changes, changes.NextOffset
	v.Indirect, v.NextIndirect = indirect.Indirect, indirect.NextOffset
	v.Trimmed = append(changes.Trimmed, indirect.Trimmed...)
	if v.Changes == nil {
		v.Changes = []plan.Change{}
	}
	if v.Indirect == nil {
		v.Indirect = []plan.IndirectNode{}
	}
	return v
}

// promotionPlan answers a page of a promotion's plan, or a question about
// some of its nodes (plannodes.go).
func (s *Server) promotionPlan(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	digest, err := s.Control.PlanDigest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	pp, err := s.plan(r.Context(), digest)
	if err != nil {
		return err
	}
	if answer, asked, err := s.planQuestion(r.Context(), r, pp); asked {
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, answer)
	}
	pq, err := planQueryOf(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pp.page(pq))
}
