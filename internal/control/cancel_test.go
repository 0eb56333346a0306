package control

import (
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// TestCancelledMidway: steps still on their way when a promotion is cancelled
// find it ended; the approval does not wait and the apply switches nothing.
func TestCancelledMidway(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}})
	id := h.promotion("prod", h.rel("v1", "a=model"))
	_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	requester := policy.Identity{Subject: "ci-bot"}
	p, err := h.svc.Cancel(ctx, requester, id)
	h.must(err)
	if p.State != promotion.Cancelled || p.FinishedAt == nil || h.getEnv("prod").Lock != nil {
		t.Fatalf("after cancel: %s, lock %+v", p.State, h.getEnv("prod").Lock)
	}
	wantStepError(t, h.pl.Approval(ctx, pipeline.Input{PromotionID: id, TaskToken: "late"}), "StepFailed", "CANCELLED", "waits for nobody")
	wantStepError(t, h.pl.Apply(ctx, pipeline.Input{PromotionID: id}), "StepFailed", "CANCELLED", "switches nothing")
	if got := h.get(id); got.State != promotion.Cancelled || got.TaskToken != "" || h.getEnv("prod").Version != 0 {
		t.Errorf("after the late steps: %s, version %d", got.State, h.getEnv("prod").Version)
	}
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: id, Outcome: promotion.Failed}))
	if got := h.get(id); got.State != promotion.Cancelled {
		t.Errorf("finalize overwrote the cancellation: %s", got.State)
	}
	if _, err := h.svc.Cancel(ctx, requester, id); fault.ErrorCode(err) != fault.Gone || !strings.Contains(err.Error(), "cancelled by ci-bot") {
		t.Errorf("cancelling again: %v, want gone saying what closed it", err)
	}
	if want := ExecutionARN(h.svc.StateMachineARN, id); len(h.sfn.stopped) != 1 || h.sfn.stopped[0] != want {
		t.Errorf("stopped %v, want %s once", h.sfn.stopped, want)
	}
}

func TestCancelLogsAndNotifies(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}})
	id := h.promotion("prod", h.rel("v1", "a=model"))
	_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	_, err = h.svc.Cancel(ctx, policy.Identity{Subject: "boss", Groups: []string{"admins"}}, id)
	h.must(err)
	got := h.get(id)
	last := got.Events[len(got.Events)-1]
	if last.Type != "cancelled" || last.Actor != "boss" || last.Message != "promotion p1 to prod cancelled by boss" {
		t.Errorf("last event %+v", last)
	}
	want := "Ferry: promotion p1 to prod cancelled by boss. <https://ferry.example/#/promotions/p1|Details>"
	if !slices.Contains(h.messages, want) {
		t.Errorf("messages %q, want %q", h.messages, want)
	}
}

func TestMayCancel(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name  string
		who   policy.Identity
		state promotion.State
		code  string
		says  string
	}{
		{"the requester, planning", policy.Identity{Subject: "ci-bot"}, promotion.Planning, "", ""},
		{"the requester, awaiting approval", policy.Identity{Subject: "ci-bot"}, promotion.AwaitingApproval, "", ""},
		{"an admin", policy.Identity{Subject: "boss", Groups: []string{"admins"}}, promotion.AwaitingApproval, "", ""},
		{"someone else", policy.Identity{Subject: "ana"}, promotion.AwaitingApproval, fault.Forbidden, "only ci-bot, who requested promotion p1, or an admin"},
		{"nobody", policy.Identity{}, promotion.AwaitingApproval, fault.Forbidden, "only ci-bot"},
		{"applying", policy.Identity{Subject: "ci-bot"}, promotion.Applying, fault.Conflict, "APPLYING and can no longer be cancelled"},
		{"cancelled", policy.Identity{Subject: "ci-bot"}, promotion.Cancelled, fault.Conflict, "CANCELLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.svc.MayCancel(&promotion.Promotion{ID: "p1", RequestedBy: "ci-bot", State: tt.state}, tt.who)
			if fault.ErrorCode(err) != tt.code || !strings.Contains(fault.ErrorMessage(err), tt.says) {
				t.Errorf("MayCancel = %v, want %q saying %q", err, tt.code, tt.says)
			}
		})
	}
}

func TestCancelRefuses(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	id := h.promotion("prod", h.rel("v1", "a=model"))
	if _, err := h.svc.Cancel(ctx, policy.Identity{Subject: "ana"}, id); fault.ErrorCode(err) != fault.Forbidden {
		t.Errorf("someone else cancelling: %v", err)
	}
	done := h.deploy("prod", h.rel("v2", "a=model", "b=model"))
	if _, err := h.svc.Cancel(ctx, policy.Identity{Subject: "ci-bot"}, done); fault.ErrorCode(err) != fault.Conflict ||
		!strings.Contains(fault.ErrorMessage(err), "SUCCEEDED and can no longer be cancelled") {
		t.Errorf("cancelling a finished promotion: %v", err)
	}
	if _, err := h.svc.Cancel(ctx, policy.Identity{Subject: "ci-bot"}, "nope"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("cancelling no promotion: %v", err)
	}
	if got := h.get(id); got.State != promotion.Planning || len(h.sfn.stopped) != 0 {
		t.Errorf("a refused cancel changed %s (%s), stopped %v", id, got.State, h.sfn.stopped)
	}
}
