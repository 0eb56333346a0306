package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// ExecutionAlive reports whether a promotion's execution runs, for the cleanup:
// it is over only when Step Functions says so (a status other than RUNNING, or
// no such execution). Any other answer, such as a throttled call, is an error,
// never taken for a dead execution.
func ExecutionAlive(client Describer, stateMachineARN string) pipeline.Alive {
	return func(ctx context.Context, promotionID string) (bool, string, error) {
		arn := ExecutionARN(stateMachineARN, promotionID)
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		var missing *sfntypes.ExecutionDoesNotExist
		switch {
		case errors.As(err, &missing):
			return false, "gone (Step Functions has no execution " + arn + ")", nil
		case err != nil:
			return false, "", fmt.Errorf("asking whether the execution of promotion %s runs: %w", promotionID, err)
		}
		return out.Status == sfntypes.ExecutionStatusRunning, string(out.Status), nil
	}
}
