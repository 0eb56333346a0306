package local

import (
	"context"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Promote starts a promotion, with id, of the stored release releaseID into env,
// on behalf of requestedBy, as the API's POST /api/promotions does.
func (s *System) Promote(ctx context.Context, id, env, releaseID, requestedBy string, via promotion.Via) error {
	_, err := s.Control.Start(ctx, policy.Identity{Subject: requestedBy},
		control.StartRequest{ID: id, Environment: env, ReleaseID: releaseID, Via: via})
	return err
}
