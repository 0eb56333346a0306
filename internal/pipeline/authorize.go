package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// authorize reports why promotion p may not change its environment, or nil when
// it may: the store's record of the decision is the authorization, whatever
// resumed the state machine (a task token answers the wait; it proves nothing).
// p needs its plan and policy snapshot; its decision must not have been closed by
// a rejection, a cancel or the expiry; no rejection may be recorded; and unless
// the gate was automatic under the snapshot (approvalGate, from the snapshot, the
// plan's summary and the release cand), the approvals recorded for the current
// plan digest by approvers the snapshot admits must meet its min_approvals.
func authorize(p *promotion.Promotion, cand *release.Release) error {
	if p.Snapshot == nil || p.Summary == nil || p.PlanDigest == "" {
		return &NotApproved{Msg: fmt.Sprintf("not approved: promotion %s has no plan and policy snapshot recorded to be decided under", p.ID)}
	}
	if p.Closed != nil && p.Closed.How != promotion.ClosedApproved {
		return &NotApproved{Msg: fmt.Sprintf("not approved: its decision closed: %s", p.Closed)}
	}
	if rejected := p.Decided(promotion.Reject); len(rejected) > 0 {
		return &NotApproved{Msg: fmt.Sprintf("not approved: rejected by %s", strings.Join(rejected, ", "))}
	}
	if manual, _ := approvalGate(*p.Snapshot, *p.Summary, cand); !manual {
		return nil
	}
	if counted := len(p.Counted()); counted < p.Snapshot.MinApprovals {
		return &NotApproved{Msg: fmt.Sprintf("not approved: %d of %d approvals recorded for plan %s", counted, p.Snapshot.MinApprovals, p.PlanDigest)}
	}
	return nil
}

// errAuthorizedAfterAll stops a refusal whose fresh read finds the promotion
// authorized: a decision reached the quorum in the meantime.
var errAuthorizedAfterAll = errors.New("authorized after all")

// refuse ends promotion p, which a step found unauthorized (denied), FAILED with
// the reason, its lock released, an event and a notification, before the step
// returns denied to the state machine (whose Catch goes to Failed, where
// Finalize finds it ended): so it ends the same way when nothing runs after the
// step (a hand-made state machine, a direct invoke). When a fresh read finds it
// authorized after all, it is left alone and returned, for the step to go on.
func (pl *Pipeline) refuse(ctx context.Context, p *promotion.Promotion, env *environment.Environment, cand *release.Release, denied *NotApproved) (*promotion.Promotion, error) {
	fresh, err := pl.end(ctx, p.ID, env, promotion.Failed, []string{denied.Msg}, func(p *promotion.Promotion) error {
		if authorize(p, cand) == nil {
			return errAuthorizedAfterAll
		}
		return nil
	})
	switch {
	case errors.Is(err, errAuthorizedAfterAll):
		return fresh, nil
	case err != nil:
		return nil, err
	}
	return nil, denied
}
