package pipeline

import (
	"context"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// RollbackTo records a promotion, with id, that puts env back on the release it ran
// at version (the previous version when version is 0). It is planned, shown and
// approved like any other promotion; the caller starts its execution.
func (pl *Pipeline) RollbackTo(ctx context.Context, env string, version int64, id, requestedBy string) (*promotion.Promotion, error) {
	e, err := pl.Store.GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = e.Version - 1
	}
	if version < 1 || version >= e.Version {
		return nil, fault.Errorf(fault.Invalid, "environment %s has no earlier version %d to roll back to (it is at version %d)", env, version, e.Version)
	}
	entry, err := pl.versionEntry(ctx, env, version)
	if err != nil {
		return nil, err
	}
	now := pl.Now()
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: entry.ReleaseID, RequestedBy: requestedBy,
		Via: promotion.ViaRollback, State: promotion.Planning, CreatedAt: now, UpdatedAt: now}
	if err := pl.Store.CreatePromotion(ctx, p); err != nil {
		return nil, err
	}
	return p, pl.event(ctx, id, "requested", requestedBy, "rollback of %s to version %d (release %s)", env, version, entry.ReleaseID)
}

// versionEntry finds one version in an environment's history.
func (pl *Pipeline) versionEntry(ctx context.Context, env string, version int64) (*environment.VersionEntry, error) {
	page := store.Page{Limit: store.MaxLimit}
	for {
		entries, next, err := pl.Store.History(ctx, env, page)
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
