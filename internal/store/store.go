package store

import (
	"context"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// Store keeps Ferry's state.
type Store interface {
	// CreateEnvironment stores a new environment with revision 1.
	// Codes: invalid, conflict (exists).
	CreateEnvironment(ctx context.Context, env *environment.Environment) error
	// GetEnvironment returns an environment. Codes: not_found.
	GetEnvironment(ctx context.Context, name string) (*environment.Environment, error)
	// SaveEnvironment writes env's settings if env.Revision is the stored one, then
	// increases env.Revision. The settings are the fields CopySettings copies: the
	// policy, whether it is ephemeral and its expiry, the freeze, the recorded
	// changes and the update time. Everything else stays as stored, whatever env
	// holds: the name and creation time, and what the pipeline owns: the version,
	// current deployment and history (changed only by Switch) and the lock (only by
	// AcquireLock and ReleaseLock). Codes: invalid, not_found, conflict (changed
	// since read).
	SaveEnvironment(ctx context.Context, env *environment.Environment) error
	// DeleteEnvironment removes an environment, its version history and
	// deployments; its promotions stay, as the record of what was shipped.
	// Codes: not_found, conflict (locked at now: CheckDeletable).
	DeleteEnvironment(ctx context.Context, name string, now time.Time) error
	// ListEnvironments returns every environment, by name: what is live where.
	ListEnvironments(ctx context.Context) ([]*environment.Environment, error)
	// ExpiredEnvironments returns the environments that have expired at now
	// (Expired), soonest first.
	ExpiredEnvironments(ctx context.Context, now time.Time) ([]*environment.Environment, error)

	// AcquireLock gives the environment's lock to holder until now+lease, when it is
	// free, its lease has run out, or holder has it already (which renews it): the
	// rule is Acquire's. Codes: not_found, conflict (held by another: LockedError
	// names the holder, its state and since when).
	AcquireLock(ctx context.Context, env, holder string, now time.Time, lease time.Duration) (*environment.Lock, error)
	// ReleaseLock frees the lock if holder has it (Frees); releasing a lock one
	// does not hold is a no-op, so retries are safe. Codes: not_found.
	ReleaseLock(ctx context.Context, env, holder string) error

	// Switch moves an environment to a new release in one atomic step: the
	// environment's version and deployment, its history entry and the promotion's
	// state change together, or none does. A promotion that has ended (cancelled,
	// say), or whose decision a rejection, a cancel or the expiry closed, switches
	// nothing (CheckSwitchable). Codes: invalid, not_found, conflict (the promotion
	// has ended or may not switch; or the plan is stale: the environment is no longer at BaseVersion, the
	// message starts "plan stale" and the error matches ErrPlanStale with
	// errors.Is). Repeating a switch that succeeded returns its entry again (see
	// SwitchRequest.Check).
	Switch(ctx context.Context, req SwitchRequest) (*environment.VersionEntry, error)
	// History returns an environment's versions, newest first. Codes: invalid (bad
	// page token).
	History(ctx context.Context, env string, page Page) ([]environment.VersionEntry, string, error)
	// Deployment returns the per-node references of one version of an environment.
	// Codes: not_found.
	Deployment(ctx context.Context, env string, version int64) ([]environment.NodeRef, error)

	// PutRelease stores a validated release under its id. Codes: invalid.
	PutRelease(ctx context.Context, r *release.Release) error
	// GetRelease returns a release by id. Codes: not_found.
	GetRelease(ctx context.Context, id string) (*release.Release, error)
	// ReleaseExists reports whether a release is stored, without reading it.
	ReleaseExists(ctx context.Context, id string) (bool, error)
	// PutPlan stores a plan under its digest.
	PutPlan(ctx context.Context, p *plan.Plan) error
	// GetPlan returns a plan by digest. Codes: not_found.
	GetPlan(ctx context.Context, digest string) (*plan.Plan, error)

	// CreatePromotion stores a new promotion with revision 1. Codes: invalid,
	// conflict (exists).
	CreatePromotion(ctx context.Context, p *promotion.Promotion) error
	// GetPromotion returns a promotion with its events. Codes: not_found.
	GetPromotion(ctx context.Context, id string) (*promotion.Promotion, error)
	// SavePromotion writes p (but not its approvals, closure or events, which have
	// their own operations: SavedPromotion) if p.Revision is the stored one, then increases
	// p.Revision. Codes: not_found, conflict (changed since read).
	SavePromotion(ctx context.Context, p *promotion.Promotion) error
	// RecordDecision adds a decision to a promotion awaiting approval whose
	// decision is open, once per identity, and returns the promotion as it is after
	// it, so the number of approvals is exact even under concurrent decisions.
	// When the decision closes the decision (a rejection, or the approval that
	// brings the counted approvals to the snapshot's min_approvals: Decided), the
	// closure is written with it, in the same conditional write; nothing is
	// recorded after it. Codes (CheckDecision): not_found, conflict (this identity
	// has decided), gone (no longer awaiting approval, closed, or expired at the
	// decision's time: the message says what closed it, by whom and when).
	RecordDecision(ctx context.Context, id string, a promotion.Approval) (*promotion.Promotion, error)
	// CloseDecision closes the decision on a promotion being planned or awaiting
	// approval with c (a cancel or the expiry), in one conditional write that
	// succeeds only while nothing closed it; a cancel also ends the promotion
	// CANCELLED in that write (Closed). It returns the promotion as it is after
	// it. Codes (CheckClose): not_found, gone (closed already: the message says
	// what closed it, by whom and when), conflict (past its decision).
	CloseDecision(ctx context.Context, id string, c promotion.Closure) (*promotion.Promotion, error)
	// AppendEvent adds an event to a promotion's log. Codes: not_found.
	AppendEvent(ctx context.Context, id string, e promotion.Event) error
	// ListPromotions returns an environment's promotions, newest first. Codes:
	// invalid (bad page token).
	ListPromotions(ctx context.Context, env string, page Page) ([]*promotion.Promotion, string, error)
	// PendingApprovals returns the promotions awaiting approval, oldest first.
	// Codes: invalid (bad page token).
	PendingApprovals(ctx context.Context, page Page) ([]*promotion.Promotion, string, error)

	// Close releases the store's resources.
	Close() error
}
