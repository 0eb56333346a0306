package control

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// MaxComment bounds a decision's comment, in bytes. The promotion view carries
// it, so the page's limit is this one.
const MaxComment = 4000

// DecisionRequest is a reviewer's approve or reject.
type DecisionRequest struct {
	// Comment says what the reviewer checked; a rejection must say why.
	Comment string
	// PlanDigest is the digest of the plan the reviewer saw.
	PlanDigest string
}

// Decide records the decision of who on a promotion awaiting approval and, when it
// settles the approval, answers the execution's task. Codes: not_found, invalid,
// forbidden (not an approver, or the requester), conflict (the plan changed, or
// who decided already), gone (decided, expired, or over). A rejection without a
// comment is invalid once who may decide.
func (s *Service) Decide(ctx context.Context, who policy.Identity, id string, d promotion.Decision, req DecisionRequest) (*promotion.Promotion, error) {
	if len(req.Comment) > MaxComment {
		return nil, fault.Errorf(fault.Invalid, "comment: %d bytes, at most %d", len(req.Comment), MaxComment)
	}
	p, env, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.MayDecide(p, env, who); err != nil {
		return nil, err
	}
	if d == promotion.Reject && strings.TrimSpace(req.Comment) == "" {
		return nil, fault.Errorf(fault.Invalid, "comment: a rejection needs a reason: say what is wrong, so the requester can fix it")
	}
	pol, now := env.Policy.WithDefaults(), s.Now()
	if req.PlanDigest != p.PlanDigest {
		return nil, fault.Errorf(fault.Conflict, "the plan changed since you saw it (you saw %s, it is now %s): reload and review it again",
			shortDigest(req.PlanDigest), shortDigest(p.PlanDigest))
	}
	decided, err := s.Store.RecordDecision(ctx, id, promotion.Approval{Identity: who.Subject, Decision: d,
		Comment: req.Comment, PlanDigest: req.PlanDigest, At: now})
	if err != nil {
		return nil, err
	}
	if err := s.Store.AppendEvent(ctx, id, promotion.Event{At: now, Type: d.Event(), Actor: who.Subject,
		Message: decisionText(who.Subject, d, req.Comment)}); err != nil {
		return nil, err
	}
	switch {
	case d == promotion.Reject && len(decided.Decided(promotion.Reject)) == 1:
		_, err = s.SFN.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(decided.TaskToken),
			Error: aws.String(pipeline.RejectedError), Cause: aws.String(decisionText(who.Subject, d, req.Comment))})
	case d == promotion.Approve && decided.ApprovalCount() == pol.MinApprovals && len(decided.Decided(promotion.Reject)) == 0:
		var output []byte
		if output, err = json.Marshal(map[string]any{"approved_by": decided.Decided(promotion.Approve)}); err != nil {
			return nil, err
		}
		_, err = s.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(decided.TaskToken), Output: aws.String(string(output))})
	}
	if err != nil {
		return nil, taskError(err, p)
	}
	return decided, nil
}

// MayDecide reports why who may not decide on p now, or nil when it may. Codes:
// conflict (not planned yet, or who decided already), gone (over), forbidden.
func (s *Service) MayDecide(p *promotion.Promotion, env *environment.Environment, who policy.Identity) error {
	pol := env.Policy.WithDefaults()
	if err := awaiting(p, pol, s.Now()); err != nil {
		return err
	}
	if err := pol.MayApprove(who, p.RequestedBy); err != nil {
		return fault.Errorf(fault.Forbidden, "%v", err)
	}
	for _, a := range p.Approvals {
		if a.Identity == who.Subject {
			return fault.Errorf(fault.Conflict, "%s %s this promotion at %s already", who.Subject, pastTense(a.Decision), stamp(a.At))
		}
	}
	return nil
}

// awaiting fails unless p still waits for decisions: gone, saying what happened
// and when, once it was decided, expired or ended.
func awaiting(p *promotion.Promotion, pol policy.Policy, now time.Time) error {
	if p.State == promotion.Planning {
		return fault.Errorf(fault.Conflict, "promotion %s is still being planned: there is nothing to decide yet", p.ID)
	}
	if p.State != promotion.AwaitingApproval {
		return fault.Errorf(fault.Gone, "promotion %s is no longer awaiting approval: it is %s since %s", p.ID, p.State, stamp(endOf(p)))
	}
	for _, a := range p.Approvals {
		if a.Decision == promotion.Reject {
			return fault.Errorf(fault.Gone, "promotion %s was rejected by %s at %s", p.ID, a.Identity, stamp(a.At))
		}
	}
	if p.ApprovalCount() >= pol.MinApprovals {
		return fault.Errorf(fault.Gone, "promotion %s is approved already (by %s) and is being applied", p.ID, strings.Join(p.Decided(promotion.Approve), ", "))
	}
	if p.ApprovalExpiresAt != nil && !now.Before(*p.ApprovalExpiresAt) {
		return fault.Errorf(fault.Gone, "the approval of promotion %s expired at %s", p.ID, stamp(*p.ApprovalExpiresAt))
	}
	return nil
}

// taskError turns Step Functions' answer to a task that is over into gone.
func taskError(err error, p *promotion.Promotion) error {
	switch apiCode(err) {
	case "TaskTimedOut":
		at := "its deadline"
		if p.ApprovalExpiresAt != nil {
			at = stamp(*p.ApprovalExpiresAt)
		}
		return fault.Errorf(fault.Gone, "the approval of promotion %s expired at %s; your decision was recorded but changes nothing", p.ID, at)
	case "TaskDoesNotExist", "InvalidToken":
		return fault.Errorf(fault.Gone, "promotion %s no longer waits for approval; your decision was recorded but changes nothing", p.ID)
	}
	return fmt.Errorf("answering the approval task of promotion %s: %w", p.ID, err)
}

func endOf(p *promotion.Promotion) time.Time {
	if p.FinishedAt != nil {
		return *p.FinishedAt
	}
	return p.UpdatedAt
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func shortDigest(d string) string {
	if d == "" {
		return "no plan"
	}
	d = strings.TrimPrefix(d, "sha256:")
	return d[:min(12, len(d))]
}

// pastTense is "approved" or "rejected", as the decision's event is named.
func pastTense(d promotion.Decision) string { return string(d.Event()) }

func decisionText(who string, d promotion.Decision, comment string) string {
	if comment == "" {
		return fmt.Sprintf("%s by %s", pastTense(d), who)
	}
	return fmt.Sprintf("%s by %s: %s", pastTense(d), who, comment)
}
