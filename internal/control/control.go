// Package control is what people and CI do to promotions, environments and
// releases: start a promotion, approve or reject it, cancel it, roll an
// environment back, upload a release, the admins' changes to environments, and
// the reads behind them. It works on the store and drives the promotion's Step
// Functions execution; the pipeline's steps take over from there. The HTTP API
// (internal/httpapi) is its adapter and calls nothing else: control is the one
// place where who may do what, and what input is valid, is decided.
//
// Decisions recorded here:
//   - Who may decide, and how many must, come from the promotion's policy
//     snapshot (recorded by the Plan step), never from the environment's policy
//     as it is now: a policy change neither strands nor loosens a waiting
//     promotion. An admin who wants the new rules cancels and starts again.
//   - A decision is bound to the plan digest the reviewer saw, recorded once per
//     identity with the approvers entry that admitted the reviewer, and the
//     decision is linearized by the store: the first of the quorum reached, a
//     rejection, a cancel or the expiry closes it in one conditional write, the
//     deciding approval or rejection included. Only the decision that closed it
//     answers the task (SendTaskSuccess, or SendTaskFailure with error Rejected);
//     every later approve, reject or cancel gets gone saying what closed it, by
//     whom and when, and is not recorded. A decision after approval_expires_at
//     closes it as expired. Once the store closed it, the task answer (and a
//     cancel's lock release and StopExecution) run on a context detached from the
//     caller's request, so a caller that goes away does not leave a closed
//     decision unanswered.
//   - Cancelling is allowed to the requester and to admins, and only before
//     anything is applied (PLANNING, AWAITING_APPROVAL) and while the decision is
//     open: the closure and the CANCELLED state are one write; then the lock is
//     released and the execution stopped. A step that was already running finds
//     the promotion ended: the store refuses to switch an environment for it, and
//     the approval step refuses to wait.
//   - A start takes the environment's lock for the new promotion before recording
//     it (the store's AcquireLock is the atomic reservation), so of many starts
//     into one environment exactly one is recorded and the others get conflict
//     at once, naming the holder, its state and since when; a lock whose holder
//     has ended is released and taken. A retried start of a recorded promotion
//     takes no lock. A manual rollback is a start like any other.
//   - Admins are named like approvers (identities or "group:NAME"). They alone
//     create, delete, freeze and unfreeze environments and change policies;
//     anyone signed in may extend an ephemeral environment, which only delays its
//     cleanup.
//   - A policy's secrets (webhook and deploy hook URLs, the deploy hook's secret
//     reference; see policy.Policy.Redacted) are for admins: every environment
//     control returns to someone else has them redacted (seenBy). The change log
//     records policy changes without secrets (policy.Diff), since everyone reads
//     it; entries recorded before that rule have their URLs reduced to the host
//     for non-admins.
//   - A rejection needs a reason: a reject without a comment is invalid. A
//     comment is at most MaxComment bytes; the promotion view tells the page.
//   - What the promotion view says the caller may do (decide, cancel) comes from
//     the same checks the operations make (MayDecide, MayCancel).
//   - How a promotion ended is told in plain words here (OutcomeOf), once, for
//     the page and any other client: who, what, when, why and what the
//     environment runs now, with the error names of Step Functions, Lambda and
//     the steps taken out of the recorded error (the record keeps them). The
//     evidence from upstream (Evidence) counts only promotions into it, never a
//     rollback's switch back, whose promotion's smoke results are a failure's.
//   - Inputs are Go values without JSON tags; the JSON contract of the HTTP API
//     is internal/httpapi/wire, converted by httpapi.
//   - Releases of any size the CLI accepts arrive through Blobs: NewUpload gives
//     a presigned PUT URL valid for UploadTTL, the client PUTs the release's
//     canonical JSON there, and IngestUpload parses, stores and deletes it. The
//     API's own bodies stay small (API Gateway and Lambda cap them at 6 MB).
//     An upload id is random, and an object is read once; the storage expires
//     what is never ingested.
//   - Promotion ids are Step Functions execution names: 1 to 80 characters from
//     A-Z a-z 0-9 _ -. A client may choose one to make its start idempotent. No
//     "." : AWS refuses execution names outside [A-Za-z0-9_-] when the state
//     machine logs to CloudWatch Logs, as the template's does.
//     A start of a chosen id whose promotion is over starts nothing: Step
//     Functions never runs an execution name twice (ExecutionAlreadyExists), so
//     promoting again takes a new id. Start returns the promotion as it ended,
//     told apart by its final state (a started one never is), and the HTTP API
//     answers 200 with it instead of 201, the CLI saying it already ran and
//     exiting as for its outcome. Not a conflict: a CI job retried after the
//     promotion it started ended gets the outcome it would have waited for,
//     success passing and failure failing, rather than an error it cannot
//     resolve but by editing the id.
package control

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// StepFunctions is the part of the Step Functions API the operations use;
// *sfn.Client has it.
type StepFunctions interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	StopExecution(context.Context, *sfn.StopExecutionInput, ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(context.Context, *sfn.SendTaskFailureInput, ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	Describer
}

// Notifier posts a message to a webhook; *notify.Notifier is one.
type Notifier interface {
	Send(ctx context.Context, url string, m notify.Message) error
}

// Service carries out the operations. Every field is required but PageURL,
// Admins and Blobs.
type Service struct {
	Store store.Store
	Now   func() time.Time
	SFN   StepFunctions
	// StateMachineARN is the promotion state machine; executions are named
	// after their promotion.
	StateMachineARN string
	// Notifier tells an environment's webhooks about a cancellation.
	Notifier Notifier
	// PageURL is the approval page's base URL, for links in notifications.
	PageURL string
	// Admins may change environments and cancel any promotion.
	Admins []string
	// Blobs holds uploaded releases; nil when the server takes none.
	Blobs Blobs
}

// IsAdmin reports whether who is an admin.
func (s *Service) IsAdmin(who policy.Identity) bool { return who.Subject != "" && who.In(s.Admins) }

// apiCode returns the Step Functions error code of err, or "".
func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// event appends to a promotion's log.
func (s *Service) event(ctx context.Context, id string, typ promotion.EventType, actor, message string) error {
	return s.Store.AppendEvent(ctx, id, promotion.Event{At: s.Now(), Type: typ, Actor: actor, Message: message})
}

// notifyAll sends m to every webhook of env's policy, recording failures as
// events: a notification never fails an operation.
func (s *Service) notifyAll(ctx context.Context, env *environment.Environment, id string, m notify.Message) {
	for _, w := range env.Policy.Notify {
		if err := s.Notifier.Send(ctx, w.URL, m); err != nil {
			_ = s.event(ctx, id, promotion.EventNotifyFailed, "ferry", err.Error())
		}
	}
}

// load reads a promotion and the environment it targets.
func (s *Service) load(ctx context.Context, id string) (*promotion.Promotion, *environment.Environment, error) {
	return store.LoadPromotion(ctx, s.Store, id)
}
