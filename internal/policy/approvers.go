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

// In reports whether who is named in list, directly or through a "group:NAME"
// entry.
func (who Identity) In(list []string) bool {
	for _, entry := range list {
		if group, ok := strings.CutPrefix(entry, "group:"); ok {
			if slices.Contains(who.Groups, group) {
				return true
			}
		} else if entry == who.Subject {
			return true
		}
	}
	return false
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
	if who.In(p.Approvers) {
		return nil
	}
	return fmt.Errorf("%s is not an approver of this environment (approvers: %s)", who.Subject, strings.Join(p.Approvers, ", "))
}

// QuorumReached reports whether approvals distinct approvers are enough.
func (p Policy) QuorumReached(approvals int) bool {
	return approvals >= p.WithDefaults().MinApprovals
}
