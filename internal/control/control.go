// Package control is what people and CI do to promotions and environments:
// start a promotion, approve or reject it, cancel it, roll an environment back,
// and the admins' changes to environments. It works on the store through the
// pipeline and drives the promotion's Step Functions execution; the HTTP API
// (internal/httpapi) is its adapter.
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
//   - Promotion ids are Step Functions execution names: 1 to 80 characters from
//     A-Z a-z 0-9 . _ -. A client may choose one to make its start idempotent.
package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
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

// Service carries out the operations. Every field is required but Admins.
type Service struct {
	Pipeline        *pipeline.Pipeline
	SFN             StepFunctions
	StateMachineARN string
	// Admins may change environments and cancel any promotion.
	Admins []string
}

// IsAdmin reports whether who is an admin.
func (s *Service) IsAdmin(who policy.Identity) bool { return who.Subject != "" && who.In(s.Admins) }

func (s *Service) store() store.Store { return s.Pipeline.Store }

// StartRequest asks for a promotion.
type StartRequest struct {
	// ID names the promotion; a new one is made when empty. Starting the same
	// promotion twice returns the first.
	ID          string        `json:"id,omitempty"`
	Environment string        `json:"environment"`
	ReleaseID   string        `json:"release_id,omitempty"`
	Source      string        `json:"source,omitempty"`
	Via         promotion.Via `json:"via,omitempty"`
}

// validID is the rule for promotion ids: Step Functions execution names, kept to
// characters that need no escaping anywhere.
var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,80}$`)

// Start records a promotion of a stored release, or of what the source
// environment runs, into an environment, and starts its execution.
// Codes: invalid, not_found, conflict (the id is taken by another promotion).
func (s *Service) Start(ctx context.Context, who policy.Identity, req StartRequest) (*promotion.Promotion, error) {
	switch req.Via {
	case "":
		req.Via = promotion.ViaCI
	case promotion.ViaCI, promotion.ViaCLI, promotion.ViaPage:
	default:
		return nil, fault.Errorf(fault.Invalid, "via: %q is not ci, cli or page", req.Via)
	}
	if (req.ReleaseID == "") == (req.Source == "") {
		return nil, fault.Errorf(fault.Invalid, "name either release_id or source, not both or neither")
	}
	if req.ID != "" && !validID.MatchString(req.ID) {
		return nil, fault.Errorf(fault.Invalid, "id: %q is not 1 to 80 characters from A-Z a-z 0-9 . _ -", req.ID)
	}
	if _, err := s.store().GetEnvironment(ctx, req.Environment); err != nil {
		return nil, err
	}
	if req.Source != "" {
		src, err := s.store().GetEnvironment(ctx, req.Source)
		if err != nil {
			return nil, err
		}
		if src.Current == nil {
			return nil, fault.Errorf(fault.Invalid, "source: environment %s runs nothing yet", req.Source)
		}
		req.ReleaseID = src.Current.ReleaseID
	} else {
		switch ok, err := s.store().ReleaseExists(ctx, req.ReleaseID); {
		case err != nil:
			return nil, err
		case !ok:
			return nil, fault.Errorf(fault.NotFound, "release %s not found: upload it first", req.ReleaseID)
		}
	}
	if req.ID == "" {
		req.ID = NewID(req.Environment, s.Pipeline.Now())
	}
	now := s.Pipeline.Now()
	p := &promotion.Promotion{ID: req.ID, Target: req.Environment, ReleaseID: req.ReleaseID, Source: req.Source,
		RequestedBy: who.Subject, Via: req.Via, State: promotion.Planning, Execution: ExecutionARN(s.StateMachineARN, req.ID),
		CreatedAt: now, UpdatedAt: now}
	if err := s.store().CreatePromotion(ctx, p); err != nil {
		if fault.ErrorCode(err) != fault.Conflict {
			return nil, err
		}
		existing, gerr := s.store().GetPromotion(ctx, req.ID)
		if gerr != nil {
			return nil, gerr
		}
		if existing.Target != p.Target || existing.ReleaseID != p.ReleaseID {
			return nil, fault.Errorf(fault.Conflict, "promotion %s exists already, of release %s into %s", req.ID, existing.ReleaseID, existing.Target)
		}
		p = existing
	}
	return p, s.startExecution(ctx, p)
}

// NewID makes a promotion id from the environment's name and the time, with a
// random suffix: dev-20261122-101500-3f9a1c.
func NewID(env string, now time.Time) string {
	prefix := strings.Map(func(r rune) rune {
		if strings.ContainsRune(":/", r) {
			return '-'
		}
		return r
	}, env)
	if len(prefix) > 50 {
		prefix = prefix[:50]
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	return prefix + "-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(suffix)
}

// ExecutionARN is the execution of promotion id: executions are named after their
// promotion.
func ExecutionARN(stateMachineARN, id string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + id
}

// startExecution starts the execution of a recorded promotion; starting it again
// with the same input is a no-op for Step Functions.
func (s *Service) startExecution(ctx context.Context, p *promotion.Promotion) error {
	input, err := json.Marshal(pipeline.Input{PromotionID: p.ID})
	if err != nil {
		return err
	}
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &s.StateMachineARN,
		Name: &p.ID, Input: aws.String(string(input))})
	if err != nil {
		if apiCode(err) == "ExecutionAlreadyExists" {
			return fault.Errorf(fault.Conflict, "promotion %s: an execution of that name exists with other input", p.ID)
		}
		return fmt.Errorf("starting the execution of promotion %s: %w", p.ID, err)
	}
	return s.store().AppendEvent(ctx, p.ID, promotion.Event{At: s.Pipeline.Now(), Type: promotion.EventStarted, Actor: p.RequestedBy,
		Message: fmt.Sprintf("requested via %s; execution %s", p.Via, aws.ToString(out.ExecutionArn))})
}

// Rollback starts a promotion that puts env back on the release it ran at version
// (the previous one when 0). Codes: invalid, not_found.
func (s *Service) Rollback(ctx context.Context, who policy.Identity, env string, version int64) (*promotion.Promotion, error) {
	p, err := s.Pipeline.RollbackTo(ctx, env, version, NewID(env, s.Pipeline.Now()), who.Subject)
	if err != nil {
		return nil, err
	}
	return p, s.startExecution(ctx, p)
}

// Cancel stops a promotion that has applied nothing yet. Only its requester or an
// admin may. Codes: not_found, forbidden, conflict (too late to cancel).
func (s *Service) Cancel(ctx context.Context, who policy.Identity, id string) (*promotion.Promotion, error) {
	p, err := s.store().GetPromotion(ctx, id)
	if err != nil {
		return nil, err
	}
	if who.Subject != p.RequestedBy && !s.IsAdmin(who) {
		return nil, fault.Errorf(fault.Forbidden, "only %s, who requested promotion %s, or an admin may cancel it", p.RequestedBy, id)
	}
	if p.State == promotion.Cancelled {
		return p, nil
	}
	if p, err = s.Pipeline.Cancel(ctx, id, who.Subject); err != nil {
		return nil, err
	}
	if _, err := s.SFN.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(ExecutionARN(s.StateMachineARN, id)),
		Error: aws.String("Cancelled"), Cause: aws.String("cancelled by " + who.Subject)}); err != nil && apiCode(err) != "ExecutionDoesNotExist" {
		return nil, fmt.Errorf("promotion %s is cancelled, but stopping its execution failed (its steps will refuse to go on): %w", id, err)
	}
	return p, nil
}

// apiCode returns the Step Functions error code of err, or "".
func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Preview plans a stored release, or what the source environment runs, against
// what env runs now, without starting anything or storing the plan.
// Codes: invalid, not_found.
func (s *Service) Preview(ctx context.Context, env, releaseID, source string) (*plan.Plan, error) {
	if (releaseID == "") == (source == "") {
		return nil, fault.Errorf(fault.Invalid, "name either release_id or source, not both or neither")
	}
	target, err := s.store().GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if source != "" {
		src, err := s.store().GetEnvironment(ctx, source)
		if err != nil {
			return nil, err
		}
		if src.Current == nil {
			return nil, fault.Errorf(fault.Invalid, "source: environment %s runs nothing yet", source)
		}
		releaseID = src.Current.ReleaseID
	}
	cand, err := s.store().GetRelease(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	var base *release.Release
	if target.Current != nil {
		if base, err = s.store().GetRelease(ctx, target.Current.ReleaseID); err != nil {
			return nil, err
		}
	}
	return plan.Compute(plan.Input{Target: target.Name, BaseVersion: target.Version, Base: base, Candidate: cand})
}
