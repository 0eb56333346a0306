package pipeline

import (
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// TestCancelledMidway: steps still on their way when a promotion is cancelled
// find it ended; the approval does not wait and the apply switches nothing.
func TestCancelledMidway(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	p, err := h.pl.Cancel(ctx, id, "ci")
	h.must(err)
	if p.State != promotion.Cancelled || p.FinishedAt == nil || h.getEnv("prod").Lock != nil {
		t.Fatalf("after cancel: %s, lock %+v", p.State, h.getEnv("prod").Lock)
	}
	wantError(t, h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "late"}), "StepFailed", "CANCELLED", "waits for nobody")
	wantError(t, h.pl.Apply(ctx, Input{PromotionID: id}), "StepFailed", "CANCELLED", "switches nothing")
	if got := h.get(id); got.State != promotion.Cancelled || got.TaskToken != "" || h.getEnv("prod").Version != 0 {
		t.Errorf("after the late steps: %s, version %d", got.State, h.getEnv("prod").Version)
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Failed}))
	if got := h.get(id); got.State != promotion.Cancelled {
		t.Errorf("finalize overwrote the cancellation: %s", got.State)
	}
	if _, err := h.pl.Cancel(ctx, id, "ci"); err != nil {
		t.Errorf("cancelling again: %v", err)
	}
}
