package control

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Cancel stops a promotion that has applied nothing yet. Only its requester or an
// admin may. The cancel closes the promotion's decision and ends it CANCELLED
// (the task token dropped) in one conditional write, so it cannot race a decision
// or a switch; then the lock is released, the cancellation logged and notified,
// and its execution stopped. Codes: not_found, forbidden, conflict (too late to
// cancel), gone (its decision is closed: the message says what closed it, by
// whom and when; a second cancel gets this too).
func (s *Service) Cancel(ctx context.Context, who policy.Identity, id string) (*promotion.Promotion, error) {
	p, err := s.Store.GetPromotion(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.MayCancel(p, who); err != nil {
		return nil, err
	}
	env, err := s.Store.GetEnvironment(ctx, p.Target)
	if err != nil {
		return nil, err
	}
	p, err = s.Store.CloseDecision(ctx, id, promotion.Closure{How: promotion.ClosedCancelled, By: who.Subject, At: s.Now()})
	if err != nil {
		if fresh, gerr := s.Store.GetPromotion(ctx, id); gerr == nil {
			if why := s.MayCancel(fresh, who); why != nil {
				return nil, why // closed, or applied, in the meantime
			}
		}
		return nil, err
	}
	// Cancelled and recorded: the rest goes on even when the caller goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	if err := s.Store.ReleaseLock(ctx, env.Name, id); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("promotion %s to %s cancelled by %s", id, env.Name, who.Subject)
	if err := s.event(ctx, id, promotion.EventCancelled, who.Subject, text); err != nil {
		return nil, err
	}
	s.notifyAll(ctx, env, id, notify.Outcome(text, s.PageURL, id))
	if _, err := s.SFN.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(ExecutionARN(s.StateMachineARN, id)),
		Error: aws.String("Cancelled"), Cause: aws.String("cancelled by " + who.Subject)}); err != nil && apiCode(err) != "ExecutionDoesNotExist" {
		return nil, fmt.Errorf("promotion %s is cancelled, but stopping its execution failed (its steps will refuse to go on): %w", id, err)
	}
	return p, nil
}

// MayCancel reports why who may not cancel p now, or nil when it may: the checks
// Cancel makes. Codes: forbidden (neither the requester nor an admin), gone (its
// decision is closed: approved, rejected, cancelled or expired), conflict (too
// late).
func (s *Service) MayCancel(p *promotion.Promotion, who policy.Identity) error {
	if err := s.requesterOrAdmin(p, who); err != nil {
		return err
	}
	switch {
	case p.Closed != nil:
		return fault.Errorf(fault.Gone, "promotion %s is %s and can no longer be cancelled: its decision closed: %s", p.ID, p.State, p.Closed)
	case !cancellable(p.State):
		return tooLateToCancel(p)
	}
	return nil
}

func (s *Service) requesterOrAdmin(p *promotion.Promotion, who policy.Identity) error {
	if who.Subject != p.RequestedBy && !s.IsAdmin(who) {
		return fault.Errorf(fault.Forbidden, "only %s, who requested promotion %s, or an admin may cancel it", p.RequestedBy, p.ID)
	}
	return nil
}

// cancellable reports whether a promotion in state st may still be cancelled:
// only before anything is applied, so a cancelled promotion never leaves an
// environment half-way.
func cancellable(st promotion.State) bool {
	return st == promotion.Planning || st == promotion.AwaitingApproval
}

func tooLateToCancel(p *promotion.Promotion) error {
	return fault.Errorf(fault.Conflict, "promotion %s is %s and can no longer be cancelled", p.ID, p.State)
}
