// Package promotion is one run of the pipeline that carries a release into an
// environment: who asked and from where, the plan, the decisions, the smoke
// results, the state and an append-only event log.
package promotion

import (
	"slices"
	"time"

	"github.com/ferrydev/ferry/internal/plan"
)

// State is where a promotion is in the pipeline.
type State string

// States, DESIGN.md §1.
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
	ViaCI       Via = "ci"
	ViaPage     Via = "page"
	ViaCLI      Via = "cli"
	ViaSchedule Via = "schedule"
	ViaRollback Via = "rollback"
)

// Decision is a reviewer's answer.
type Decision string

// Decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Approval is one recorded decision, bound to the plan digest the reviewer saw.
type Approval struct {
	Identity   string    `json:"identity"`
	Decision   Decision  `json:"decision"`
	Comment    string    `json:"comment,omitempty"`
	PlanDigest string    `json:"plan_digest"`
	At         time.Time `json:"at"`
}

// SmokeResult is the outcome of one smoke check.
type SmokeResult struct {
	Check     string    `json:"check"`
	Passed    bool      `json:"passed"`
	Status    int       `json:"status,omitempty"`
	LatencyMS int64     `json:"latency_ms"`
	Attempts  int       `json:"attempts"`
	Excerpt   string    `json:"excerpt,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// Event is one entry of a promotion's append-only log.
type Event struct {
	At      time.Time `json:"at"`
	Type    string    `json:"type"` // such as "planned", "approved", "applied", "notify_failed"
	Actor   string    `json:"actor,omitempty"`
	Message string    `json:"message"`
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

	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Revision grows with every write; saves are conditioned on it.
	Revision int64 `json:"revision"`
	// Events is the log, oldest first, when loaded with the promotion.
	Events []Event `json:"events,omitempty"`
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
