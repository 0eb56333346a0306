package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Identity is an authenticated caller: a subject and the groups it belongs to.
type Identity struct {
	Subject string   `json:"subject"`
	Groups  []string `json:"groups,omitempty"`
}

// MayApprove reports why who may not decide on a promotion requested by requester,
// or nil when it may: who must be named in Approvers, directly or through a
// "group:NAME" entry, and must not be the requester unless self-approval is allowed.
// A policy without approvers lets nobody approve.
func (p Policy) MayApprove(who Identity, requester string) error {
	if who.Subject == "" {
		return fmt.Errorf("an approver must be signed in")
	}
	if who.Subject == requester && !p.AllowSelfApproval {
		return fmt.Errorf("%s requested this promotion and may not approve it: the policy does not allow self-approval", who.Subject)
	}
	for _, a := range p.Approvers {
		if group, ok := strings.CutPrefix(a, "group:"); ok {
			if slices.Contains(who.Groups, group) {
				return nil
			}
		} else if a == who.Subject {
			return nil
		}
	}
	return fmt.Errorf("%s is not an approver of this environment (approvers: %s)", who.Subject, strings.Join(p.Approvers, ", "))
}

// QuorumReached reports whether approvals distinct approvers are enough.
func (p Policy) QuorumReached(approvals int) bool {
	return approvals >= p.WithDefaults().MinApprovals
}
