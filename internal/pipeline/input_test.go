package pipeline

import (
	"testing"
)

func TestCaughtErrorMessage(t *testing.T) {
	tests := []struct {
		in   CaughtError
		want string
	}{
		{CaughtError{Error: "PlanStale", Cause: `{"errorMessage":"plan stale: x","errorType":"PlanStale"}`}, "PlanStale: plan stale: x"},
		{CaughtError{Error: "States.Timeout", Cause: ""}, "States.Timeout"},
		{CaughtError{Error: "Rejected", Cause: "not now"}, "Rejected: not now"},
	}
	for _, tt := range tests {
		if got := tt.in.Message(); got != tt.want {
			t.Errorf("Message() = %q, want %q", got, tt.want)
		}
	}
}
