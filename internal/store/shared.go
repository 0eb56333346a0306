package store

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// This file holds what both implementations share: request checks, the errors
// whose wording callers see, and the compressed form of stored releases.

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

// ValidateEnvironment checks env before a store creates or saves it. Codes:
// invalid, with a message that starts "environment: " and names the field.
func ValidateEnvironment(env *environment.Environment) error {
	if err := env.Validate(); err != nil {
		return fault.Errorf(fault.ErrorCode(err), "environment: %s", fault.ErrorMessage(err))
	}
	return nil
}

// Entry is the history entry a switch writes.
func (r SwitchRequest) Entry() environment.VersionEntry {
	return environment.VersionEntry{
		Environment: r.Environment, Version: r.BaseVersion + 1, ReleaseID: r.ReleaseID,
		PromotionID: r.PromotionID, Kind: r.Kind, Reason: r.Reason, At: r.At, By: r.By,
	}
}

// ValidatePromotion checks a new promotion's required fields.
func ValidatePromotion(p *promotion.Promotion) error {
	switch {
	case p.ID == "":
		return fault.Errorf(fault.Invalid, "promotion: id is required")
	case p.Target == "":
		return fault.Errorf(fault.Invalid, "promotion: target is required")
	case p.State == "":
		return fault.Errorf(fault.Invalid, "promotion: state is required")
	case p.CreatedAt.IsZero():
		return fault.Errorf(fault.Invalid, "promotion: created_at is required")
	}
	return nil
}

// StaleError is the conflict of a switch whose plan was made against another version.
func StaleError(env string, at, base int64) error {
	return fault.Errorf(fault.Conflict, "plan stale: environment %q is at version %d, the plan was made against version %d", env, at, base)
}

// EndedError is the conflict of a switch for a promotion that has ended.
func EndedError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Conflict, "promotion %s is %s: an ended promotion switches nothing", p.ID, p.State)
}

// LockedError is the conflict of a lock held by another promotion.
func LockedError(env string, lock *environment.Lock, holderState string) error {
	return fault.Errorf(fault.Conflict, "environment %q is locked by promotion %s (%s) since %s",
		env, lock.Holder, holderState, lock.Since.UTC().Format(time.RFC3339))
}

// DecidedError is the conflict of a second decision by the same identity.
func DecidedError(id string, prev promotion.Approval) error {
	return fault.Errorf(fault.Conflict, "%s already decided on promotion %s: %s at %s",
		prev.Identity, id, prev.Decision, prev.At.UTC().Format(time.RFC3339))
}

// NotAwaitingError is the answer to a decision on a promotion that no longer
// waits for one.
func NotAwaitingError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Gone, "promotion %s is no longer awaiting approval: it is %s since %s",
		p.ID, p.State, p.UpdatedAt.UTC().Format(time.RFC3339))
}

// Compress gzips data; stores keep releases, plans and deployments compressed.
func Compress(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decompress reverses Compress.
func Decompress(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// DecodeRelease reads a stored release (its canonical JSON) and checks that it is
// the release id names.
func DecodeRelease(id string, data []byte) (*release.Release, error) {
	r, err := release.ParseJSON("release "+id, data)
	if err != nil {
		return nil, fmt.Errorf("reading release %s: %w", id, err)
	}
	if r.ID() != id {
		return nil, fmt.Errorf("release %s is stored with content whose id is %s", id, r.ID())
	}
	return r, nil
}
