package promotion

import (
	"slices"
	"time"
)

// Event is one entry of a promotion's append-only log.
type Event struct {
	At      time.Time `json:"at"`
	Type    EventType `json:"type"`
	Actor   string    `json:"actor,omitempty"`
	Message string    `json:"message"`
}

// EventType says what an event records. The values are stored with the events
// and shown on the page as they are: they never change.
type EventType string

// Event types, roughly in the order a promotion logs them.
const (
	// EventRequested: a manual rollback was requested (recorded before its
	// execution starts).
	EventRequested EventType = "requested"
	// EventStarted: the promotion's execution started.
	EventStarted EventType = "started"
	// EventPlanned: the plan is stored and the approval gate decided.
	EventPlanned EventType = "planned"
	// EventApprovalRequested: the promotion waits for its approvers.
	EventApprovalRequested EventType = "approval_requested"
	// EventApproved: a reviewer approved.
	EventApproved EventType = "approved"
	// EventRejected: a reviewer rejected.
	EventRejected EventType = "rejected"
	// EventApplied: the environment switched to the promotion's release.
	EventApplied EventType = "applied"
	// EventDeployHookFailed: the deploy hook refused or did not answer.
	EventDeployHookFailed EventType = "deploy_hook_failed"
	// EventVerified: every smoke check passed.
	EventVerified EventType = "verified"
	// EventSmokeFailed: a smoke check failed.
	EventSmokeFailed EventType = "smoke_failed"
	// EventRollbackSkipped: the rollback step had nothing to undo, or the policy
	// or the history did not allow it.
	EventRollbackSkipped EventType = "rollback_skipped"
	// EventRolledBack: the environment switched back to its previous release.
	EventRolledBack EventType = "rolled_back"
	// EventCancelled: someone cancelled the promotion before it applied.
	EventCancelled EventType = "cancelled"
	// EventFinished: the promotion ended (by Finalize, or by the cleanup of a
	// promotion whose execution stopped).
	EventFinished EventType = "finished"
	// EventNotifyFailed: a notification could not be sent; the promotion goes on.
	EventNotifyFailed EventType = "notify_failed"
)

// Has reports whether p's event log holds an event of type t.
func (p *Promotion) Has(t EventType) bool {
	return slices.ContainsFunc(p.Events, func(e Event) bool { return e.Type == t })
}
