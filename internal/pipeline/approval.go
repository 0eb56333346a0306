package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Approval stores the approval step's task token with the promotion (it is never
// logged or returned), sets AWAITING_APPROVAL and asks the approvers.
func (pl *Pipeline) Approval(ctx context.Context, in Input) error {
	return classify(pl.approval(ctx, in))
}

func (pl *Pipeline) approval(ctx context.Context, in Input) error {
	if in.TaskToken == "" {
		return &StepFailed{Msg: "approval: no task token"}
	}
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	if p.Snapshot == nil {
		return &StepFailed{Msg: fmt.Sprintf("promotion %s has no policy snapshot: it was not planned", p.ID)}
	}
	pol := *p.Snapshot
	expires := pl.Now().Add(pol.ApprovalTimeout.D())
	if p.ApprovalExpiresAt != nil { // a retry: the wait started then
		expires = *p.ApprovalExpiresAt
	}
	answered := errors.New("decided already; the decision's answer is owed to this very task")
	p, err = pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		switch {
		case p.State.Final(): // cancelled while it was being planned
			return &StepFailed{Msg: fmt.Sprintf("promotion %s is %s: it waits for nobody", p.ID, p.State)}
		case p.Closed != nil && p.TaskToken == in.TaskToken:
			// The same call again (a retry, or a restart that re-runs it) after
			// the decision closed: the task waits for the answer the decision
			// gives, which its decider or control.AnswerClosed sends.
			return answered
		case p.Closed != nil: // decided already: another task must not wait
			return &StepFailed{Msg: fmt.Sprintf("the decision on promotion %s is closed: %s", p.ID, p.Closed)}
		}
		p.State, p.TaskToken, p.ApprovalExpiresAt = promotion.AwaitingApproval, in.TaskToken, &expires
		return nil
	})
	switch {
	case errors.Is(err, answered):
		return nil
	case err != nil:
		return err
	}
	if err := pl.event(ctx, p.ID, promotion.EventApprovalRequested, "ferry", "waiting for %d approval(s) from %s until %s",
		pol.MinApprovals, strings.Join(pol.Approvers, ", "), expires.UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	pl.notifyAll(ctx, env, p.ID, notify.Message{Text: pl.awaitingText(p, env.Name, pol, expires)})
	return nil
}
