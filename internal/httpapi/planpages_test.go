package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
)

// lambdaLimit is the most a Lambda function behind API Gateway may answer.
const lambdaLimit = 6 << 20

// bigPlanReleases are a release and its successor whose plan has chainLength
// BREAKING changes in a chain (each with full impact lists of long names), one
// change whose details alone are larger than a page (wide), and tail unchanged
// nodes below the chain that must be rebuilt.
func bigPlanReleases(chainLength, tail int) (old, cand map[string]any) {
	name := func(i int) string { return fmt.Sprintf("n%05d_%s", i, strings.Repeat("x", 180)) }
	wideCols := make([]map[string]string, 10_000)
	for i := range wideCols {
		wideCols[i] = map[string]string{"name": fmt.Sprintf("c%05d_%s", i, strings.Repeat("y", 300)), "type": "text"}
	}
	build := func(kind string, cols []map[string]string) map[string]any {
		var nodes []map[string]any
		for i := range chainLength {
			n := map[string]any{"name": name(i), "kind": kind}
			if i > 0 {
				n["depends_on"] = []string{name(i - 1)}
			}
			nodes = append(nodes, n)
		}
		for i := range tail {
			nodes = append(nodes, map[string]any{"name": fmt.Sprintf("t%05d", i), "kind": "model", "depends_on": []string{name(chainLength - 1)}})
		}
		nodes = append(nodes, map[string]any{"name": "wide", "kind": "model", "columns": cols})
		return map[string]any{"name": kind, "nodes": nodes}
	}
	return build("model", wideCols), build("view", nil)
}

// TestPlanPagesBound: on a plan of 20,000 changes (about 190 MB of JSON if sent
// whole), the promotion view and every page stay under Lambda's 6 MB, the pages
// hold the whole plan once, in review order, and the one change larger than a
// page comes trimmed and says so.
func TestPlanPagesBound(t *testing.T) {
	if testing.Short() {
		t.Skip("a plan of 20,000 changes")
	}
	a := newAPI(t)
	old, cand := bigPlanReleases(20_000, 2_000)
	a.start("dev", a.releaseJSON(old), "ci")
	p := a.start("dev", a.releaseJSON(cand), "ci")
	if p.PlanDigest == "" || p.Summary.Changed() != 20_001 || p.Summary.Indirect != 2_000 {
		t.Fatalf("plan %s: %+v", p.State, p.Summary)
	}
	biggest, where := 0, ""
	get := func(path string, out any) {
		t.Helper()
		data := a.expect(http.StatusOK, "GET", path, "ana", nil, out)
		if len(data) >= lambdaLimit {
			t.Fatalf("%s answered %d bytes, more than Lambda's %d", path, len(data), lambdaLimit)
		}
		if len(data) > biggest {
			biggest, where = len(data), path
		}
	}
	var view wire.PromotionView
	get("/api/promotions/"+p.ID, &view)
	if view.Plan.Digest != p.PlanDigest || view.Plan.NextChanges == 0 || view.Plan.NextIndirect == 0 {
		t.Fatalf("view's plan: digest %s, next %d, %d", view.Plan.Digest, view.Plan.NextChanges, view.Plan.NextIndirect)
	}
	whole, err := a.s.Control.Plan(ctx, p.PlanDigest)
	if err != nil {
		t.Fatal(err)
	}
	var changes []plan.Change
	var trimmed []string
	for offset := 0; ; {
		var page wire.PlanPage
		get(fmt.Sprintf("/api/promotions/%s/plan?list=changes&limit=1000&offset=%d", p.ID, offset), &page)
		if page.Total != 20_001 || page.Matched != 20_001 || len(page.Changes) == 0 || page.Digest != p.PlanDigest {
			t.Fatalf("page at %d: total %d, matched %d, %d changes", offset, page.Total, page.Matched, len(page.Changes))
		}
		changes, trimmed = append(changes, page.Changes...), append(trimmed, page.Trimmed...)
		if offset = page.NextOffset; offset == 0 {
			break
		}
	}
	if len(changes) != len(whole.Changes) || changes[0].Category != plan.Breaking || changes[len(changes)-1].Node != "wide" {
		t.Fatalf("%d changes paged of %d; first %s, last %s", len(changes), len(whole.Changes), changes[0].Category, changes[len(changes)-1].Node)
	}
	if !slices.Equal(trimmed, []string{"wide"}) || changes[len(changes)-1].Details.ColumnsRemoved != nil {
		t.Errorf("trimmed %v", trimmed)
	}
	names := func(cs []plan.Change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Node
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(names(changes), names(whole.Changes)) {
		t.Errorf("the pages do not hold every change once")
	}
	var indirect int
	for offset := 0; ; {
		var page wire.PlanPage
		get(fmt.Sprintf("/api/promotions/%s/plan?list=indirect&limit=1000&offset=%d", p.ID, offset), &page)
		indirect += len(page.Indirect)
		if offset = page.NextOffset; offset == 0 {
			break
		}
	}
	if indirect != 2_000 {
		t.Errorf("%d indirect nodes paged", indirect)
	}
	var found wire.PlanPage
	get("/api/promotions/"+p.ID+"/plan?q="+url.QueryEscape("N19999_X")+"&category=BREAKING", &found)
	if found.Matched != 1 || len(found.Changes) != 1 || !strings.HasPrefix(found.Changes[0].Node, "n19999_") {
		t.Errorf("search: %+v", found.Matched)
	}
	t.Logf("plan of %d changes and %d indirect: biggest response %d bytes (%s), bound %d bytes of entries per page",
		len(changes), indirect, biggest, where, httpapi.PlanPageBytes)
}

// releaseJSON uploads a release given as a JSON value and returns its id.
func (a *api) releaseJSON(rel any) string {
	a.t.Helper()
	var h struct{ ID string }
	code, data := a.do("POST", "/api/releases", "ci", rel)
	if code != http.StatusCreated && code != http.StatusOK {
		a.t.Fatalf("uploading a release: %d %s", code, data)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		a.t.Fatal(err)
	}
	return h.ID
}

// TestPlanPageQueries: the paging route's parameters are checked, and a
// promotion not planned yet has no plan to page.
func TestPlanPageQueries(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	base := "/api/promotions/" + p.ID + "/plan"
	a.expectError(400, "invalid", "GET", base+"?list=all", "ana", nil, "neither changes nor indirect")
	a.expectError(400, "invalid", "GET", base+"?category=UNCHANGED", "ana", nil, "not a category")
	a.expectError(400, "invalid", "GET", base+"?limit=1001", "ana", nil, "limit")
	a.expectError(404, "not_found", "GET", "/api/promotions/nope/plan", "ana", nil)
	var page wire.PlanPage
	a.expect(http.StatusOK, "GET", base+"?limit=1", "ana", nil, &page)
	if page.List != "changes" || page.Total != 1 || len(page.Changes) != 1 || page.NextOffset != 0 {
		t.Errorf("page %+v", page)
	}
	var none wire.PlanPage
	a.expect(http.StatusOK, "GET", base+"?q=nothing", "ana", nil, &none)
	if none.Matched != 0 || none.Changes != nil || none.Total != 1 {
		t.Errorf("no match: %+v", none)
	}
}
