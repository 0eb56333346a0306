package store

import (
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
)

// ValidateEnvironment checks env before a store creates or saves it. Codes:
// invalid, with a message that starts "environment: " and names the field.
func ValidateEnvironment(env *environment.Environment) error {
	if err := env.Validate(); err != nil {
		return fault.Errorf(fault.ErrorCode(err), "environment: %s", fault.ErrorMessage(err))
	}
	return nil
}

// CopySettings copies what SaveEnvironment writes from src to dst: the policy,
// whether the environment is ephemeral and its expiry, the freeze, the recorded
// changes and the update time. It leaves the rest of dst alone: the name and
// creation time, the version, current deployment and lock, and the revision.
func CopySettings(dst, src *environment.Environment) {
	dst.Policy = src.Policy
	dst.Ephemeral, dst.ExpiresAt = src.Ephemeral, src.ExpiresAt
	dst.Freeze = src.Freeze
	dst.Changes = src.Changes
	dst.UpdatedAt = src.UpdatedAt
}

// SavedEnvironment returns the environment SaveEnvironment stores when env is
// saved over cur, the environment as stored: cur with env's settings
// (CopySettings) at the next revision. Codes: conflict (env was read at another
// revision than cur's).
func SavedEnvironment(cur, env *environment.Environment) (*environment.Environment, error) {
	if cur.Revision != env.Revision {
		return nil, EnvironmentChangedError(env.Name, cur.Revision, env.Revision)
	}
	next := *cur
	CopySettings(&next, env)
	next.Revision++
	return &next, nil
}

// Expiry returns when env expires: the expiry of an ephemeral environment, nil
// for any other (which never expires, whatever its ExpiresAt says).
func Expiry(env *environment.Environment) *time.Time {
	if !env.Ephemeral {
		return nil
	}
	return env.ExpiresAt
}

// Expired reports whether env has expired at now: it expires at or before now.
func Expired(env *environment.Environment, now time.Time) bool {
	exp := Expiry(env)
	return exp != nil && !exp.After(now)
}

// CheckDeletable returns the conflict of deleting env while a promotion holds its
// lock at now.
func CheckDeletable(env *environment.Environment, now time.Time) error {
	if env.Lock.Held(now) {
		return fault.Errorf(fault.Conflict, "environment %q is locked by promotion %s", env.Name, env.Lock.Holder)
	}
	return nil
}

// EnvironmentExistsError is the conflict of creating an environment that exists.
func EnvironmentExistsError(name string) error {
	return fault.Errorf(fault.Conflict, "environment %q already exists", name)
}

// EnvironmentNotFoundError is the answer for an environment that is not stored.
func EnvironmentNotFoundError(name string) error {
	return fault.Errorf(fault.NotFound, "environment %q not found", name)
}

// EnvironmentChangedError is the conflict of saving an environment read at
// revision read, when the stored one is at revision stored.
func EnvironmentChangedError(name string, stored, read int64) error {
	return fault.Errorf(fault.Conflict, "environment %q changed since it was read (revision %d, not %d)", name, stored, read)
}

// NoVersionError is the answer for a version an environment's history lacks.
func NoVersionError(env string, version int64) error {
	return fault.Errorf(fault.NotFound, "environment %q has no version %d", env, version)
}
