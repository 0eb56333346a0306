package pipeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestApprovalKeepsTheTokenSecret(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana", "group:sre"}, MinApprovals: 2, ApprovalTimeout: policy.Duration(2 * time.Hour)})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	const token = "AAAA-very-secret-task-token"
	h.must(h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: token}))
	p := h.get(id)
	if p.State != promotion.AwaitingApproval || p.TaskToken != token {
		t.Fatalf("after approval: %s, token stored %v", p.State, p.TaskToken == token)
	}
	b, _ := json.Marshal(p)
	everything := string(b) + strings.Join(h.messages, "\n")
	for _, e := range p.Events {
		everything += e.Message
	}
	if strings.Contains(everything, token) {
		t.Error("the task token leaked into the promotion's JSON, an event or a notification")
	}
	if len(h.messages) != 1 {
		t.Fatalf("%d notifications, want 1: %v", len(h.messages), h.messages)
	}
	msg := h.messages[0]
	for _, want := range []string{"awaits approval", "https://ferry.example/#/promotions/" + id, "1 added", "ana, group:sre", "2 needed", "2026-11-01T12:00:00Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("notification %q lacks %q", msg, want)
		}
	}
	wantError(t, h.pl.Approval(ctx, Input{PromotionID: id}), "StepFailed", "no task token")
}

// TestApprovalRunAgainAfterTheDecision: the same call run again (a retry, or a
// restart that re-runs it) once the decision has closed waits for the answer the
// decision owes that task; another task is refused.
func TestApprovalRunAgainAfterTheDecision(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "token-1"}))
	_, err = h.store.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", As: "ana", Decision: promotion.Approve,
		PlanDigest: h.get(id).PlanDigest, At: h.now})
	h.must(err)
	if h.get(id).Closed == nil {
		t.Fatal("the quorum did not close the decision")
	}
	sent := len(h.messages)
	if err := h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "token-1"}); err != nil {
		t.Errorf("the same task again: %v", err)
	}
	if p := h.get(id); p.TaskToken != "token-1" || len(h.messages) != sent {
		t.Errorf("the same task again changed the token or notified: %v, %d notifications", p.TaskToken == "token-1", len(h.messages)-sent)
	}
	wantError(t, h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "token-2"}), "StepFailed", "closed")
}
