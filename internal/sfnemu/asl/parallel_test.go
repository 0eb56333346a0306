package asl

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParallel(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "P", "States": {
		"P": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Done",
			"Branches": [
				{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a.$": "$.x"}, "End": true}}},
				{"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "Next": "B2"}, "B2": {"Type": "Succeed"}}}]},
		"Done": {"Type": "Succeed"}}}`, nil)
	e := start(t, m, `{"x": 1}`)
	if e.Status != Succeeded || asJSON(e.Output) != `{"both":[{"a":1},"b"],"x":1}` {
		t.Fatalf("%s %s %+v", e.Status, asJSON(e.Output), e.Failure)
	}
	want := "ExecutionStarted,ParallelStateEntered,ParallelStateStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,SucceedStateEntered,SucceedStateExited,ParallelStateSucceeded,ParallelStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"
	if got := eventTypes(e); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
}

func TestParallelBranchFailureIsCaught(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "P", "States": {
		"P": {"Type": "Parallel", "Next": "Done",
			"Catch": [{"ErrorEquals": ["Broken"], "ResultPath": "$.error", "Next": "Caught"}],
			"Branches": [
				{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}},
				{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}]},
		"Done": {"Type": "Succeed"}, "Caught": {"Type": "Succeed"}}}`, nil)
	e := start(t, m, `{}`)
	if e.Status != Succeeded || asJSON(e.Output) != `{"error":{"Cause":"on purpose","Error":"Broken"}}` || len(e.Children) != 0 {
		t.Errorf("%s %s", e.Status, asJSON(e.Output))
	}
	if !strings.Contains(eventTypes(e), "ParallelStateFailed") {
		t.Errorf("events %s", eventTypes(e))
	}
}

func TestMapWithTokensAndItemSelector(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "M", "States": {
		"M": {"Type": "Map", "ItemsPath": "$.envs", "End": true,
			"ItemSelector": {"env.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "release.$": "$.release"},
			"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Ask", "States": {
				"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
					"Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}, "ResultPath": "$.ok", "End": true}}}}}}`,
		func(string, any, string) (any, error) { return map[string]any{}, nil })
	e := start(t, m, `{"envs": ["dev", "prod"], "release": "r1"}`)
	tokens := PendingTokens(e)
	if e.Status != Running || len(tokens) != 2 || e.Wait == nil || !e.Wait.Children {
		t.Fatalf("status %s, %d tokens, wait %+v", e.Status, len(tokens), e.Wait)
	}
	for i := len(tokens) - 1; i >= 0; i-- { // answer out of order
		if err := m.SendTaskSuccess(e, tokens[i], fmt.Sprintf("yes-%d", i), t0); err != nil {
			t.Fatal(err)
		}
		m.Advance(context.Background(), e, t0)
	}
	want := `[{"env":"dev","index":0,"ok":"yes-0","release":"r1"},{"env":"prod","index":1,"ok":"yes-1","release":"r1"}]`
	if e.Status != Succeeded || asJSON(e.Output) != want {
		t.Errorf("%s %s", e.Status, asJSON(e.Output))
	}
	if err := m.SendTaskSuccess(e, tokens[0], "again", t0); err != ErrNoSuchTask {
		t.Errorf("a used token: %v", err)
	}
	bad, _ := machine(t, `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
		"ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}}}`, nil)
	if e := start(t, bad, `{"not": "a list"}`); e.Failure == nil || e.Failure.Name != "States.Runtime" {
		t.Errorf("a Map over an object: %+v", e.Failure)
	}
}

func TestChildTimersAndRetry(t *testing.T) {
	calls := 0
	m, _ := machine(t, `{"StartAt": "P", "States": {
		"P": {"Type": "Parallel", "End": true,
			"Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 5, "MaxAttempts": 1}],
			"Branches": [
				{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}},
				{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}}]}}}`,
		func(string, any, string) (any, error) {
			calls++
			if calls == 1 {
				return nil, &Failure{Name: "Transient", Cause: "once"}
			}
			return "done", nil
		})
	e := start(t, m, `{}`)
	if e.Wait == nil || !e.Wait.Retry || !e.Wait.Until.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("the failing branch should retry the whole state after 5s: %+v", e.Wait)
	}
	m.Advance(context.Background(), e, t0.Add(5*time.Second))
	if e.Wait == nil || !e.Wait.Children || !e.Wait.Until.Equal(t0.Add(35*time.Second)) {
		t.Fatalf("waiting for the child's timer: %+v", e.Wait)
	}
	m.Advance(context.Background(), e, t0.Add(35*time.Second))
	if e.Status != Succeeded || asJSON(e.Output) != `[{},"done"]` || calls != 2 {
		t.Errorf("%s %s, %d calls", e.Status, asJSON(e.Output), calls)
	}
}

func TestSynchronousTaskTimeout(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:slow", "TimeoutSeconds": 1, "End": true,
			"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"}]},
		"Wrong": {"Type": "Succeed"}}}`, nil)
	m.Runtime = runtimeFunc(func(ctx context.Context) (any, error) {
		<-ctx.Done() // a handler that honours its deadline
		return nil, ctx.Err()
	})
	e := start(t, m, `{}`)
	if e.Status != Failed || e.Failure.Name != "States.Timeout" || !strings.Contains(eventTypes(e), "TaskTimedOut") {
		t.Errorf("%s %+v %s (States.TaskFailed must not catch a timeout)", e.Status, e.Failure, eventTypes(e))
	}
}

type runtimeFunc func(ctx context.Context) (any, error)

func (f runtimeFunc) Invoke(ctx context.Context, _ string, _ any, _ string) (any, error) {
	return f(ctx)
}
