package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// RollbackOutput is what Rollback tells the state machine.
type RollbackOutput struct {
	PromotionID string `json:"promotion_id"`
	// RolledBack says whether the environment is back on its previous release: the
	// promotion ends ROLLED_BACK if so, FAILED if not.
	RolledBack bool `json:"rolled_back"`
}

// Rollback puts the environment back on its previous deployment when this
// promotion switched it, recording the switch back as a version of its own. Like
// Apply, it switches only for a promotion the store's decision record authorizes
// (authorize); it refuses any other with NotApproved.
func (pl *Pipeline) Rollback(ctx context.Context, in Input) (*RollbackOutput, error) {
	res, err := pl.rollback(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) rollback(ctx context.Context, in Input) (*RollbackOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	res := &RollbackOutput{PromotionID: p.ID}
	skip := func(why string) (*RollbackOutput, error) {
		return res, pl.event(ctx, p.ID, promotion.EventRollbackSkipped, "ferry", "%s", why)
	}
	if env.Current == nil || env.Current.PromotionID != p.ID {
		return skip("nothing to roll back: this promotion did not switch the environment")
	}
	history, _, err := pl.Store.History(ctx, env.Name, store.Page{Limit: 2})
	if err != nil {
		return nil, err
	}
	if history[0].Kind == environment.Rollback { // a retry of a rollback that happened
		res.RolledBack = true
		return res, nil
	}
	if !env.Policy.RollsBack() {
		return skip(fmt.Sprintf("auto_rollback is off: environment %s stays at version %d", env.Name, env.Version))
	}
	if len(history) < 2 {
		return skip(fmt.Sprintf("environment %s has no previous deployment: it stays at version %d", env.Name, env.Version))
	}
	cand, err := pl.Store.GetRelease(ctx, p.ReleaseID)
	if err != nil {
		return nil, err
	}
	var denied *NotApproved
	if errors.As(authorize(p, cand), &denied) {
		if _, err := pl.refuse(ctx, p, env, cand, denied); err != nil {
			return nil, err
		}
	}
	prev := history[1]
	refs, err := pl.Store.Deployment(ctx, env.Name, prev.Version)
	if err != nil {
		return nil, err
	}
	reason := rollbackReason(in, p)
	if _, err := pl.Store.Switch(ctx, store.SwitchRequest{Environment: env.Name, BaseVersion: env.Version, ReleaseID: prev.ReleaseID,
		Nodes: refs, PromotionID: p.ID, State: promotion.RolledBack, Kind: environment.Rollback, Reason: reason,
		By: "ferry", At: pl.Now()}); err != nil {
		return nil, err
	}
	res.RolledBack = true
	return res, pl.event(ctx, p.ID, promotion.EventRolledBack, "ferry", "environment %s back on the release of version %d, as version %d: %s",
		env.Name, prev.Version, env.Version+1, reason)
}

// rollbackReason says why a promotion is rolled back: the caught error, or the
// failed smoke checks.
func rollbackReason(in Input, p *promotion.Promotion) string {
	if in.Error != nil {
		return in.Error.Message()
	}
	var failed []string
	for _, r := range p.Smoke {
		if !r.Passed {
			failed = append(failed, r.Check)
		}
	}
	if len(failed) > 0 {
		return "smoke checks failed: " + strings.Join(failed, ", ")
	}
	return "promotion " + p.ID + " failed"
}
