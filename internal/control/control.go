// Package control is what people and CI do to promotions, environments and
// releases: start a promotion, approve or reject it, cancel it, roll an
// environment back, upload a release, the admins' changes to environments, and
// the reads behind them. It works on the store and drives the promotion's Step
// Functions execution; the pipeline's steps take over from there. The HTTP API
// (internal/httpapi) is its adapter and calls nothing else: control is the one
// place where who may do what, and what input is valid, is decided.
//
// Decisions recorded here:
//   - A decision is bound to the plan digest the reviewer saw, recorded once per
//     identity, and sends the task exactly one answer: SendTaskSuccess from the
//     decision whose recorded count first reaches min_approvals (the store returns
//     exact counts), SendTaskFailure with error Rejected from the first rejection.
//     A decision after that, after expiry or after the end gets gone. Approvals
//     racing the one that reached the quorum may still be recorded (they passed
//     the checks first); they never answer the task again.
//   - Cancelling is allowed to the requester and to admins, and only before
//     anything is applied (PLANNING, AWAITING_APPROVAL): the promotion is marked
//     CANCELLED and the lock released first, then the execution is stopped. A step
//     that was already running finds the promotion ended: the store refuses to
//     switch an environment for it, and the approval step refuses to wait.
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
//   - Inputs are Go values without JSON tags; the JSON contract of the HTTP API
//     is internal/httpapi/wire, converted by httpapi.
//   - Promotion ids are Step Functions execution names: 1 to 80 characters from
//     A-Z a-z 0-9 . _ -. A client may choose one to make its start idempotent.
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
}

// Notifier posts a message to a webhook; *notify.Notifier is one.
type Notifier interface {
	Send(ctx context.Context, url string, m notify.Message) error
}

// Service carries out the operations. Every field is required but PageURL and
// Admins.
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

// update changes a promotion in a read-modify-write that starts again after a
// concurrent write.
func (s *Service) update(ctx context.Context, id string, change func(*promotion.Promotion) error) (*promotion.Promotion, error) {
	return store.UpdatePromotion(ctx, s.Store, id, s.Now, change)
}
