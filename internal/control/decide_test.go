package control

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestDecisionComments(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
	id := h.promotion("prod", h.rel("v1", "a=model"))
	_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Approval(ctx, pipeline.Input{PromotionID: id, TaskToken: "token"}))
	digest, ana := h.get(id).PlanDigest, policy.Identity{Subject: "ana"}
	tests := []struct {
		name    string
		who     policy.Identity
		d       promotion.Decision
		comment string
		code    string
		says    string
	}{
		{"a reject without a comment", ana, promotion.Reject, "", fault.Invalid, "comment: a rejection needs a reason"},
		{"a reject with a blank comment", ana, promotion.Reject, " \n\t", fault.Invalid, "comment: a rejection needs a reason"},
		{"a comment too long", ana, promotion.Approve, strings.Repeat("x", MaxComment+1), fault.Invalid, "comment: 4001 bytes, at most 4000"},
		{"not an approver comes first", policy.Identity{Subject: "cy"}, promotion.Reject, "", fault.Forbidden, "cy is not an approver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.svc.Decide(ctx, tt.who, id, tt.d, DecisionRequest{PlanDigest: digest, Comment: tt.comment})
			if fault.ErrorCode(err) != tt.code || !strings.Contains(fault.ErrorMessage(err), tt.says) {
				t.Errorf("Decide = %v, want %s saying %q", err, tt.code, tt.says)
			}
		})
	}
	if got := h.get(id); len(got.Approvals) != 0 || got.State != promotion.AwaitingApproval {
		t.Errorf("refused decisions were recorded: %+v, %s", got.Approvals, got.State)
	}
}

func TestReview(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}})
	id := h.promotion("prod", h.rel("v1", "a=model"))
	_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Approval(ctx, pipeline.Input{PromotionID: id, TaskToken: "token"}))
	r, err := h.svc.Review(ctx, policy.Identity{Subject: "ana"}, id)
	h.must(err)
	if r.Promotion.ID != id || r.Rules.MinApprovals != 1 || !r.Recorded || r.WhyNotDecide != nil ||
		!strings.Contains(fault.ErrorMessage(r.WhyNotCancel), "only ci-bot") {
		t.Errorf("ana's review: %+v", r)
	}
	r, err = h.svc.Review(ctx, policy.Identity{Subject: "ci-bot"}, id)
	h.must(err)
	if r.WhyNotCancel != nil || !strings.Contains(fault.ErrorMessage(r.WhyNotDecide), "ci-bot requested this promotion") {
		t.Errorf("the requester's review: %+v", r)
	}
	if _, err := h.svc.Review(ctx, policy.Identity{Subject: "ana"}, "nope"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("no promotion: %v", err)
	}
}
