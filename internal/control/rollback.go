package control

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// Rollback starts a promotion that puts env back on the release it ran at version
// (the previous one when 0). It is planned, shown and approved like any other
// promotion, and like any start it takes the environment's lock first. Codes:
// invalid, not_found, conflict (the environment is locked).
func (s *Service) Rollback(ctx context.Context, who policy.Identity, env string, version int64) (*promotion.Promotion, error) {
	p, err := s.recordRollback(ctx, env, version, NewID(env, s.Now()), who.Subject)
	if err != nil {
		return nil, err
	}
	return p, s.startExecution(ctx, p)
}

// recordRollback records a promotion, with id, that puts env back on the release
// it ran at version (the previous version when version is 0).
func (s *Service) recordRollback(ctx context.Context, env string, version int64, id, requestedBy string) (*promotion.Promotion, error) {
	e, err := s.Store.GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = e.Version - 1
	}
	if version < 1 || version >= e.Version {
		return nil, fault.Errorf(fault.Invalid, "environment %s has no earlier version %d to roll back to (it is at version %d)", env, version, e.Version)
	}
	entry, err := s.versionEntry(ctx, env, version)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: entry.ReleaseID, RequestedBy: requestedBy,
		Via: promotion.ViaRollback, State: promotion.Planning, CreatedAt: now, UpdatedAt: now}
	if err := s.reserve(ctx, env, id, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreatePromotion(ctx, p); err != nil {
		return nil, errors.Join(err, s.Store.ReleaseLock(ctx, env, id))
	}
	return p, s.event(ctx, id, promotion.EventRequested, requestedBy,
		fmt.Sprintf("rollback of %s to version %d (release %s)", env, version, entry.ReleaseID))
}

// versionEntry finds one version in an environment's history.
func (s *Service) versionEntry(ctx context.Context, env string, version int64) (*environment.VersionEntry, error) {
	page := store.Page{Limit: store.MaxLimit}
	for {
		entries, next, err := s.Store.History(ctx, env, page)
		if err != nil {
			return nil, err
		}
		for i := range entries {
			if entries[i].Version == version {
				return &entries[i], nil
			}
		}
		if next == "" {
			return nil, fault.Errorf(fault.NotFound, "environment %s has no version %d", env, version)
		}
		page.Token = next
	}
}
