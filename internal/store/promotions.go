package store

import (
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// ValidatePromotion checks a new promotion's required fields. Codes: invalid,
// naming the field.
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

// SavedPromotion returns the promotion SavePromotion stores when p is saved over
// cur, the promotion as stored: p at the next revision, but with cur's approvals
// and without events, which have their own operations (RecordDecision,
// AppendEvent). Codes: conflict (p was read at another revision than cur's).
func SavedPromotion(cur, p *promotion.Promotion) (*promotion.Promotion, error) {
	if cur.Revision != p.Revision {
		return nil, PromotionChangedError(p.ID, cur.Revision, p.Revision)
	}
	next := *p
	next.Approvals, next.Events = cur.Approvals, nil
	next.Revision++
	return &next, nil
}

// CheckDecision returns why decision a cannot be added to p, the promotion as
// stored, or nil when it can: p no longer awaits approval (NotAwaitingError), or
// a.Identity has decided already (DecidedError; each identity decides once).
func CheckDecision(p *promotion.Promotion, a promotion.Approval) error {
	if p.State != promotion.AwaitingApproval {
		return NotAwaitingError(p)
	}
	for _, prev := range p.Approvals {
		if prev.Identity == a.Identity {
			return DecidedError(p.ID, prev)
		}
	}
	return nil
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

// PromotionExistsError is the conflict of creating a promotion that exists.
func PromotionExistsError(id string) error {
	return fault.Errorf(fault.Conflict, "promotion %q already exists", id)
}

// PromotionNotFoundError is the answer for a promotion that is not stored.
func PromotionNotFoundError(id string) error {
	return fault.Errorf(fault.NotFound, "promotion %q not found", id)
}

// PromotionChangedError is the conflict of saving a promotion read at revision
// read, when the stored one is at revision stored.
func PromotionChangedError(id string, stored, read int64) error {
	return fault.Errorf(fault.Conflict, "promotion %q changed since it was read (revision %d, not %d)", id, stored, read)
}
