package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// TestPolicyChangeWhileWaiting: a promotion is decided under the rules in force
// when it was planned. Lowering min_approvals below what is recorded does not
// strand it, and raising it does not hold it back; the view shows the rules it is
// decided under.
func TestPolicyChangeWhileWaiting(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a := newAPIOn(t, backend)
			setMin := func(n int) {
				t.Helper()
				pol := a.env("prod").Policy
				pol.MinApprovals = n
				a.expect(http.StatusOK, "PUT", "/api/environments/prod/policy", "admin", pol, nil)
			}
			setMin(2)
			p := a.awaiting()
			path := "/api/promotions/" + p.ID
			a.expect(http.StatusOK, "POST", path+"/approve", "ana", decision(p.PlanDigest, ""), nil)
			setMin(1) // one approval recorded already meets the new minimum
			var view struct {
				Approval struct {
					MinApprovals int              `json:"min_approvals"`
					Counted      int              `json:"counted"`
					DecidedUnder *policy.Snapshot `json:"decided_under"`
				}
			}
			a.expect(http.StatusOK, "GET", path, "bo", nil, &view)
			if view.Approval.MinApprovals != 2 || view.Approval.Counted != 1 || view.Approval.DecidedUnder == nil ||
				view.Approval.DecidedUnder.MinApprovals != 2 || len(view.Approval.DecidedUnder.Approvers) != 3 {
				t.Errorf("the view after the policy changed: %+v", view.Approval)
			}
			if got := a.promotion(p.ID); got.State != promotion.AwaitingApproval || got.Snapshot.MinApprovals != 2 {
				t.Fatalf("after lowering the minimum: %s, snapshot %+v", got.State, got.Snapshot)
			}
			a.expect(http.StatusOK, "POST", path+"/approve", "bo", decision(p.PlanDigest, ""), nil)
			if got := a.promotion(p.ID); got.State != promotion.Succeeded || got.ApprovalCount() != 2 {
				t.Fatalf("the approval that met the snapshot's quorum: %s (%s), %d approvals", got.State, got.Error, got.ApprovalCount())
			}

			q := a.start("prod", a.release("v3", "orders=view"), "ci") // planned under min 1
			setMin(3)
			a.expect(http.StatusOK, "POST", "/api/promotions/"+q.ID+"/approve", "ana", decision(q.PlanDigest, ""), nil)
			if got := a.promotion(q.ID); got.State != promotion.Succeeded || got.Snapshot.MinApprovals != 1 {
				t.Errorf("after raising the minimum: %s (%s), snapshot %+v", got.State, got.Error, got.Snapshot)
			}
		})
	}
}
