package local

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Promote records a promotion of the stored release releaseID into env and starts
// its execution, named after the promotion so that starting it twice is harmless.
func (s *System) Promote(ctx context.Context, id, env, releaseID, requestedBy string, via promotion.Via) error {
	now := s.Pipeline.Now()
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: releaseID, RequestedBy: requestedBy, Via: via,
		State: promotion.Planning, CreatedAt: now, UpdatedAt: now}
	switch exists, err := s.Store.ReleaseExists(ctx, releaseID); {
	case err != nil:
		return err
	case !exists:
		return fault.Errorf(fault.NotFound, "release %s not found", releaseID)
	}
	if err := s.Store.CreatePromotion(ctx, p); err != nil {
		return err
	}
	return s.start(p)
}

// start starts the execution of a recorded promotion.
func (s *System) start(p *promotion.Promotion) error {
	input, err := json.Marshal(map[string]string{"promotion_id": p.ID})
	if err != nil {
		return err
	}
	arn, _, err := s.Emulator.StartExecution(s.StateMachineARN, p.ID, string(input))
	if err != nil {
		return fmt.Errorf("starting promotion %s: %w", p.ID, err)
	}
	return s.Pipeline.Store.AppendEvent(context.Background(), p.ID, promotion.Event{At: s.Pipeline.Now(), Type: "started",
		Actor: p.RequestedBy, Message: "execution " + arn})
}
