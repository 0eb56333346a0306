package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ferrydev/ferry/internal/pipeline"
)

// ExecutionARN is the execution of promotion id: executions are named after their
// promotion.
func ExecutionARN(stateMachineARN, id string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + id
}

// Describer is the part of the Step Functions API that tells whether an
// execution runs; *sfn.Client has it.
type Describer interface {
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// ExecutionAlive reports whether a promotion's execution runs, for the cleanup,
// and its status ("" when there is no such execution): it is over only when
// Step Functions says so (a status other than RUNNING, or no such execution). Any other answer, such as a throttled call, is an error,
// never taken for a dead execution.
func ExecutionAlive(client Describer, stateMachineARN string) pipeline.Alive {
	return func(ctx context.Context, promotionID string) (bool, string, error) {
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(ExecutionARN(stateMachineARN, promotionID))})
		var missing *sfntypes.ExecutionDoesNotExist
		switch {
		case errors.As(err, &missing):
			return false, "", nil
		case err != nil:
			return false, "", fmt.Errorf("asking whether the execution of promotion %s runs: %w", promotionID, err)
		}
		return out.Status == sfntypes.ExecutionStatusRunning, string(out.Status), nil
	}
}

// startGrace is how long a recorded promotion's Start is left to start its
// execution before the cleanup does.
const startGrace = time.Minute

// Cleanup is the scheduled cleanup, in AWS and in ferry local alike. It answers
// the decisions that closed without their answer reaching the execution, once
// the Decide that closed them can no longer be answering (AnswerClosed); runs
// the pipeline's Cleanup, which ends the promotions whose execution Step
// Functions confirms is over or gone and releases their locks, and deletes
// expired environments; and starts the execution of a promotion recorded
// without one, once the Start that recorded it can no longer be starting it
// (startGrace: a start that died before StartExecution).
func (s *Service) Cleanup(ctx context.Context, pl *pipeline.Pipeline) (*pipeline.CleanupReport, error) {
	answered, err := s.AnswerClosed(ctx, answerTimeout)
	if err != nil {
		return nil, err
	}
	report, err := pl.Cleanup(ctx, ExecutionAlive(s.SFN, s.StateMachineARN))
	if err != nil {
		return nil, err
	}
	report.Answered = answered
	for _, id := range report.Unstarted {
		p, err := s.Store.GetPromotion(ctx, id)
		if err != nil {
			return report, err
		}
		if s.Now().Sub(p.CreatedAt) < startGrace {
			continue
		}
		if err := s.startExecution(ctx, p); err != nil {
			return report, err
		}
	}
	return report, nil
}
