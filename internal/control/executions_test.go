package control

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// fakeDescriber answers DescribeExecution with a status or an error.
type fakeDescriber struct {
	status sfntypes.ExecutionStatus
	err    error
	asked  string
}

func (f *fakeDescriber) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.asked = aws.ToString(in.ExecutionArn)
	return &sfn.DescribeExecutionOutput{Status: f.status}, f.err
}

var _ Describer = (*fakeDescriber)(nil)

func TestExecutionAlive(t *testing.T) {
	const sm = "arn:aws:states:us-east-1:1:stateMachine:ferry"
	tests := []struct {
		name string
		f    *fakeDescriber
		want bool
		err  bool
	}{
		{"running", &fakeDescriber{status: sfntypes.ExecutionStatusRunning}, true, false},
		{"ended", &fakeDescriber{status: sfntypes.ExecutionStatusAborted}, false, false},
		{"gone", &fakeDescriber{err: &sfntypes.ExecutionDoesNotExist{}}, false, false},
		{"unreachable", &fakeDescriber{err: errors.New("throttled")}, false, true},
	}
	for _, tt := range tests {
		got, _, err := ExecutionAlive(tt.f, sm)(context.Background(), "p1")
		if got != tt.want || (err != nil) != tt.err || tt.f.asked != "arn:aws:states:us-east-1:1:execution:ferry:p1" {
			t.Errorf("%s: %v, %v (asked %s)", tt.name, got, err, tt.f.asked)
		}
	}
}
