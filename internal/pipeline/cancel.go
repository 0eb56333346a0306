package pipeline

import (
	"context"
	"fmt"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Cancellable reports whether a promotion in state s may still be cancelled:
// only before anything is applied, so a cancelled promotion never leaves an
// environment half-way.
func Cancellable(s promotion.State) bool {
	return s == promotion.Planning || s == promotion.AwaitingApproval
}

// Cancel records that by cancelled a promotion whose execution the caller has
// stopped: state CANCELLED, the task token dropped, the lock released, a closing
// event and a notification. Cancelling a cancelled promotion changes nothing.
// Codes: not_found, conflict (the promotion is past the point of cancelling).
func (pl *Pipeline) Cancel(ctx context.Context, id, by string) (*promotion.Promotion, error) {
	p, env, err := pl.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.State == promotion.Cancelled {
		return p, nil
	}
	now := pl.Now()
	if p, err = pl.update(ctx, id, func(p *promotion.Promotion) error {
		if !Cancellable(p.State) {
			return fault.Errorf(fault.Conflict, "promotion %s is %s and can no longer be cancelled", p.ID, p.State)
		}
		p.State, p.FinishedAt, p.TaskToken = promotion.Cancelled, &now, ""
		return nil
	}); err != nil {
		return nil, err
	}
	if err := pl.Store.ReleaseLock(ctx, env.Name, id); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("promotion %s to %s cancelled by %s", id, env.Name, by)
	if err := pl.event(ctx, id, "cancelled", by, "%s", text); err != nil {
		return nil, err
	}
	pl.notifyAll(ctx, env, id, fmt.Sprintf("Ferry: %s. <%s|Details>", slack(text), pl.pageLink(id)))
	return p, nil
}
