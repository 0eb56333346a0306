package pipeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// waitingFor deploys v1 into prod (no approval), then gives prod pol and leaves
// a breaking promotion waiting for approval under it.
func (h *harness) waitingFor(pol policy.Policy) string {
	h.t.Helper()
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	env := h.getEnv("prod")
	pol.Notify = env.Policy.Notify
	env.Policy = pol
	h.must(h.store.SaveEnvironment(ctx, env))
	id := h.promotion("prod", h.rel("v2", "", nil, "a=seed"), promotion.ViaCI, "")
	res, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	if res.Gate != GateManual {
		h.t.Fatalf("gate %s", res.Gate)
	}
	h.must(h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "token"}))
	return id
}

func (h *harness) decide(id, who, as string, d promotion.Decision, digest string) {
	h.t.Helper()
	_, err := h.store.RecordDecision(ctx, id, promotion.Approval{Identity: who, As: as, Decision: d, PlanDigest: digest, Comment: "c", At: h.now})
	h.must(err)
}

// TestApplyRefusesWithoutTheRecordedQuorum: only approvals for the current plan
// by approvers the snapshot admits count; short of min_approvals, Apply ends the
// promotion FAILED, with nothing applied, an event and a notification.
func TestApplyRefusesWithoutTheRecordedQuorum(t *testing.T) {
	h := newHarness(t)
	id := h.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana", "bo", "group:sre"}, MinApprovals: 2})
	digest := h.get(id).PlanDigest
	h.decide(id, "ana", "ana", promotion.Approve, digest)
	h.decide(id, "bo", "bo", promotion.Approve, "sha256:another-plan") // another plan
	h.decide(id, "mallory", "group:ops", promotion.Approve, digest)    // a group the snapshot does not name
	h.decide(id, "ci-bot", "ci-bot", promotion.Approve, digest)        // the requester
	h.decide(id, "eve", "ana", promotion.Approve, digest)              // an entry naming someone else
	wantError(t, h.pl.Apply(ctx, Input{PromotionID: id}), "NotApproved", "not approved: 1 of 2 approvals recorded for plan "+digest)
	p, env := h.get(id), h.getEnv("prod")
	if p.State != promotion.Failed || !strings.Contains(p.Error, "1 of 2 approvals") || p.FinishedAt == nil || p.TaskToken != "" ||
		env.Version != 1 || env.Lock != nil {
		t.Fatalf("after the refusal: %s %q, version %d, lock %+v", p.State, p.Error, env.Version, env.Lock)
	}
	if last := p.Events[len(p.Events)-1]; last.Type != promotion.EventFinished || !strings.Contains(last.Message, "ended FAILED: not approved") {
		t.Errorf("last event %+v", last)
	}
	if !slices.ContainsFunc(h.messages, func(m string) bool { return strings.Contains(m, "not approved: 1 of 2") }) {
		t.Errorf("notifications %q", h.messages)
	}
	// The state machine's Finalize after the Catch changes nothing more.
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Failed, Error: &CaughtError{Error: "NotApproved", Cause: "x"}}))
	if got := h.get(id); got.Error != p.Error || len(got.Events) != len(p.Events) {
		t.Errorf("Finalize recorded the end again: %q, %d events", got.Error, len(got.Events))
	}
	// A later Apply of the ended promotion switches nothing either.
	wantError(t, h.pl.Apply(ctx, Input{PromotionID: id}), "StepFailed", "FAILED", "switches nothing")
}

func TestApplyAuthorizedByTheRecord(t *testing.T) {
	h := newHarness(t)
	id := h.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana", "group:sre"}, MinApprovals: 2})
	digest := h.get(id).PlanDigest
	h.decide(id, "ana", "ana", promotion.Approve, digest)
	h.decide(id, "bo", "group:sre", promotion.Approve, digest)
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	entries, _, err := h.store.History(ctx, "prod", store.Page{Limit: 1})
	h.must(err)
	if p := h.get(id); p.State != promotion.Verifying || entries[0].By != "ana, bo" || h.getEnv("prod").Current.By != "ana, bo" {
		t.Errorf("after an authorized apply: %s, history by %q", p.State, entries[0].By)
	}
}

func TestApplyRefusesARejectedOrCancelledPromotion(t *testing.T) {
	for _, how := range []promotion.ClosedBy{promotion.ClosedRejected, promotion.ClosedCancelled, promotion.ClosedExpired} {
		t.Run(string(how), func(t *testing.T) {
			h := newHarness(t)
			id := h.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana", "bo"}})
			if how == promotion.ClosedRejected {
				h.decide(id, "bo", "bo", promotion.Reject, h.get(id).PlanDigest)
			} else {
				_, err := h.store.CloseDecision(ctx, id, promotion.Closure{How: how, By: "ci-bot", At: h.now})
				h.must(err)
			}
			err := h.pl.Apply(ctx, Input{PromotionID: id})
			if how == promotion.ClosedCancelled {
				wantError(t, err, "StepFailed", "CANCELLED")
			} else {
				wantError(t, err, "NotApproved", "not approved: its decision closed: "+string(how))
			}
			if env := h.getEnv("prod"); env.Version != 1 {
				t.Errorf("version %d", env.Version)
			}
		})
	}
}

// TestSnapshotDecides: the rules recorded at Plan decide, whatever the policy
// says later: a gate that was automatic stays so, and a retried Plan keeps them.
func TestSnapshotDecides(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	id := h.promotion("prod", h.rel("v2", "", nil, "a=seed"), promotion.ViaCI, "")
	res, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	env := h.getEnv("prod")
	env.Policy = policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, MinApprovals: 1, ApprovalTimeout: policy.Duration(time.Minute)}
	h.must(h.store.SaveEnvironment(ctx, env))
	again, err := h.pl.Plan(ctx, Input{PromotionID: id}) // a retry
	h.must(err)
	if p := h.get(id); res.Gate != GateAuto || again.Gate != GateAuto || p.Snapshot.Approval != policy.Never ||
		again.ApprovalTimeoutSeconds != res.ApprovalTimeoutSeconds {
		t.Fatalf("gates %s, %s; snapshot %+v", res.Gate, again.Gate, p.Snapshot)
	}
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	entries, _, err := h.store.History(ctx, "prod", store.Page{Limit: 1})
	h.must(err)
	if h.getEnv("prod").Version != 2 || entries[0].By != "ci-bot" {
		t.Errorf("an automatic gate under the snapshot: version %d, by %q", h.getEnv("prod").Version, entries[0].By)
	}
}

// TestFinalizeAgreesWithTheRecord: an approval wait that times out closes the
// decision as expired; a task answered Rejected that no recorded rejection made
// ends FAILED, not REJECTED.
func TestFinalizeAgreesWithTheRecord(t *testing.T) {
	h := newHarness(t)
	id := h.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
	h.now = h.now.Add(2 * time.Hour)
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Expired, Error: &CaughtError{Error: "States.Timeout"}}))
	p := h.get(id)
	if p.State != promotion.Expired || p.Closed == nil || p.Closed.How != promotion.ClosedExpired || !p.Closed.At.Equal(*p.ApprovalExpiresAt) {
		t.Errorf("expired: %s, closed %+v", p.State, p.Closed)
	}

	h2 := newHarness(t)
	id = h2.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}})
	h2.must(h2.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Rejected, Error: &CaughtError{Error: "Rejected", Cause: "forged"}}))
	if p := h2.get(id); p.State != promotion.Failed || !strings.Contains(p.Error, "no rejection is recorded") {
		t.Errorf("a forged rejection: %s %q", p.State, p.Error)
	}
}

// TestFinalizeRecordsOnlyWhatHappened: Finalize told SUCCEEDED for a promotion
// that applied nothing (a direct invoke) records FAILED.
func TestFinalizeRecordsOnlyWhatHappened(t *testing.T) {
	h := newHarness(t)
	id := h.waitingFor(policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}})
	for _, outcome := range []promotion.State{promotion.Succeeded, promotion.RolledBack, promotion.NoChanges} {
		if why := unfounded(h.get(id), outcome); !strings.Contains(why, "AWAITING_APPROVAL: that did not happen") {
			t.Errorf("%s: %q", outcome, why)
		}
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Succeeded}))
	if p := h.get(id); p.State != promotion.Failed || !strings.Contains(p.Error, "finalize was told SUCCEEDED") || h.getEnv("prod").Version != 1 {
		t.Errorf("a forged success: %s %q", p.State, p.Error)
	}
}
