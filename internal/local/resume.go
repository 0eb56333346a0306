package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
	"github.com/ferrydev/ferry/internal/store"
)

// answerSettledApprovals sends the answer a crash kept from the execution of every
// promotion whose approval the store says is settled but which still waits:
// control records the decision that reaches min_approvals (or the first
// rejection), then answers the task. A process that dies in between leaves the
// execution waiting for an answer nobody sends again (the same reviewer may not
// decide twice), so a restart sends it, as Decide would have. A task that is
// answered already, or is over, is left alone.
func (s *System) answerSettledApprovals(ctx context.Context, log *slog.Logger) error {
	page := store.Page{}
	for {
		waiting, next, err := s.Store.PendingApprovals(ctx, page)
		if err != nil {
			return fmt.Errorf("listing the promotions awaiting approval: %w", err)
		}
		for _, p := range waiting {
			if err := s.answerSettled(ctx, p); err != nil {
				log.Warn("answering a settled approval after a restart", "promotion", p.ID, "error", err)
			}
		}
		if next == "" {
			return nil
		}
		page.Token = next
	}
}

// answerSettled answers p's task when its decisions settle the approval.
func (s *System) answerSettled(ctx context.Context, p *promotion.Promotion) error {
	if p.State != promotion.AwaitingApproval || p.TaskToken == "" {
		return nil
	}
	env, err := s.Store.GetEnvironment(ctx, p.Target)
	if err != nil {
		return err
	}
	pol := env.Policy.WithDefaults()
	for _, a := range p.Approvals {
		if a.Decision == promotion.Reject {
			cause := fmt.Sprintf("%s by %s: %s", a.Decision.Event(), a.Identity, a.Comment)
			return ignoreOver(s.Emulator.SendTaskFailure(p.TaskToken, pipeline.RejectedError, cause))
		}
	}
	if p.ApprovalCount() < pol.MinApprovals {
		return nil
	}
	output, err := json.Marshal(map[string]any{"approved_by": p.Decided(promotion.Approve)})
	if err != nil {
		return err
	}
	return ignoreOver(s.Emulator.SendTaskSuccess(p.TaskToken, string(output)))
}

// ignoreOver drops the errors of a task that no longer waits: answered already,
// timed out, or its execution over.
func ignoreOver(err error) error {
	var api *stepfn.APIError
	if errors.As(err, &api) && (api.Code == "TaskDoesNotExist" || api.Code == "TaskTimedOut" || api.Code == "InvalidToken") {
		return nil
	}
	return err
}
