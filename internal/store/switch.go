package store

import (
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// SwitchRequest asks Store.Switch to move an environment to a new release.
type SwitchRequest struct {
	Environment string
	// BaseVersion is the version the plan was made against; the switch happens only
	// if the environment is still at it.
	BaseVersion int64
	ReleaseID   string
	// Nodes are the new deployment's per-node references.
	Nodes       []environment.NodeRef
	PromotionID string
	// State is the promotion's state once switched.
	State  promotion.State
	Kind   environment.SwitchKind
	Reason string
	By     string
	At     time.Time
}

// Validate checks a switch request before any write. Codes: invalid, naming the
// field.
func (r SwitchRequest) Validate() error {
	switch {
	case r.Environment == "":
		return fault.Errorf(fault.Invalid, "switch: environment is required")
	case r.ReleaseID == "":
		return fault.Errorf(fault.Invalid, "switch: release id is required")
	case r.PromotionID == "":
		return fault.Errorf(fault.Invalid, "switch: promotion id is required")
	case r.BaseVersion < 0:
		return fault.Errorf(fault.Invalid, "switch: base version %d is negative", r.BaseVersion)
	case r.Kind != environment.Promote && r.Kind != environment.Rollback:
		return fault.Errorf(fault.Invalid, "switch: kind %q is not promote or rollback", r.Kind)
	case r.State == "":
		return fault.Errorf(fault.Invalid, "switch: the promotion's new state is required")
	}
	return nil
}

// Check says what a switch finds in env, the environment as stored: nil when env
// is at BaseVersion (the switch goes ahead); replay when env is where this very
// switch left it, one version on and deployed by this promotion (the store
// answers with the entry it wrote then, so retries are safe); otherwise the
// stale-plan conflict (StaleError).
func (r SwitchRequest) Check(env *environment.Environment) (replay bool, err error) {
	switch {
	case env.Version == r.BaseVersion:
		return false, nil
	case env.Version == r.BaseVersion+1 && env.Current != nil && env.Current.PromotionID == r.PromotionID:
		return true, nil
	}
	return false, StaleError(r.Environment, env.Version, r.BaseVersion)
}

// Entry is the history entry a switch writes.
func (r SwitchRequest) Entry() environment.VersionEntry {
	return environment.VersionEntry{
		Environment: r.Environment, Version: r.BaseVersion + 1, ReleaseID: r.ReleaseID,
		PromotionID: r.PromotionID, Kind: r.Kind, Reason: r.Reason, At: r.At, By: r.By,
	}
}

// Deployment is the environment's current deployment once switched.
func (r SwitchRequest) Deployment() environment.Deployment {
	e := r.Entry()
	return environment.Deployment{Version: e.Version, ReleaseID: e.ReleaseID, PromotionID: e.PromotionID, At: e.At, By: e.By}
}

// CheckSwitchable returns the conflict of switching for p when p has ended
// (EndedError), or when its decision was closed by anything but the quorum (a
// rejection, a cancel, the expiry: NotSwitchableError): such a promotion
// switches nothing, even in the moment before its end state is written.
func CheckSwitchable(p *promotion.Promotion) error {
	switch {
	case p.State.Final():
		return EndedError(p)
	case p.Closed != nil && p.Closed.How != promotion.ClosedApproved:
		return NotSwitchableError(p)
	}
	return nil
}

// NotSwitchableError is the conflict of a switch for a promotion whose decision
// was closed by anything but the quorum.
func NotSwitchableError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Conflict, "promotion %s was %s: it switches nothing", p.ID, p.Closed)
}

// StaleError is the conflict of a switch whose plan was made against another
// version; it matches ErrPlanStale.
func StaleError(env string, at, base int64) error {
	return &codedError{sentinel: ErrPlanStale, fault: fault.Errorf(fault.Conflict,
		"plan stale: environment %q is at version %d, the plan was made against version %d", env, at, base)}
}

// EndedError is the conflict of a switch for a promotion that has ended.
func EndedError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Conflict, "promotion %s is %s: an ended promotion switches nothing", p.ID, p.State)
}

// ReleaseNotStoredError is the answer to a switch to a release the store does not
// hold.
func ReleaseNotStoredError(id string) error {
	return fault.Errorf(fault.Invalid, "release %s is not stored", id)
}
