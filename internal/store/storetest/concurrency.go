package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// testConcurrentSwitch: 50 switches from the same base version; exactly one wins.
func testConcurrentSwitch(t *testing.T, s store.Store) {
	const n = 50
	newEnv(t, s, "prod")
	r := newRelease(t, s, "v1")
	for i := range n {
		newPromotion(t, s, fmt.Sprintf("p%02d", i), "prod", promotion.Applying, t0)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Switch(ctx, switchReq("prod", 0, r.ID(), fmt.Sprintf("p%02d", i)))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fault.ErrorCode(err) == fault.Conflict && strings.Contains(err.Error(), "plan stale") && errors.Is(err, store.ErrPlanStale):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d switches succeeded, want exactly 1", won)
	}
	entries, _, err := s.History(ctx, "prod", store.Page{})
	must(t, err)
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if len(entries) != 1 || env.Version != 1 || entries[0].PromotionID != env.Current.PromotionID {
		t.Errorf("history %+v, environment version %d current %+v", entries, env.Version, env.Current)
	}
	winner, err := s.GetPromotion(ctx, env.Current.PromotionID)
	must(t, err)
	if winner.State != promotion.Verifying {
		t.Errorf("winner's state %s", winner.State)
	}
}

// testConcurrentLock: 50 promotions take the same lock; exactly one holds it.
func testConcurrentLock(t *testing.T, s store.Store) {
	const n = 50
	newEnv(t, s, "prod")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.AcquireLock(ctx, "prod", fmt.Sprintf("p%02d", i), t0, time.Hour)
		})
	}
	wg.Wait()
	var holders []int
	for i, err := range errs {
		switch {
		case err == nil:
			holders = append(holders, i)
		case fault.ErrorCode(err) != fault.Conflict:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if len(holders) != 1 {
		t.Fatalf("%d promotions got the lock, want exactly 1", len(holders))
	}
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if want := fmt.Sprintf("p%02d", holders[0]); env.Lock == nil || env.Lock.Holder != want {
		t.Errorf("stored lock %+v, want holder %s", env.Lock, want)
	}
}

// testConcurrentDecisions: 20 identical decisions count once; 20 distinct
// approvers at once are all kept.
func testConcurrentDecisions(t *testing.T, s store.Store) {
	const n = 20
	newPromotion(t, s, "same", "prod", promotion.AwaitingApproval, t0)
	newPromotion(t, s, "many", "prod", promotion.AwaitingApproval, t0)
	var wg sync.WaitGroup
	sameErrs := make([]error, n)
	counts := make([]int, n)
	for i := range n {
		wg.Go(func() {
			_, sameErrs[i] = s.RecordDecision(ctx, "same", promotion.Approval{Identity: "ana", Decision: promotion.Approve, At: t0})
		})
		wg.Go(func() {
			p, err := s.RecordDecision(ctx, "many", promotion.Approval{Identity: fmt.Sprintf("user%02d", i), Decision: promotion.Approve, At: t0})
			if err != nil {
				t.Errorf("approver %d: %v", i, err)
				return
			}
			counts[i] = p.ApprovalCount()
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range sameErrs {
		if err == nil {
			ok++
		} else if fault.ErrorCode(err) != fault.Conflict {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 20 identical decisions recorded, want 1", ok)
	}
	same, err := s.GetPromotion(ctx, "same")
	must(t, err)
	if len(same.Approvals) != 1 {
		t.Errorf("stored %d decisions from one identity", len(same.Approvals))
	}
	many, err := s.GetPromotion(ctx, "many")
	must(t, err)
	if many.ApprovalCount() != n {
		t.Errorf("stored %d of %d approvals", many.ApprovalCount(), n)
	}
	// Each decision saw an exact count: every count from 1 to n exactly once.
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts returned %v, want 1..%d each once", counts, n)
		}
	}
}

// testQuorumRace: 20 approvers at once on a promotion that needs 2: exactly 2
// are recorded, the second closes the decision, the other 18 are told it is
// closed.
func testQuorumRace(t *testing.T, s store.Store) {
	const n = 20
	waiting(t, s, "quorum", 2)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.RecordDecision(ctx, "quorum", approval(fmt.Sprintf("user%02d", i), "group:crowd", promotion.Approve, t0))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case fault.ErrorCode(err) != fault.Gone || !strings.Contains(err.Error(), "closed: approved"):
			t.Errorf("unexpected error: %v", err)
		}
	}
	p, err := s.GetPromotion(ctx, "quorum")
	must(t, err)
	if ok != 2 || len(p.Approvals) != 2 || p.Closed == nil || p.Closed.How != promotion.ClosedApproved {
		t.Errorf("%d approvals succeeded, %d recorded, closed %+v; want 2, 2, approved", ok, len(p.Approvals), p.Closed)
	}
}
