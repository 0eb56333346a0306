package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// decisionRaceRuns is how many randomized races testDecisionRace runs.
const decisionRaceRuns = 25

// waiting stores a promotion awaiting approval of plan sha256:d, decided under a
// snapshot naming ana, bo, cy and group:crowd with min approvals min.
func waiting(tb testing.TB, s store.Store, id string, min int) *promotion.Promotion {
	tb.Helper()
	snap := policy.Policy{Approvers: []string{"ana", "bo", "cy", "group:crowd"}, MinApprovals: min}.Snapshot()
	expires := t0.Add(time.Hour)
	p := &promotion.Promotion{ID: id, Target: "prod", ReleaseID: "sha256:r", RequestedBy: "ci-bot", Via: promotion.ViaCI,
		State: promotion.AwaitingApproval, PlanDigest: "sha256:d", Snapshot: &snap, ApprovalExpiresAt: &expires,
		CreatedAt: t0, UpdatedAt: t0, TaskToken: "token-" + id}
	must(tb, s.CreatePromotion(ctx, p))
	return p
}

func approval(who, as string, d promotion.Decision, at time.Time) promotion.Approval {
	return promotion.Approval{Identity: who, As: as, Decision: d, PlanDigest: "sha256:d", Comment: "c", At: at}
}

// testClosure: the decision that reaches the quorum closes the decision in the
// same write; nothing is recorded after it; a cancel or the expiry closes it once;
// a promotion whose decision a rejection, a cancel or the expiry closed switches
// nothing; saves keep the closure.
func testClosure(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	r := newRelease(t, s, "v1")

	waiting(t, s, "p1", 2)
	p, err := s.RecordDecision(ctx, "p1", approval("ana", "ana", promotion.Approve, t0))
	must(t, err)
	if p.Closed != nil {
		t.Fatalf("one approval of two closed the decision: %+v", p.Closed)
	}
	// Approvals that do not count (another plan, an approver the snapshot does
	// not admit) are recorded but close nothing.
	stale := approval("bo", "bo", promotion.Approve, t0)
	stale.PlanDigest = "sha256:old"
	_, err = s.RecordDecision(ctx, "p1", stale)
	must(t, err)
	p, err = s.RecordDecision(ctx, "p1", approval("mallory", "mallory", promotion.Approve, t0))
	must(t, err)
	if p.Closed != nil || len(p.Counted()) != 1 {
		t.Fatalf("approvals that do not count closed it: %+v, %d counted", p.Closed, len(p.Counted()))
	}
	at := t0.Add(time.Minute)
	p, err = s.RecordDecision(ctx, "p1", approval("dee", "group:crowd", promotion.Approve, at))
	must(t, err)
	if p.Closed == nil || p.Closed.How != promotion.ClosedApproved || p.Closed.By != "dee" || !p.Closed.At.Equal(at) {
		t.Fatalf("the approval that reached the quorum: closed %+v", p.Closed)
	}
	_, err = s.RecordDecision(ctx, "p1", approval("cy", "cy", promotion.Approve, at))
	wantCode(t, err, fault.Gone, "closed: approved at 2026-11-01T10:01:00Z, when the approval of dee reached the quorum (approved by ana, dee)")
	_, err = s.RecordDecision(ctx, "p1", approval("cy", "cy", promotion.Reject, at))
	wantCode(t, err, fault.Gone, "approved")
	_, err = s.CloseDecision(ctx, "p1", promotion.Closure{How: promotion.ClosedCancelled, By: "ci-bot", At: at})
	wantCode(t, err, fault.Gone, "approved")
	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if len(got.Approvals) != 4 || got.Closed == nil || got.Closed.By != "dee" {
		t.Errorf("stored after the closure: %d decisions, closed %+v", len(got.Approvals), got.Closed)
	}
	got.State = promotion.Applying // a save keeps the closure it did not write
	got.Closed = nil
	must(t, s.SavePromotion(ctx, got))
	if got, err = s.GetPromotion(ctx, "p1"); err != nil || got.Closed == nil || got.Closed.How != promotion.ClosedApproved {
		t.Errorf("a save dropped the closure: %+v, %v", got.Closed, err)
	}
	if _, err := s.Switch(ctx, switchReq("prod", 0, r.ID(), "p1")); err != nil {
		t.Errorf("an approved promotion may switch: %v", err)
	}

	// A rejection closes it at once.
	waiting(t, s, "p2", 2)
	p, err = s.RecordDecision(ctx, "p2", approval("bo", "bo", promotion.Reject, at))
	must(t, err)
	if p.Closed == nil || p.Closed.How != promotion.ClosedRejected || p.Closed.By != "bo" {
		t.Fatalf("a rejection: closed %+v", p.Closed)
	}
	_, err = s.RecordDecision(ctx, "p2", approval("ana", "ana", promotion.Approve, at))
	wantCode(t, err, fault.Gone, "rejected by bo at 2026-11-01T10:01:00Z")
	_, err = s.Switch(ctx, switchReq("prod", 1, r.ID(), "p2"))
	wantCode(t, err, fault.Conflict, "rejected by bo", "switches nothing")

	// A cancel closes it and ends the promotion in the same write.
	waiting(t, s, "p3", 1)
	p, err = s.CloseDecision(ctx, "p3", promotion.Closure{How: promotion.ClosedCancelled, By: "ci-bot", At: at})
	must(t, err)
	if p.State != promotion.Cancelled || p.FinishedAt == nil || p.TaskToken != "" || p.Closed.How != promotion.ClosedCancelled {
		t.Fatalf("after a cancel: %+v", p)
	}
	if got, err = s.GetPromotion(ctx, "p3"); err != nil || got.State != promotion.Cancelled || got.TaskToken != "" || got.Closed == nil {
		t.Errorf("stored after a cancel: %+v, %v", got, err)
	}
	_, err = s.CloseDecision(ctx, "p3", promotion.Closure{How: promotion.ClosedCancelled, By: "boss", At: at})
	wantCode(t, err, fault.Gone, "cancelled by ci-bot at 2026-11-01T10:01:00Z")
	_, err = s.RecordDecision(ctx, "p3", approval("ana", "ana", promotion.Approve, at))
	wantCode(t, err, fault.Gone, "CANCELLED", "cancelled by ci-bot")

	// The expiry: decisions at or after it are refused; it closes the decision.
	waiting(t, s, "p4", 1)
	_, err = s.RecordDecision(ctx, "p4", approval("ana", "ana", promotion.Approve, t0.Add(time.Hour)))
	wantCode(t, err, fault.Gone, "expired at 2026-11-01T11:00:00Z")
	p, err = s.CloseDecision(ctx, "p4", promotion.Closure{How: promotion.ClosedExpired, By: "ferry", At: t0.Add(time.Hour)})
	must(t, err)
	if p.State != promotion.AwaitingApproval || p.Closed.How != promotion.ClosedExpired {
		t.Errorf("after the expiry closed it: %s, %+v", p.State, p.Closed)
	}
	_, err = s.RecordDecision(ctx, "p4", approval("ana", "ana", promotion.Approve, at))
	wantCode(t, err, fault.Gone, "expired at 2026-11-01T11:00:00Z")
	_, err = s.Switch(ctx, switchReq("prod", 1, r.ID(), "p4"))
	wantCode(t, err, fault.Conflict, "expired", "switches nothing")

	// Past its decision: nothing closes it.
	newPromotion(t, s, "p5", "prod", promotion.Applying, t0)
	_, err = s.CloseDecision(ctx, "p5", promotion.Closure{How: promotion.ClosedCancelled, By: "ci-bot", At: at})
	wantCode(t, err, fault.Conflict, "APPLYING", "no longer open")
	_, err = s.CloseDecision(ctx, "ghost", promotion.Closure{How: promotion.ClosedCancelled, By: "ci-bot", At: at})
	wantCode(t, err, fault.NotFound)
}

// testDecisionRace: approvals, rejections and cancels racing on one promotion,
// in a random mix and order with random start delays, decisionRaceRuns times.
// Every run: exactly one thing closed the decision; every decision that
// succeeded is recorded, and every one refused is not and was told what closed
// it; the closure agrees with the record (quorum exactly met and no rejection; one rejection, the closer's; or
// cancelled and ended).
func testDecisionRace(t *testing.T, s store.Store) {
	outcomes := map[promotion.ClosedBy]int{}
	for run := range decisionRaceRuns {
		rng := rand.New(rand.NewPCG(uint64(run), 7))
		id := fmt.Sprintf("race%02d", run)
		min := 1 + rng.IntN(3)
		waiting(t, s, id, min)
		type actor struct {
			who  string
			kind string // approve, reject, cancel
		}
		var actors []actor
		for i := range 4 + rng.IntN(12) {
			kinds := []string{"approve", "approve", "approve", "reject", "cancel"}
			actors = append(actors, actor{who: fmt.Sprintf("u%02d", i), kind: kinds[rng.IntN(len(kinds))]})
		}
		rng.Shuffle(len(actors), func(i, j int) { actors[i], actors[j] = actors[j], actors[i] })
		errs := make([]error, len(actors))
		delays := make([]time.Duration, len(actors))
		for i := range delays {
			delays[i] = time.Duration(rng.IntN(2000)) * time.Microsecond
		}
		var wg sync.WaitGroup
		for i, a := range actors {
			wg.Go(func() {
				time.Sleep(delays[i])
				at := t0.Add(time.Duration(i) * time.Second)
				switch a.kind {
				case "cancel":
					_, errs[i] = s.CloseDecision(ctx, id, promotion.Closure{How: promotion.ClosedCancelled, By: a.who, At: at})
				case "reject":
					_, errs[i] = s.RecordDecision(ctx, id, approval(a.who, "group:crowd", promotion.Reject, at))
				default:
					_, errs[i] = s.RecordDecision(ctx, id, approval(a.who, "group:crowd", promotion.Approve, at))
				}
			})
		}
		wg.Wait()
		p, err := s.GetPromotion(ctx, id)
		must(t, err)
		if p.Closed == nil {
			closers := 0
			for _, a := range actors {
				if a.kind != "approve" {
					closers++
				}
			}
			if closers > 0 || len(actors) >= min {
				t.Fatalf("run %d: nothing closed the decision: %d actors, min %d, %+v", run, len(actors), min, p.Approvals)
			}
			continue
		}
		outcomes[p.Closed.How]++
		recorded := map[string]bool{}
		for _, a := range p.Approvals {
			recorded[a.Identity] = true
		}
		cancelled := 0
		for i, a := range actors {
			switch err := errs[i]; {
			case err == nil && a.kind == "cancel":
				cancelled++
				if p.Closed.How != promotion.ClosedCancelled || p.Closed.By != a.who {
					t.Errorf("run %d: %s's cancel succeeded but the decision closed: %s", run, a.who, p.Closed)
				}
			case err == nil && !recorded[a.who]:
				t.Errorf("run %d: %s's %s succeeded but is not recorded", run, a.who, a.kind)
			case err != nil && fault.ErrorCode(err) != fault.Gone:
				t.Errorf("run %d: %s's %s: %v, want gone", run, a.who, a.kind, err)
			case err != nil && recorded[a.who]:
				t.Errorf("run %d: %s's %s was refused (%v) but is recorded", run, a.who, a.kind, err)
			case err != nil && !strings.Contains(err.Error(), string(p.Closed.How)):
				t.Errorf("run %d: %s's %s was refused with %q, which does not say it was %s", run, a.who, a.kind, err, p.Closed.How)
			}
		}
		rejections := p.Decided(promotion.Reject)
		switch p.Closed.How {
		case promotion.ClosedApproved:
			if len(p.Counted()) != min || len(rejections) != 0 || p.State != promotion.AwaitingApproval {
				t.Errorf("run %d: approved with %d of %d counted, rejections %v, state %s", run, len(p.Counted()), min, rejections, p.State)
			}
		case promotion.ClosedRejected:
			if len(rejections) != 1 || rejections[0] != p.Closed.By || len(p.Counted()) >= min {
				t.Errorf("run %d: rejected by %s with rejections %v and %d of %d counted", run, p.Closed.By, rejections, len(p.Counted()), min)
			}
		case promotion.ClosedCancelled:
			if cancelled != 1 || len(rejections) != 0 || len(p.Counted()) >= min || p.State != promotion.Cancelled {
				t.Errorf("run %d: cancelled (%d cancels succeeded) with rejections %v, %d of %d counted, state %s",
					run, cancelled, rejections, len(p.Counted()), min, p.State)
			}
		}
		if cancelled > 1 {
			t.Errorf("run %d: %d cancels succeeded", run, cancelled)
		}
	}
	t.Logf("%d runs closed: %d approved, %d rejected, %d cancelled", decisionRaceRuns,
		outcomes[promotion.ClosedApproved], outcomes[promotion.ClosedRejected], outcomes[promotion.ClosedCancelled])
}
