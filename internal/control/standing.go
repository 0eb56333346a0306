package control

import (
	"slices"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// ExpiresSoon is how close to its approval's expiry a waiting promotion is
// said to expire soon.
const ExpiresSoon = time.Hour

// ExpiringSoon says whether p's approval expires within ExpiresSoon of now:
// the pending list and the board mark it.
func ExpiringSoon(p *promotion.Promotion, now time.Time) bool {
	return p.ApprovalExpiresAt != nil && p.ApprovalExpiresAt.Sub(now) < ExpiresSoon
}

// Standing is what one caller may do about a promotion awaiting approval, and
// what the promotion still needs.
type Standing struct {
	// WhyNot is why the caller may not decide, in a few words ("you requested
	// it"); "" when it may. WhyNotDetail is MayDecide's whole message.
	WhyNot, WhyNotDetail string
	// Approved names the counted approvers, in the order they decided.
	Approved []string
	// MinApprovals is how many approvals the promotion needs in all.
	MinApprovals int
	// Needed is how many more approvals it needs.
	Needed int
	// Approvers are the snapshot's approvers who may still approve: those who
	// have not decided, the requester left out unless self-approval is allowed.
	Approvers []string
	// ExpiresSoon says whether its approval expires within ExpiresSoon.
	ExpiresSoon bool
}

// StandingOf returns who's standing on p, by the same checks Decide makes
// (MayDecide). A promotion not planned yet needs what the rules will say:
// nothing is known, and nothing is needed.
func (s *Service) StandingOf(p *promotion.Promotion, who policy.Identity) Standing {
	var st Standing
	if err := s.MayDecide(p, who); err != nil {
		st.WhyNot, st.WhyNotDetail = whyNot(p, who, err), fault.ErrorMessage(err)
	}
	st.ExpiresSoon = ExpiringSoon(p, s.Now())
	st.Approved = p.CountedApprovers()
	if st.Approved == nil {
		st.Approved = []string{}
	}
	st.Approvers = []string{}
	if p.Snapshot == nil {
		return st
	}
	st.MinApprovals = p.Snapshot.MinApprovals
	st.Needed = max(0, st.MinApprovals-len(st.Approved))
	decided := p.Decided(promotion.Approve)
	for _, a := range p.Snapshot.Approvers {
		if slices.Contains(decided, a) || (a == p.RequestedBy && !p.Snapshot.AllowSelfApproval) {
			continue
		}
		st.Approvers = append(st.Approvers, a)
	}
	return st
}

// whyNot says in a few words why who may not decide on p; err is MayDecide's
// answer.
func whyNot(p *promotion.Promotion, who policy.Identity, err error) string {
	switch fault.ErrorCode(err) {
	case fault.Forbidden:
		if who.Subject == p.RequestedBy && !p.Snapshot.AllowSelfApproval {
			return "you requested it"
		}
		return "you are not an approver"
	case fault.Conflict:
		for _, a := range p.Approvals {
			if a.Identity == who.Subject {
				return "you already " + pastTense(a.Decision)
			}
		}
		return "not planned yet"
	case fault.Gone:
		return "no longer open"
	}
	return fault.ErrorMessage(err)
}
