package control

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// answerTimeout bounds the task answer a closing decision sends.
const answerTimeout = 30 * time.Second

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
// closes the decision, answers the execution's task. Codes: not_found, invalid,
// forbidden (not an approver, or the requester), conflict (the plan changed, or
// who decided already), gone (closed, expired, or over: the message says what
// closed it, by whom and when). A rejection without a comment is invalid once who
// may decide.
func (s *Service) Decide(ctx context.Context, who policy.Identity, id string, d promotion.Decision, req DecisionRequest) (*promotion.Promotion, error) {
	if len(req.Comment) > MaxComment {
		return nil, fault.Errorf(fault.Invalid, "comment: %d bytes, at most %d", len(req.Comment), MaxComment)
	}
	p, err := s.Store.GetPromotion(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if err := s.MayDecide(p, who); err != nil {
		if expired(p, now) && p.Closed == nil {
			return nil, s.closeExpired(ctx, p)
		}
		return nil, err
	}
	if d == promotion.Reject && strings.TrimSpace(req.Comment) == "" {
		return nil, fault.Errorf(fault.Invalid, "comment: a rejection needs a reason: say what is wrong, so the requester can fix it")
	}
	if req.PlanDigest != p.PlanDigest {
		return nil, fault.Errorf(fault.Conflict, "the plan changed since you saw it (you saw %s, it is now %s): reload and review it again",
			shortDigest(req.PlanDigest), shortDigest(p.PlanDigest))
	}
	entry, _ := p.Snapshot.MayApprove(who, p.RequestedBy) // MayDecide passed
	decided, err := s.Store.RecordDecision(ctx, id, promotion.Approval{Identity: who.Subject, Decision: d, As: entry,
		Comment: req.Comment, PlanDigest: req.PlanDigest, At: now})
	if err != nil {
		return nil, err
	}
	if err := s.Store.AppendEvent(ctx, id, promotion.Event{At: now, Type: d.Event(), Actor: who.Subject,
		Message: decisionText(who.Subject, d, req.Comment)}); err != nil {
		return nil, err
	}
	if err := s.answer(ctx, decided); err != nil {
		return nil, taskError(err, p)
	}
	return decided, nil
}

// answer sends the execution's task the answer p's closed decision gives:
// SendTaskSuccess with the counted approvers when the quorum closed it,
// SendTaskFailure with error Rejected and the rejection as cause when a rejection
// did; nothing while it is open, or when a cancel or the expiry closed it (the
// execution is stopped, or timed out). The answer must reach the task even when
// the caller goes away (a page that reloads), so it does not end with ctx.
func (s *Service) answer(ctx context.Context, p *promotion.Promotion) error {
	if p.Closed == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	switch p.Closed.How {
	case promotion.ClosedRejected:
		cause := "rejected"
		for _, a := range p.Approvals {
			if a.Decision == promotion.Reject {
				cause = decisionText(a.Identity, a.Decision, a.Comment)
			}
		}
		_, err := s.SFN.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(p.TaskToken),
			Error: aws.String(pipeline.RejectedError), Cause: aws.String(cause)})
		return err
	case promotion.ClosedApproved:
		output, err := json.Marshal(map[string]any{"approved_by": p.CountedApprovers()})
		if err != nil {
			return err
		}
		_, err = s.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(p.TaskToken), Output: aws.String(string(output))})
		return err
	}
	return nil
}

// AnswerClosed answers the task of every promotion still awaiting approval whose
// decision the store records as closed by the quorum or a rejection, at least
// after ago: Decide closes the decision, then answers, and a process that dies in
// between leaves the execution waiting for an answer nobody would send again (the
// same reviewer may not decide twice). A Decide still answering is left its
// answerTimeout (ferry local, starting, passes 0: nothing can be answering). A
// task answered already, or over, is left alone; it returns how many it answered.
func (s *Service) AnswerClosed(ctx context.Context, ago time.Duration) (int, error) {
	answered, page := 0, store.Page{}
	for {
		waiting, next, err := s.Store.PendingApprovals(ctx, page)
		if err != nil {
			return answered, fmt.Errorf("listing the promotions awaiting approval: %w", err)
		}
		for _, p := range waiting {
			if p.Closed == nil || p.TaskToken == "" || s.Now().Sub(p.Closed.At) < ago {
				continue
			}
			switch err := s.answer(ctx, p); apiCode(err) {
			case "TaskDoesNotExist", "TaskTimedOut", "InvalidToken":
			case "":
				if err != nil {
					return answered, fmt.Errorf("answering the approval task of promotion %s: %w", p.ID, err)
				}
				answered++
			default:
				return answered, fmt.Errorf("answering the approval task of promotion %s: %w", p.ID, err)
			}
		}
		if next == "" {
			return answered, nil
		}
		page.Token = next
	}
}

// MayDecide reports why who may not decide on p now, or nil when it may, under
// the rules p is decided under (its snapshot). Codes: conflict (not planned yet,
// or who decided already), gone (closed, expired or over), forbidden.
func (s *Service) MayDecide(p *promotion.Promotion, who policy.Identity) error {
	if err := awaiting(p, s.Now()); err != nil {
		return err
	}
	if _, err := p.Snapshot.MayApprove(who, p.RequestedBy); err != nil {
		return fault.Errorf(fault.Forbidden, "%v", err)
	}
	for _, a := range p.Approvals {
		if a.Identity == who.Subject {
			return fault.Errorf(fault.Conflict, "%s %s this promotion at %s already", who.Subject, pastTense(a.Decision), stamp(a.At))
		}
	}
	return nil
}

// awaiting fails unless p still waits for decisions: gone, saying what closed it,
// by whom and when, once it was decided, expired or ended.
func awaiting(p *promotion.Promotion, now time.Time) error {
	switch {
	case p.State == promotion.Planning && p.Closed == nil:
		return fault.Errorf(fault.Conflict, "promotion %s is still being planned: there is nothing to decide yet", p.ID)
	case p.State != promotion.AwaitingApproval:
		return store.NotAwaitingError(p)
	case p.Closed != nil:
		return store.ClosedError(p)
	case p.Snapshot == nil:
		return fault.Errorf(fault.Conflict, "promotion %s has no policy snapshot to be decided under", p.ID)
	case expired(p, now):
		return store.ExpiredError(p)
	}
	return nil
}

// expired reports whether p's wait for approval has run out at now.
func expired(p *promotion.Promotion, now time.Time) bool {
	return p.State == promotion.AwaitingApproval && p.ApprovalExpiresAt != nil && !now.Before(*p.ApprovalExpiresAt)
}

// closeExpired closes the decision on p, whose approval expired, as expired
// (unless something closed it first) and answers with what closed it.
func (s *Service) closeExpired(ctx context.Context, p *promotion.Promotion) error {
	closed, err := s.Store.CloseDecision(ctx, p.ID, promotion.Closure{How: promotion.ClosedExpired, By: "ferry", At: *p.ApprovalExpiresAt})
	if err != nil {
		return err // gone: closed first, saying by what
	}
	return store.ClosedError(closed)
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
