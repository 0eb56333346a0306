package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

func testPromotions(t *testing.T, s store.Store) {
	p := newPromotion(t, s, "p1", "prod", promotion.Planning, t0)
	wantCode(t, s.CreatePromotion(ctx, p), fault.Conflict, "already exists")
	wantCode(t, s.CreatePromotion(ctx, &promotion.Promotion{ID: "x"}), fault.Invalid)

	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if got.TaskToken != "token-p1" || got.RequestedBy != "ci-bot" || got.Revision != 1 {
		t.Errorf("promotion read back: %+v", got)
	}
	got.State = promotion.AwaitingApproval
	got.PlanDigest = "sha256:plan"
	got.Summary = &plan.Summary{Breaking: 1, Unchanged: 4}
	got.Execution = "arn:aws:states:us-east-1:1:execution:ferry:p1"
	must(t, s.SavePromotion(ctx, got))
	wantCode(t, s.SavePromotion(ctx, p), fault.Conflict, "changed since it was read") // p is at revision 1

	for i, typ := range []string{"planned", "approval_requested", "notify_failed"} {
		must(t, s.AppendEvent(ctx, "p1", promotion.Event{At: t0.Add(time.Duration(i) * time.Second), Type: promotion.EventType(typ), Message: typ}))
	}
	wantCode(t, s.AppendEvent(ctx, "ghost", promotion.Event{Type: "x"}), fault.NotFound)
	again, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	var types []string
	for _, e := range again.Events {
		types = append(types, string(e.Type))
	}
	if !slices.Equal(types, []string{"planned", "approval_requested", "notify_failed"}) {
		t.Errorf("events in order: %v", types)
	}
	if again.State != promotion.AwaitingApproval || again.Summary == nil || again.Summary.Breaking != 1 || again.Execution == "" {
		t.Errorf("saved promotion: %+v", again)
	}
	_, err = s.GetPromotion(ctx, "ghost")
	wantCode(t, err, fault.NotFound)
}

func testDecisions(t *testing.T, s store.Store) {
	newPromotion(t, s, "p1", "prod", promotion.AwaitingApproval, t0)
	approve := func(who string) promotion.Approval {
		return promotion.Approval{Identity: who, Decision: promotion.Approve, Comment: "lgtm", PlanDigest: "sha256:d", At: t0}
	}
	p, err := s.RecordDecision(ctx, "p1", approve("ana"))
	must(t, err)
	if p.ApprovalCount() != 1 || p.Approvals[0].Comment != "lgtm" {
		t.Errorf("after one approval: %+v", p.Approvals)
	}
	_, err = s.RecordDecision(ctx, "p1", approve("ana"))
	wantCode(t, err, fault.Conflict, "ana already decided")
	p, err = s.RecordDecision(ctx, "p1", approve("bo"))
	must(t, err)
	if p.ApprovalCount() != 2 {
		t.Errorf("after two approvers: %d", p.ApprovalCount())
	}

	// A save does not drop decisions recorded after the read.
	stale, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	stale.State = promotion.Applying
	must(t, s.SavePromotion(ctx, stale))
	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if got.ApprovalCount() != 2 {
		t.Errorf("approvals after save: %d", got.ApprovalCount())
	}
	_, err = s.RecordDecision(ctx, "p1", approve("cy"))
	wantCode(t, err, fault.Gone, "APPLYING")
	_, err = s.RecordDecision(ctx, "ghost", approve("ana"))
	wantCode(t, err, fault.NotFound)
}

func testListPromotions(t *testing.T, s store.Store) {
	for i := range 5 {
		newPromotion(t, s, fmt.Sprintf("p%d", i), "prod", promotion.Succeeded, t0.Add(time.Duration(i)*time.Minute))
	}
	newPromotion(t, s, "other", "prod-eu", promotion.Succeeded, t0.Add(time.Hour))
	var ids []string
	token := ""
	for range 10 {
		page, next, err := s.ListPromotions(ctx, "prod", store.Page{Limit: 2, Token: token})
		must(t, err)
		for _, p := range page {
			ids = append(ids, p.ID)
		}
		if token = next; token == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"p4", "p3", "p2", "p1", "p0"}) {
		t.Errorf("promotions newest first: %v", ids)
	}
	_, _, err := s.ListPromotions(ctx, "prod", store.Page{Token: "garbage!"})
	wantCode(t, err, fault.Invalid)
}

func testPendingApprovals(t *testing.T, s store.Store) {
	newPromotion(t, s, "a", "prod", promotion.AwaitingApproval, t0)
	newPromotion(t, s, "b", "staging", promotion.AwaitingApproval, t0.Add(time.Minute))
	newPromotion(t, s, "c", "prod", promotion.Planning, t0.Add(2*time.Minute))
	ids := func() []string {
		page, _, err := s.PendingApprovals(ctx, store.Page{})
		must(t, err)
		var out []string
		for _, p := range page {
			out = append(out, p.ID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("pending: %v", got)
	}
	c, err := s.GetPromotion(ctx, "c")
	must(t, err)
	c.State = promotion.AwaitingApproval
	must(t, s.SavePromotion(ctx, c))
	a, err := s.GetPromotion(ctx, "a")
	must(t, err)
	a.State = promotion.Rejected
	must(t, s.SavePromotion(ctx, a))
	if got := ids(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("pending after c waits and a is rejected: %v", got)
	}
	page, next, err := s.PendingApprovals(ctx, store.Page{Limit: 1})
	must(t, err)
	if len(page) != 1 || next == "" {
		t.Fatalf("first page of one: %d items, next %q", len(page), next)
	}
	page, next, err = s.PendingApprovals(ctx, store.Page{Limit: 1, Token: next})
	must(t, err)
	if len(page) != 1 || page[0].ID != "c" || next != "" {
		t.Errorf("second page: %v, next %q", page, next)
	}
}
