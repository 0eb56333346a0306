// Package promotion is one run of the pipeline that carries a release into an
// environment: who asked and from where, the plan, the approval rules it is
// decided under (its policy snapshot), the decisions and what closed them, the
// smoke results, the state and an append-only event log.
//
// Decision recorded here: an approval counts toward the quorum (Counted) only
// for the current plan digest and when the snapshot admits its identity through
// the entry recorded with it (As); a decision recorded without As counts only
// when its identity is named directly.
package promotion

import (
	"slices"
	"time"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
)

// State is where a promotion is in the pipeline.
type State string

// States: the four a running promotion passes through, in order, then the one of
// EndStates it ends in.
const (
	// Planning: the plan is being computed and the lock taken.
	Planning State = "PLANNING"
	// AwaitingApproval: waiting for reviewers.
	AwaitingApproval State = "AWAITING_APPROVAL"
	// Applying: the environment is being switched.
	Applying State = "APPLYING"
	// Verifying: smoke checks are running.
	Verifying State = "VERIFYING"
	// Succeeded: applied and verified.
	Succeeded State = "SUCCEEDED"
	// NoChanges: the plan had nothing to apply.
	NoChanges State = "NO_CHANGES"
	// Rejected: a reviewer said no.
	Rejected State = "REJECTED"
	// Expired: nobody decided in time.
	Expired State = "EXPIRED"
	// Cancelled: the requester or an admin stopped it.
	Cancelled State = "CANCELLED"
	// RolledBack: applied, then undone after failed checks.
	RolledBack State = "ROLLED_BACK"
	// Failed: an error ended it.
	Failed State = "FAILED"
)

// Final reports whether s is an end state.
func (s State) Final() bool { return slices.Contains(EndStates, s) }

// EndStates are the final states.
var EndStates = []State{Succeeded, NoChanges, Rejected, Expired, Cancelled, RolledBack, Failed}

// Via says where a promotion was requested from.
type Via string

// Request sources.
const (
	// ViaCI: a CI job asked; what a request that names no source means.
	ViaCI Via = "ci"
	// ViaPage: someone asked on the approval page.
	ViaPage Via = "page"
	// ViaCLI: someone asked with the ferry command.
	ViaCLI Via = "cli"
	// ViaSchedule: a schedule asked. A stored value only: nothing requests a
	// promotion on a schedule yet, and a start request may not name it.
	ViaSchedule Via = "schedule"
	// ViaRollback: someone asked to put an environment back on a release it ran
	// at an earlier version. Such a promotion is planned and approved like any
	// other, and passes a freeze when the policy allows frozen rollbacks.
	ViaRollback Via = "rollback"
)

// Decision is a reviewer's answer.
type Decision string

// Decisions.
const (
	// Approve: the reviewer lets the promotion apply; it applies once the policy's
	// minimum of approvals is reached and nobody rejected it.
	Approve Decision = "approve"
	// Reject: the reviewer stops the promotion; one rejection ends it REJECTED.
	Reject Decision = "reject"
)

// Event is the event that records decision d in a promotion's log.
func (d Decision) Event() EventType {
	if d == Reject {
		return EventRejected
	}
	return EventApproved
}

// Approval is one recorded decision, bound to the plan digest the reviewer saw.
type Approval struct {
	Identity string   `json:"identity"`
	Decision Decision `json:"decision"`
	// As is the entry of the snapshot's approvers that admitted Identity: the
	// identity itself or the "group:NAME" it was found in when it decided.
	As         string    `json:"as,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	PlanDigest string    `json:"plan_digest"`
	At         time.Time `json:"at"`
}

// SmokeResult is the outcome of one smoke check.
type SmokeResult struct {
	Check string `json:"check"`
	// URL is what the check requested.
	URL       string    `json:"url,omitempty"`
	Passed    bool      `json:"passed"`
	Status    int       `json:"status,omitempty"`
	LatencyMS int64     `json:"latency_ms"`
	Attempts  int       `json:"attempts"`
	Excerpt   string    `json:"excerpt,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// Promotion is one run of the pipeline.
type Promotion struct {
	ID          string        `json:"id"`
	Target      string        `json:"target"`
	ReleaseID   string        `json:"release_id"`
	Source      string        `json:"source,omitempty"` // environment promoted from
	RequestedBy string        `json:"requested_by"`
	Via         Via           `json:"via"`
	BaseVersion int64         `json:"base_version"`
	PlanDigest  string        `json:"plan_digest,omitempty"`
	Summary     *plan.Summary `json:"summary,omitempty"`
	State       State         `json:"state"`
	Approvals   []Approval    `json:"approvals,omitempty"`
	Smoke       []SmokeResult `json:"smoke,omitempty"`
	Execution   string        `json:"execution,omitempty"` // Step Functions execution ARN
	// TaskToken is the approval step's Step Functions token. It never leaves the
	// server: it is not part of the JSON form, and stores keep it apart.
	TaskToken string `json:"-"`
	Error     string `json:"error,omitempty"`
	// ApprovalExpiresAt is when the wait for approval times out, once it waits.
	ApprovalExpiresAt *time.Time `json:"approval_expires_at,omitempty"`
	// Snapshot is the policy's approval rules as they were when the promotion was
	// planned: what it is decided under. Nil until it is planned.
	Snapshot *policy.Snapshot `json:"snapshot,omitempty"`
	// Closed says what closed the decision, once something did. Stores set it
	// only when it is unset, in the same write as the decision that closes it.
	Closed *Closure `json:"closed,omitempty"`

	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Revision grows with every write; saves are conditioned on it.
	Revision int64 `json:"revision"`
	// Events is the log, oldest first, when loaded with the promotion.
	Events []Event `json:"events,omitempty"`
}

// Closure is what closed the decision on a promotion: the first of the quorum
// reached, a rejection, a cancel or the expiry. Nothing decides after it.
type Closure struct {
	// How is what closed it.
	How ClosedBy `json:"how"`
	// By is who closed it: the approver whose approval reached the quorum, the
	// reviewer who rejected, who cancelled; "ferry" for the expiry.
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// ClosedBy says what closed a decision.
type ClosedBy string

// What closes a decision.
const (
	// ClosedApproved: an approval brought the counted approvals to the quorum.
	ClosedApproved ClosedBy = "approved"
	// ClosedRejected: a reviewer rejected.
	ClosedRejected ClosedBy = "rejected"
	// ClosedCancelled: the requester or an admin cancelled.
	ClosedCancelled ClosedBy = "cancelled"
	// ClosedExpired: the approval timeout passed.
	ClosedExpired ClosedBy = "expired"
)

// String says what closed a decision, by whom and when.
func (c Closure) String() string {
	at := c.At.UTC().Format(time.RFC3339)
	switch c.How {
	case ClosedApproved:
		return "approved at " + at + ", when the approval of " + c.By + " reached the quorum"
	case ClosedExpired:
		return "expired at " + at
	}
	return string(c.How) + " by " + c.By + " at " + at
}

// Counted returns the approvals that count toward the quorum under the
// promotion's snapshot: approve decisions for the current plan digest by
// identities the snapshot admits (Snapshot.Admits). Without a snapshot nothing
// counts.
func (p *Promotion) Counted() []Approval {
	if p.Snapshot == nil || p.PlanDigest == "" {
		return nil
	}
	var out []Approval
	for _, a := range p.Approvals {
		if a.Decision == Approve && a.PlanDigest == p.PlanDigest && p.Snapshot.Admits(a.Identity, a.As, p.RequestedBy) {
			out = append(out, a)
		}
	}
	return out
}

// CountedApprovers names who made the counted approvals, in the order they
// decided: whom the history and the task's answer credit.
func (p *Promotion) CountedApprovers() []string {
	var names []string
	for _, a := range p.Counted() {
		names = append(names, a.Identity)
	}
	return names
}

// QuorumReached reports whether the counted approvals meet the snapshot's
// min_approvals.
func (p *Promotion) QuorumReached() bool {
	return p.Snapshot != nil && len(p.Counted()) >= p.Snapshot.MinApprovals
}

// ApprovalCount counts the approve decisions.
func (p *Promotion) ApprovalCount() int { return len(p.Decided(Approve)) }

// Decided names who made decision d, in the order they decided.
func (p *Promotion) Decided(d Decision) []string {
	var names []string
	for _, a := range p.Approvals {
		if a.Decision == d {
			names = append(names, a.Identity)
		}
	}
	return names
}
