package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Snapshot is the part of a policy a promotion is decided under: whether it waits
// for people, who may approve, how many must, whether the requester may, how long
// the wait lasts, which checks the release must have passed and the hold marker.
// The Plan step records it on the promotion from the policy in force then, with
// the defaults applied; from then on the gate, the decisions, the expiry and the
// Apply step's check all read the snapshot, never the environment's policy, so a
// later policy change neither strands nor loosens a promotion that waits.
type Snapshot struct {
	Approval          Approval `json:"approval"`
	Approvers         []string `json:"approvers"`
	MinApprovals      int      `json:"min_approvals"`
	AllowSelfApproval bool     `json:"allow_self_approval"`
	ApprovalTimeout   Duration `json:"approval_timeout"`
	RequiredChecks    []string `json:"required_checks"`
	HoldMarker        string   `json:"hold_marker"`
}

// Snapshot returns the rules of p, with its defaults, that a promotion planned now
// is decided under.
func (p Policy) Snapshot() Snapshot {
	d := p.WithDefaults()
	s := Snapshot{Approval: d.Approval, Approvers: slices.Clone(d.Approvers), MinApprovals: d.MinApprovals,
		AllowSelfApproval: d.AllowSelfApproval, ApprovalTimeout: d.ApprovalTimeout,
		RequiredChecks: slices.Clone(d.RequiredChecks), HoldMarker: d.HoldMarker}
	if s.Approvers == nil {
		s.Approvers = []string{}
	}
	if s.RequiredChecks == nil {
		s.RequiredChecks = []string{}
	}
	return s
}

// MayApprove reports why who may not decide on a promotion requested by requester,
// or nil when it may, and the entry of Approvers that admits who: who must be
// named in Approvers, directly or through a "group:NAME" entry, and must not be
// the requester unless self-approval is allowed. A snapshot without approvers
// lets nobody approve.
func (s Snapshot) MayApprove(who Identity, requester string) (entry string, err error) {
	if who.Subject == "" {
		return "", fmt.Errorf("an approver must be signed in")
	}
	if who.Subject == requester && !s.AllowSelfApproval {
		return "", fmt.Errorf("%s requested this promotion and may not approve it: the policy does not allow self-approval", who.Subject)
	}
	if slices.Contains(s.Approvers, who.Subject) {
		return who.Subject, nil
	}
	for _, e := range s.Approvers {
		if group, ok := strings.CutPrefix(e, "group:"); ok && slices.Contains(who.Groups, group) {
			return e, nil
		}
	}
	return "", fmt.Errorf("%s is not an approver of this environment (approvers: %s)", who.Subject, strings.Join(s.Approvers, ", "))
}

// Admits reports whether a decision recorded for identity, admitted through
// entry (what MayApprove gave; "" for the identity itself), counts on a promotion
// requested by requester: entry is one of Approvers and names identity or a
// group, and identity is not the requester unless self-approval is allowed.
// Group membership is what the decision recorded: it was checked when the
// decision was made.
func (s Snapshot) Admits(identity, entry, requester string) bool {
	if entry == "" {
		entry = identity
	}
	switch {
	case identity == "", identity == requester && !s.AllowSelfApproval, !slices.Contains(s.Approvers, entry):
		return false
	}
	return entry == identity || strings.HasPrefix(entry, "group:")
}
