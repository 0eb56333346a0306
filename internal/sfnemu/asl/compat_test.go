package asl

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The Fail state's documented examples: ErrorPath and CausePath as reference
// paths, and as States.Format calls.
func TestFailPathsWithIntrinsics(t *testing.T) {
	tests := []struct {
		name, fail, error, cause string
	}{
		{"reference paths", `"CausePath": "$.Cause", "ErrorPath": "$.Error"`, "CustomError", "a cause"},
		{"States.Format", `"CausePath": "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
			"ErrorPath": "States.Format('{}', $.Error)"`,
			"CustomError", "This is a custom error message for CustomError, caused by a cause."},
		{"States.JsonToString and States.ArrayGetItem", `"CausePath": "States.JsonToString($.detail)", "ErrorPath": "States.ArrayGetItem($.codes, 1)"`,
			"E2", `{"n":1}`},
		{"static error, context path", `"Error": "Fixed", "CausePath": "States.Format('in {}', $$.State.Name)"`, "Fixed", "in F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := machine(t, `{"StartAt": "F", "States": {"F": {"Type": "Fail", `+tt.fail+`}}}`, nil)
			e := start(t, m, `{"Error": "CustomError", "Cause": "a cause", "detail": {"n": 1}, "codes": ["E1", "E2"]}`)
			if e.Status != Failed || e.Failure.Name != tt.error || e.Failure.Cause != tt.cause {
				t.Errorf("%s %+v, want %s / %s", e.Status, e.Failure, tt.error, tt.cause)
			}
		})
	}
	m, _ := machine(t, `{"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "States.ArrayGetItem($.codes, 0)"}}}`, nil)
	if e := start(t, m, `{"codes": [7]}`); e.Failure == nil || e.Failure.Name != "States.Runtime" || !strings.Contains(e.Failure.Cause, "not a string") {
		t.Errorf("an ErrorPath that gives a number: %+v", e.Failure)
	}
}

// A Wait state applies InputPath to its input (SecondsPath reads the effective
// input) and OutputPath to what it passes on.
func TestWaitInputAndOutputPath(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "W", "States": {
		"W": {"Type": "Wait", "InputPath": "$.wait", "SecondsPath": "$.s", "OutputPath": "$.keep", "Next": "Done"},
		"Done": {"Type": "Pass", "End": true}}}`, nil)
	e := start(t, m, `{"wait": {"s": 5, "keep": {"k": 1}}, "other": true}`)
	if e.Wait == nil || !e.Wait.Until.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("wait %+v", e.Wait)
	}
	m.Advance(context.Background(), e, t0.Add(5*time.Second))
	if e.Status != Succeeded || asJSON(e.Output) != `{"k":1}` {
		t.Fatalf("%s %s %+v", e.Status, asJSON(e.Output), e.Failure)
	}
	for _, ev := range e.Events {
		if ev.Type == "WaitStateExited" && ev.Details["output"] != `{"k":1}` {
			t.Errorf("WaitStateExited output %v", ev.Details["output"])
		}
	}
	discard, _ := machine(t, `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "OutputPath": null, "End": true}}}`, nil)
	e = start(t, discard, `{"x": 1}`)
	if m.Advance(context.Background(), e, t0); e.Status != Succeeded || asJSON(e.Output) != `{}` {
		t.Errorf("OutputPath null: %s %s", e.Status, asJSON(e.Output))
	}
}

// InputPath and OutputPath are paths, not reference paths: a slice selects part
// of an array, as the Parameters example's "$.vals[-3:]" does.
func TestInputPathSlice(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.vals[-3:]", "End": true}}}`, nil)
	if e := start(t, m, `{"vals": [0, 10, 20, 30, 40, 50]}`); e.Status != Succeeded || asJSON(e.Output) != `[30,40,50]` {
		t.Errorf("%s %s %+v", e.Status, asJSON(e.Output), e.Failure)
	}
}

// An inline Map's history is Step Functions': each iteration starts with
// MapIterationStarted and ends with MapIterationSucceeded, MapIterationFailed or
// MapIterationAborted, with the state's name and the item's index.
func TestMapIterationEvents(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "M", "States": {
		"M": {"Type": "Map", "End": true,
			"ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}}}}`, nil)
	e := start(t, m, `[1, 2]`)
	want := "ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,MapIterationStarted," +
		"PassStateEntered,PassStateExited,MapIterationSucceeded,PassStateEntered,PassStateExited,MapIterationSucceeded," +
		"MapStateSucceeded,MapStateExited,ExecutionSucceeded"
	if got := eventTypes(e); e.Status != Succeeded || got != want {
		t.Fatalf("%s events\n%s\nwant\n%s", e.Status, got, want)
	}
	var ends []string
	for _, ev := range e.Events {
		if strings.HasPrefix(ev.Type, "MapIteration") {
			ends = append(ends, fmt.Sprintf("%s %s %v/%v", ev.Type, ev.DetailsKey, ev.Details["name"], ev.Details["index"]))
		}
	}
	if got := strings.Join(ends, "; "); got != "MapIterationStarted mapIterationStartedEventDetails M/0; "+
		"MapIterationStarted mapIterationStartedEventDetails M/1; MapIterationSucceeded mapIterationSucceededEventDetails M/0; "+
		"MapIterationSucceeded mapIterationSucceededEventDetails M/1" {
		t.Errorf("iteration events: %s", got)
	}

	failing, _ := machine(t, `{"StartAt": "M", "States": {
		"M": {"Type": "Map", "End": true,
			"ItemProcessor": {"StartAt": "C", "States": {
				"C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "W"}], "Default": "F"},
				"W": {"Type": "Wait", "Seconds": 60, "End": true},
				"F": {"Type": "Fail", "Error": "Bad", "Cause": "item 2"}}}}}}`, nil)
	e = start(t, failing, `[1, 2]`)
	got := eventTypes(e)
	if e.Status != Failed || !strings.Contains(got, "FailStateEntered,MapIterationFailed,MapIterationAborted,MapStateFailed,ExecutionFailed") {
		t.Errorf("%s events %s", e.Status, got)
	}
	for _, ev := range e.Events {
		if ev.Type == "MapIterationFailed" && ev.Details["index"] != 1 || ev.Type == "MapIterationAborted" && ev.Details["index"] != 0 {
			t.Errorf("%s %v", ev.Type, ev.Details)
		}
	}
}

// The state machine's role is the execution's: in ExecutionStarted and in the
// context object.
func TestRoleARN(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"role.$": "$$.Execution.RoleArn"}, "End": true}}}`, nil)
	m.RoleARN = "arn:aws:iam::123456789012:role/ferry"
	e := start(t, m, `{}`)
	if e.Events[0].Details["roleArn"] != m.RoleARN || asJSON(e.Output) != `{"role":"arn:aws:iam::123456789012:role/ferry"}` {
		t.Errorf("ExecutionStarted %v, output %s", e.Events[0].Details, asJSON(e.Output))
	}
}
