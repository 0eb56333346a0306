package store

import (
	"fmt"
	"slices"
	"strings"
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
// and closure and without events, which have their own operations
// (RecordDecision, CloseDecision, AppendEvent). Codes: conflict (p was read at
// another revision than cur's).
func SavedPromotion(cur, p *promotion.Promotion) (*promotion.Promotion, error) {
	if cur.Revision != p.Revision {
		return nil, PromotionChangedError(p.ID, cur.Revision, p.Revision)
	}
	next := *p
	next.Approvals, next.Closed, next.Events = cur.Approvals, cur.Closed, nil
	next.Revision++
	return &next, nil
}

// CheckDecision returns why decision a cannot be added to p, the promotion as
// stored, or nil when it can: p no longer awaits approval (NotAwaitingError), its
// decision is closed (ClosedError), a comes at or after the approval's expiry
// (ExpiredError), or a.Identity has decided already (DecidedError; each identity
// decides once). All but the last are gone.
func CheckDecision(p *promotion.Promotion, a promotion.Approval) error {
	switch {
	case p.State != promotion.AwaitingApproval:
		return NotAwaitingError(p)
	case p.Closed != nil:
		return ClosedError(p)
	case p.ApprovalExpiresAt != nil && !a.At.Before(*p.ApprovalExpiresAt):
		return ExpiredError(p)
	}
	for _, prev := range p.Approvals {
		if prev.Identity == a.Identity {
			return DecidedError(p.ID, prev)
		}
	}
	return nil
}

// Decided returns the promotion RecordDecision stores when decision a is added
// to p, the promotion as stored (CheckDecision passed): a appended, at the next
// revision, and closed by a when a closes the decision: a rejection, or an
// approval that brings the counted approvals (promotion.Counted) to the
// snapshot's min_approvals. So the closing decision and the closure are one
// write, and nothing is recorded after it.
func Decided(p *promotion.Promotion, a promotion.Approval) *promotion.Promotion {
	next := *p
	next.Approvals = append(slices.Clone(p.Approvals), a)
	next.Events = nil
	next.Revision++
	switch {
	case a.Decision == promotion.Reject:
		next.Closed = &promotion.Closure{How: promotion.ClosedRejected, By: a.Identity, At: a.At}
	case next.QuorumReached():
		next.Closed = &promotion.Closure{How: promotion.ClosedApproved, By: a.Identity, At: a.At}
	}
	return &next
}

// CheckClose returns why c cannot close the decision on p, the promotion as
// stored, or nil when it can: the decision is closed already (ClosedError,
// gone), or p is past the point where it could be decided (a conflict: only a
// promotion being planned or awaiting approval has an open decision).
func CheckClose(p *promotion.Promotion) error {
	switch {
	case p.Closed != nil:
		return ClosedError(p)
	case p.State != promotion.Planning && p.State != promotion.AwaitingApproval:
		return fault.Errorf(fault.Conflict, "promotion %s is %s: its decision is no longer open", p.ID, p.State)
	}
	return nil
}

// Closed returns the promotion CloseDecision stores when c closes the decision
// on p, the promotion as stored (CheckClose passed), at the next revision. A
// cancel also ends the promotion in the same write: CANCELLED, finished at c.At,
// its task token dropped.
func Closed(p *promotion.Promotion, c promotion.Closure) *promotion.Promotion {
	next := *p
	next.Closed = &c
	next.Events = nil
	next.Revision++
	if c.How == promotion.ClosedCancelled {
		at := c.At
		next.State, next.FinishedAt, next.TaskToken, next.UpdatedAt = promotion.Cancelled, &at, "", c.At
	}
	return &next
}

// DecidedError is the conflict of a second decision by the same identity.
func DecidedError(id string, prev promotion.Approval) error {
	return fault.Errorf(fault.Conflict, "%s already decided on promotion %s: %s at %s",
		prev.Identity, id, prev.Decision, prev.At.UTC().Format(time.RFC3339))
}

// NotAwaitingError is the answer to a decision on a promotion that no longer
// waits for one; it says what closed the decision when something did.
func NotAwaitingError(p *promotion.Promotion) error {
	since := p.UpdatedAt
	if p.FinishedAt != nil {
		since = *p.FinishedAt
	}
	msg := fmt.Sprintf("promotion %s is no longer awaiting approval: it is %s since %s",
		p.ID, p.State, since.UTC().Format(time.RFC3339))
	if p.Closed != nil {
		msg += "; its decision closed: " + closure(p)
	}
	return fault.Errorf(fault.Gone, "%s", msg)
}

// ClosedError is the answer to a decision, or a cancel, after the decision on p
// closed: it says what closed it, by whom and when.
func ClosedError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Gone, "the decision on promotion %s is closed: %s", p.ID, closure(p))
}

// ExpiredError is the answer to a decision at or after the approval's expiry.
func ExpiredError(p *promotion.Promotion) error {
	return fault.Errorf(fault.Gone, "the approval of promotion %s expired at %s", p.ID, p.ApprovalExpiresAt.UTC().Format(time.RFC3339))
}

// closure says what closed p's decision, naming the counted approvers of an
// approval.
func closure(p *promotion.Promotion) string {
	s := p.Closed.String()
	if p.Closed.How == promotion.ClosedApproved {
		s += " (approved by " + strings.Join(p.CountedApprovers(), ", ") + ")"
	}
	return s
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
