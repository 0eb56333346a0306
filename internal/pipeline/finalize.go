package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Finalize releases the lock, records the promotion's final state and errors,
// writes the closing event and notifies.
func (pl *Pipeline) Finalize(ctx context.Context, in Input) error {
	return classify(pl.finalize(ctx, in))
}

func (pl *Pipeline) finalize(ctx context.Context, in Input) error {
	if !in.Outcome.Final() {
		return &StepFailed{Msg: fmt.Sprintf("finalize: %q is not a final state", in.Outcome)}
	}
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	if p.FinishedAt != nil { // ended already: by an earlier run, or by a step's refusal
		return pl.Store.ReleaseLock(ctx, env.Name, p.ID)
	}
	var problems []string
	if in.Error != nil {
		problems = append(problems, in.Error.Message())
	}
	if in.RollbackError != nil {
		problems = append(problems, "rollback failed: "+in.RollbackError.Message())
	}
	outcome := in.Outcome
	if why := unfounded(p, outcome); why != "" {
		outcome, problems = promotion.Failed, append(problems, why)
	}
	switch outcome {
	case promotion.Expired:
		if p, err = pl.expire(ctx, p); err != nil {
			return err
		}
		if p.Closed != nil && p.Closed.How != promotion.ClosedExpired {
			problems = append(problems, fmt.Sprintf("the approval wait timed out although the decision closed: %s", p.Closed))
		}
	case promotion.Rejected:
		if p.Closed == nil || p.Closed.How != promotion.ClosedRejected {
			// A task answer with the error Rejected that no recorded rejection
			// made: the record decides, and it says nobody rejected.
			outcome = promotion.Failed
			problems = append(problems, "the approval task was answered Rejected, but no rejection is recorded")
		}
	}
	if len(problems) > 0 {
		problems = append(problems, fmt.Sprintf("environment %s is at version %d", env.Name, env.Version))
	}
	// The lock goes first: whoever sees the end state (a CLI waiting on it) finds
	// the environment free and no longer written to by this promotion.
	if err := pl.Store.ReleaseLock(ctx, env.Name, p.ID); err != nil {
		return err
	}
	_, err = pl.end(ctx, p.ID, env, outcome, problems, nil)
	return err
}

// unfounded says why outcome is not what the record shows happened to p, or "":
// SUCCEEDED needs a promotion that applied and was verified (VERIFYING),
// ROLLED_BACK one whose rollback switched (ROLLED_BACK), NO_CHANGES a plan without
// changes. Finalize invoked with another outcome (by hand, or by a state machine
// someone else made) records FAILED instead, so the end state never claims what
// the history does not show.
func unfounded(p *promotion.Promotion, outcome promotion.State) string {
	var ok bool
	switch outcome {
	case promotion.Succeeded:
		ok = p.State == promotion.Verifying
	case promotion.RolledBack:
		ok = p.State == promotion.RolledBack
	case promotion.NoChanges:
		ok = p.Summary != nil && p.Summary.Changed() == 0
	default:
		return ""
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("finalize was told %s, but promotion %s is %s: that did not happen", outcome, p.ID, p.State)
}

// expire closes the decision on p as expired, unless something closed it first,
// and returns p as it is after that.
func (pl *Pipeline) expire(ctx context.Context, p *promotion.Promotion) (*promotion.Promotion, error) {
	at := pl.Now()
	if p.ApprovalExpiresAt != nil && p.ApprovalExpiresAt.Before(at) {
		at = *p.ApprovalExpiresAt
	}
	closed, err := pl.Store.CloseDecision(ctx, p.ID, promotion.Closure{How: promotion.ClosedExpired, By: "ferry", At: at})
	switch {
	case err == nil:
		return closed, nil
	case fault.ErrorCode(err) != fault.Gone && fault.ErrorCode(err) != fault.Conflict:
		return nil, err
	}
	return pl.Store.GetPromotion(ctx, p.ID) // closed first, or past its decision
}

// end records, once, that promotion id ended in outcome with problems (its
// error), drops its task token, logs the finished event and notifies; then it
// releases the lock if the promotion holds it, whatever happened before. guard,
// when given, may refuse the change after a fresh read (its error is returned
// with that read). It returns the promotion as it is after it.
func (pl *Pipeline) end(ctx context.Context, id string, env *environment.Environment, outcome promotion.State, problems []string,
	guard func(*promotion.Promotion) error) (*promotion.Promotion, error) {
	now := pl.Now()
	var fresh *promotion.Promotion
	p, err := pl.update(ctx, id, func(p *promotion.Promotion) error {
		fresh = p
		if p.FinishedAt != nil {
			return errEnded
		}
		if guard != nil {
			if err := guard(p); err != nil {
				return err
			}
		}
		p.State, p.Error, p.FinishedAt, p.TaskToken = outcome, strings.Join(problems, "; "), &now, ""
		return nil
	})
	switch {
	case errors.Is(err, errEnded):
		p = fresh
	case err != nil:
		return fresh, err
	default:
		text := fmt.Sprintf("promotion %s to %s ended %s", p.ID, env.Name, p.State)
		if p.Error != "" {
			text += ": " + p.Error
		}
		if err := pl.event(ctx, p.ID, promotion.EventFinished, "ferry", "%s", text); err != nil {
			return nil, err
		}
		pl.notifyAll(ctx, env, p.ID, notify.Outcome(text, pl.PageURL, p.ID))
	}
	return p, pl.Store.ReleaseLock(ctx, env.Name, p.ID)
}

// errEnded stops end's change of a promotion that has ended already.
var errEnded = errors.New("ended already")
