package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Finalize records the promotion's final state and errors, releases the lock,
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
	if p.FinishedAt == nil {
		var problems []string
		if in.Error != nil {
			problems = append(problems, in.Error.Message())
		}
		if in.RollbackError != nil {
			problems = append(problems, "rollback failed: "+in.RollbackError.Message())
		}
		if len(problems) > 0 {
			problems = append(problems, fmt.Sprintf("environment %s is at version %d", env.Name, env.Version))
		}
		now := pl.Now()
		if p, err = pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
			p.State, p.Error, p.FinishedAt, p.TaskToken = in.Outcome, strings.Join(problems, "; "), &now, ""
			return nil
		}); err != nil {
			return err
		}
		text := fmt.Sprintf("promotion %s to %s ended %s", p.ID, env.Name, p.State)
		if p.Error != "" {
			text += ": " + p.Error
		}
		if err := pl.event(ctx, p.ID, promotion.EventFinished, "ferry", "%s", text); err != nil {
			return err
		}
		pl.notifyAll(ctx, env, p.ID, notify.Outcome(text, pl.PageURL, p.ID))
	}
	return pl.Store.ReleaseLock(ctx, env.Name, p.ID)
}
