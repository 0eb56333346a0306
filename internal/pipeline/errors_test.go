package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/store"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("switching: %w", store.StaleError("prod", 3, 2)), "PlanStale"},
		{fault.Errorf(fault.Conflict, "plan stale, says a message that is not the store's"), "StepFailed"},
		{fault.Errorf(fault.NotFound, "promotion x not found"), "StepFailed"},
		{errors.New("throttled"), "Transient"},
		{fmt.Errorf("wrapped: %w", &SoakNotMet{Msg: "m"}), "SoakNotMet"},
		{context.DeadlineExceeded, "Transient"},
	}
	for _, tt := range tests {
		if got := lambdaerr.Name(classify(tt.err)); got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestStateMachineErrorNames: every error the definition matches is one a step
// reports (or Step Functions, Lambda or the approval API does), and every step
// error is handled somewhere.
//
// awsErrors are the names Lambda reports for a function it ended itself, outside
// the States. and Lambda. families: Sandbox.Timedout is a function that ran out of
// time.
func TestStateMachineErrorNames(t *testing.T) {
	data, err := os.ReadFile("../../statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		States map[string]struct {
			Type         string
			Retry, Catch []struct {
				ErrorEquals []string
			}
		}
	}
	if err := json.Unmarshal(data, &sm); err != nil {
		t.Fatal(err)
	}
	awsErrors := []string{"Sandbox.Timedout"}
	known := append(append(ErrorNames(), RejectedError), awsErrors...)
	used := map[string]bool{}
	for name, st := range sm.States {
		retried := map[string]bool{}
		for _, r := range st.Retry {
			for _, e := range r.ErrorEquals {
				retried[e] = true
			}
		}
		if st.Type == "Task" && (!retried["Transient"] || !retried["Sandbox.Timedout"]) {
			t.Errorf("task %s does not retry both Transient and a Lambda timeout", name)
		}
		for _, r := range append(st.Retry, st.Catch...) {
			for _, e := range r.ErrorEquals {
				used[e] = true
				if !strings.HasPrefix(e, "States.") && !strings.HasPrefix(e, "Lambda.") && !slices.Contains(known, e) {
					t.Errorf("state %s matches %q, which no step reports", name, e)
				}
			}
		}
	}
	for _, e := range []string{"Transient", "PlanStale", "NotApproved", RejectedError, "States.Timeout", "States.ALL", "Sandbox.Timedout"} {
		if !used[e] {
			t.Errorf("the definition never matches %s", e)
		}
	}
}
