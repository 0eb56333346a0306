// Package environment is a named place a release is live in: dev, staging, prod,
// pr-123. An environment holds its current deployment and a version that grows by
// one with every switch, its policy, an optional lock (one active promotion at a
// time) and freeze, and for ephemeral environments an expiry.
//
// A deployment records, per node, the fingerprint and the environment that first
// built it. A node unchanged by a promotion keeps its reference: it is a virtual
// reference to what another environment built (as in SQLMesh), so promotion is a
// pointer swap, not a rebuild.
package environment

import (
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/release"
)

// Environment is the state of one environment.
type Environment struct {
	Name   string        `json:"name"`
	Policy policy.Policy `json:"policy"`
	// Ephemeral environments expire at ExpiresAt and are cleaned up.
	Ephemeral bool       `json:"ephemeral,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Version is 0 before the first deployment and grows by one with each switch.
	Version int64       `json:"version"`
	Current *Deployment `json:"current,omitempty"`
	Lock    *Lock       `json:"lock,omitempty"`
	Freeze  *Freeze     `json:"freeze,omitempty"`
	// Changes are the latest changes to the policy, freeze and expiry, oldest
	// first, at most MaxChanges.
	Changes []Change `json:"changes,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Revision grows with every write; saves are conditioned on it.
	Revision int64 `json:"revision"`
}

// Deployment is what an environment runs since a switch.
type Deployment struct {
	Version     int64     `json:"version"`
	ReleaseID   string    `json:"release_id"`
	PromotionID string    `json:"promotion_id"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}

// NodeRef says which fingerprint of a node an environment runs and which
// environment built it.
type NodeRef struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	BuiltIn     string `json:"built_in"`
}

// Lock is held by the one active promotion of an environment, for a lease.
type Lock struct {
	Holder  string    `json:"holder"` // promotion id
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires"`
}

// Held reports whether the lock is held at now (its lease has not run out).
func (l *Lock) Held(now time.Time) bool { return l != nil && now.Before(l.Expires) }

// Freeze stops promotions into an environment until a time.
type Freeze struct {
	Owner  string    `json:"owner"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until"`
}

// Active reports whether the freeze is in force at now.
func (f *Freeze) Active(now time.Time) bool { return f != nil && now.Before(f.Until) }

// Change records who changed an environment's settings, when, and what.
type Change struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	What string    `json:"what"`
}

// MaxChanges bounds the changes an environment keeps: they live in its record,
// which must stay small.
const MaxChanges = 50

// Record adds a change, dropping the oldest beyond MaxChanges.
func (e *Environment) Record(c Change) {
	e.Changes = append(e.Changes, c)
	if n := len(e.Changes); n > MaxChanges {
		e.Changes = append([]Change(nil), e.Changes[n-MaxChanges:]...)
	}
}

// SwitchKind says why an environment switched.
type SwitchKind string

// Switch kinds.
const (
	// Promote: a promotion applied a release.
	Promote SwitchKind = "promote"
	// Rollback: a failed promotion was undone, back to the previous deployment.
	Rollback SwitchKind = "rollback"
)

// VersionEntry is one line of an environment's history: which release it ran from
// which version on, and why.
type VersionEntry struct {
	Environment string     `json:"environment"`
	Version     int64      `json:"version"`
	ReleaseID   string     `json:"release_id"`
	PromotionID string     `json:"promotion_id"`
	Kind        SwitchKind `json:"kind"`
	Reason      string     `json:"reason,omitempty"`
	At          time.Time  `json:"at"`
	By          string     `json:"by"`
}

// Validate checks an environment's own fields before it is created or saved.
// Codes: invalid, naming the field.
func (e *Environment) Validate() error {
	if !release.ValidName(e.Name) || len(e.Name) > 63 {
		return fault.Errorf(fault.Invalid, "name: %q is not a valid environment name: use 1 to 63 characters from A-Z a-z 0-9 _ . : / -", e.Name)
	}
	if e.Ephemeral && e.ExpiresAt == nil {
		return fault.Errorf(fault.Invalid, "expires_at: an ephemeral environment needs one")
	}
	if err := e.Policy.Validate(); err != nil {
		return fault.Errorf(fault.ErrorCode(err), "policy: %s", fault.ErrorMessage(err))
	}
	return nil
}
