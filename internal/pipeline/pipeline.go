// Package pipeline is what the promotion state machine runs: one method per Lambda
// step (Plan, Approval, Apply, Smoke, Rollback, Finalize), each safe to run again
// under Lambda and Step Functions retries of the same promotion. The state machine
// passes the promotion id between steps, never release content. Cleanup, run on a
// schedule, deletes expired ephemeral environments and releases the locks that
// promotions whose execution stopped left behind.
//
// It lives apart from package promotion (the record) because it needs the store,
// which depends on that record.
//
// Each step has a file of its own; the policy gates Plan checks are in gates.go,
// what people are told in messages.go and the errors the state machine matches in
// errors.go.
//
// Decisions recorded here:
//   - Each step is an exported method that turns its error into one the state
//     machine matches by name (see classify) around an unexported method that does
//     the work. Plan, Smoke and Rollback answer with a <Step>Output whose JSON the
//     state machine reads; Approval, Apply and Finalize answer nothing. Handlers
//     adapts all six to the one shape Lambda and the emulator invoke, and logs
//     each at its boundary, in AWS and in ferry local alike.
//   - Plan takes (renews, after the start's reservation) the environment lock for
//     the approval timeout plus LockMargin; Apply renews it; Finalize releases it
//     whatever the outcome.
//   - Plan records the policy's approval rules on the promotion (its snapshot,
//     policy.Snapshot), once; the approval gate, required checks, the wait's
//     timeout and Apply's check read the snapshot, never the live policy.
//   - Policy gates run in Plan, in this order: freeze, required checks, soak; then
//     the approval gate (hold marker first, then always / breaking / never).
//   - The store's decision record authorizes a switch; a task token only resumes
//     the machine. Apply and Rollback re-read the promotion before they switch and
//     refuse with NotApproved (authorize) unless the gate was automatic under the
//     snapshot or the approvals counted for the current plan meet its
//     min_approvals, with no rejection and no other closure; the refusal ends the
//     promotion FAILED itself (refuse), so it ends the same way when nothing runs
//     after the step. The history's by names only the counted approvers.
//   - Finalize makes the end state agree with the record: EXPIRED closes the
//     decision as expired; REJECTED without a recorded rejection is FAILED.
//   - Soak counts the longest time the release was live upstream, from the
//     upstream environment's history (at most SoakHistory versions back).
//   - Apply keeps a node's reference when its fingerprint is what the environment
//     already runs (a virtual reference), takes the source environment's reference
//     when it runs that fingerprint, and otherwise records the target as builder.
//   - Rollback switches back to the previous version's release and deployment,
//     recorded as a new version with the reason. It does nothing when the promotion
//     applied nothing, when auto_rollback is off, or when there is no previous
//     version; the promotion then ends FAILED with the environment where it is.
//   - Every event a step logs has a promotion.EventType; the values are stored and
//     shown on the page as they are.
//   - Notifications go to the policy's webhooks; a failure to notify is an event,
//     never a failed step.
package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// Tunables.
const (
	// LockMargin is added to the approval timeout for the lock's lease.
	LockMargin = time.Hour
	// SoakHistory bounds how many upstream versions soak looks back through.
	SoakHistory = 200
)

// Pipeline runs the steps. Every field is required.
type Pipeline struct {
	Store store.Store
	// Now is the clock.
	Now func() time.Time
	// Checks runs smoke checks.
	Checks interface {
		Run(context.Context, []policy.SmokeCheck) []promotion.SmokeResult
	}
	// Hooks calls deploy hooks, signing the body with the secret; the promotion
	// id is the idempotency key.
	Hooks interface {
		Post(ctx context.Context, url string, secret, body []byte, idempotencyKey string) error
	}
	// Notifier posts a notification to one webhook.
	Notifier interface {
		Send(context.Context, string, notify.Message) error
	}
	// Secret resolves a deploy hook's secret reference (secretref.Resolver's
	// Resolve).
	Secret func(ctx context.Context, ref string) ([]byte, error)
	// PageURL is the approval page's base URL, for links in notifications.
	PageURL string
}

// event appends to a promotion's log; a failure to log is returned.
func (pl *Pipeline) event(ctx context.Context, id string, typ promotion.EventType, actor, format string, args ...any) error {
	return pl.Store.AppendEvent(ctx, id, promotion.Event{At: pl.Now(), Type: typ, Actor: actor, Message: fmt.Sprintf(format, args...)})
}

// load reads a promotion and the environment it targets.
func (pl *Pipeline) load(ctx context.Context, id string) (*promotion.Promotion, *environment.Environment, error) {
	return store.LoadPromotion(ctx, pl.Store, id)
}

// update changes a promotion in a read-modify-write that starts again after a
// concurrent write.
func (pl *Pipeline) update(ctx context.Context, id string, change func(*promotion.Promotion) error) (*promotion.Promotion, error) {
	return store.UpdatePromotion(ctx, pl.Store, id, pl.Now, change)
}
