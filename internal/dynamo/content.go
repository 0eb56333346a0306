package dynamo

import (
	"context"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// Deployment implements store.Store.
func (s *Store) Deployment(ctx context.Context, env string, version int64) ([]environment.NodeRef, error) {
	missing := store.NoDeploymentError(env, version)
	e, err := s.version(ctx, env, version)
	if fault.ErrorCode(err) == fault.NotFound {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	data, err := s.getBlob(ctx, deployKey(env, version, e.PromotionID), missing)
	if err != nil {
		return nil, err
	}
	return store.DecodeNodes(env, version, data)
}

// PutRelease implements store.Store.
func (s *Store) PutRelease(ctx context.Context, r *release.Release) error {
	return s.putImmutable(ctx, releaseKey(r.ID()), func() ([]byte, error) { return store.EncodeRelease(r), nil })
}

// GetRelease implements store.Store.
func (s *Store) GetRelease(ctx context.Context, id string) (*release.Release, error) {
	data, err := s.getBlob(ctx, releaseKey(id), store.ReleaseNotFoundError(id))
	if err != nil {
		return nil, err
	}
	return store.DecodeRelease(id, data)
}

// ReleaseExists implements store.Store.
func (s *Store) ReleaseExists(ctx context.Context, id string) (bool, error) {
	return s.blobExists(ctx, releaseKey(id))
}

// PutPlan implements store.Store.
func (s *Store) PutPlan(ctx context.Context, p *plan.Plan) error {
	return s.putImmutable(ctx, planKey(p.Digest), func() ([]byte, error) { return store.EncodePlan(p) })
}

// GetPlan implements store.Store.
func (s *Store) GetPlan(ctx context.Context, digest string) (*plan.Plan, error) {
	data, err := s.getBlob(ctx, planKey(digest), store.PlanNotFoundError(digest))
	if err != nil {
		return nil, err
	}
	return store.DecodePlan(digest, data)
}
