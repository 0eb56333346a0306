package asl

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// fakeRuntime answers tasks with fn, recording what it was asked.
type fakeRuntime struct {
	fn    func(resource string, input any, token string) (any, error)
	calls []string
}

func (f *fakeRuntime) Invoke(_ context.Context, resource string, input any, token string) (any, error) {
	f.calls = append(f.calls, resource)
	return f.fn(resource, input, token)
}

func machine(tb testing.TB, def string, fn func(resource string, input any, token string) (any, error)) (*Machine, *fakeRuntime) {
	tb.Helper()
	d, err := Parse([]byte(def), nil)
	if err != nil {
		tb.Fatal(err)
	}
	rt := &fakeRuntime{fn: fn}
	return &Machine{Def: d, ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:test", Runtime: rt}, rt
}

func start(tb testing.TB, m *Machine, input string) *Execution {
	tb.Helper()
	e := m.NewExecution("arn:aws:states:us-east-1:123456789012:execution:test:e1", "e1", mustDecode(tb, input), t0)
	m.Advance(context.Background(), e, t0)
	return e
}

func eventTypes(e *Execution) string {
	var types []string
	for _, ev := range e.Events {
		types = append(types, ev.Type)
	}
	return strings.Join(types, ",")
}

func TestPassAndPaths(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "A", "States": {
		"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
		"B": {"Type": "Pass", "InputPath": "$.a", "Parameters": {"y.$": "$.x", "name.$": "$$.Execution.Name"}, "ResultPath": "$.b", "Next": "C"},
		"C": {"Type": "Pass", "OutputPath": "$.b", "End": true}}}`, nil)
	e := start(t, m, `{"keep": true}`)
	if e.Status != Succeeded || asJSON(e.Output) != `{"name":"e1","y":1}` {
		t.Fatalf("status %s output %s failure %v", e.Status, asJSON(e.Output), e.Failure)
	}
	want := "ExecutionStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"
	if got := eventTypes(e); got != want {
		t.Errorf("events %s", got)
	}
	if e.Events[3].Details["input"] != `{"a":{"x":1},"keep":true}` {
		t.Errorf("B entered with %v", e.Events[3].Details["input"])
	}
}

func TestChoice(t *testing.T) {
	def := `{"StartAt": "C", "States": {
		"C": {"Type": "Choice", "Choices": [
			{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
			{"And": [{"Variable": "$.n", "IsNumeric": true}, {"Variable": "$.n", "NumericLessThan": 0}], "Next": "Negative"}],
		 "Default": "Small"},
		"Big": {"Type": "Succeed"}, "Small": {"Type": "Succeed"},
		"Negative": {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "$.why"}}}`
	m, _ := machine(t, def, nil)
	if e := start(t, m, `{"n": 11}`); e.Status != Succeeded || e.Events[len(e.Events)-3].Details["name"] != "Big" {
		t.Errorf("n=11: %s, %s", e.Status, eventTypes(e))
	}
	if e := start(t, m, `{"n": 3}`); e.Status != Succeeded || e.Events[len(e.Events)-3].Details["name"] != "Small" {
		t.Errorf("n=3: %s", eventTypes(e))
	}
	e := start(t, m, `{"n": -1, "code": "Negative", "why": "below zero"}`)
	if e.Status != Failed || e.Failure.Name != "Negative" || e.Failure.Cause != "below zero" {
		t.Errorf("n=-1: %s %+v", e.Status, e.Failure)
	}
	m2, _ := machine(t, `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}]}, "D": {"Type": "Succeed"}}}`, nil)
	if e := start(t, m2, `{"n": 2}`); e.Failure == nil || e.Failure.Name != "States.NoChoiceMatched" {
		t.Errorf("no match: %+v", e.Failure)
	}
	if e := start(t, m2, `{}`); e.Failure == nil || e.Failure.Name != "States.Runtime" {
		t.Errorf("missing variable: %+v", e.Failure)
	}
}

func TestWait(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "W", "States": {
		"W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "T"},
		"T": {"Type": "Wait", "Timestamp": "2026-11-01T11:00:00Z", "End": true}}}`, nil)
	e := start(t, m, `{"s": 30}`)
	if e.Status != Running || e.Wait == nil || !e.Wait.Until.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("waiting: %s %+v", e.Status, e.Wait)
	}
	m.Advance(context.Background(), e, t0.Add(29*time.Second))
	if e.State != "W" {
		t.Fatal("woke early")
	}
	m.Advance(context.Background(), e, t0.Add(30*time.Second))
	if e.State != "T" || e.Wait == nil {
		t.Fatalf("after 30s: state %s wait %+v", e.State, e.Wait)
	}
	m.Advance(context.Background(), e, t0.Add(time.Hour))
	if e.Status != Succeeded || asJSON(e.Output) != `{"s":30}` {
		t.Errorf("end: %s %s", e.Status, asJSON(e.Output))
	}
}

// The spec's Retry semantics: attempts, backoff, cap; then Catch with ResultPath.
func TestRetryAndCatch(t *testing.T) {
	def := `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "Done",
			"Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3, "MaxDelaySeconds": 10},
			          {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
			"Catch": [{"ErrorEquals": ["Fatal", "Transient"], "ResultPath": "$.error", "Next": "Handle"}]},
		"Handle": {"Type": "Pass", "End": true},
		"Done": {"Type": "Succeed"}}}`
	failures := []string{"Transient", "Transient", "Transient", "Transient"}
	m, rt := machine(t, def, func(string, any, string) (any, error) {
		if len(failures) == 0 {
			return "ok", nil
		}
		name := failures[0]
		failures = failures[1:]
		return nil, &Failure{Name: name, Cause: "try again"}
	})
	e := start(t, m, `{"in": 1}`)
	now := t0
	var delays []time.Duration
	for e.Wait != nil && e.Wait.Retry {
		delays = append(delays, e.Wait.Until.Sub(now))
		now = e.Wait.Until
		m.Advance(context.Background(), e, now)
	}
	if fmt.Sprint(delays) != "[2s 6s 10s]" {
		t.Errorf("retry delays %v, want 2s, 6s (×3), then 10s (capped)", delays)
	}
	if len(rt.calls) != 4 || e.Status != Succeeded || asJSON(e.Output) != `{"Error":"Transient","Cause":"try again"}` && !strings.Contains(asJSON(e.Output), `"error":{"Cause":"try again","Error":"Transient"}`) {
		t.Errorf("calls %d, status %s, output %s", len(rt.calls), e.Status, asJSON(e.Output))
	}
	if !strings.Contains(asJSON(e.Output), `"in":1`) {
		t.Errorf("the caught error replaced the input: %s", asJSON(e.Output))
	}

	failures = []string{"Fatal"}
	e = start(t, m, `{}`)
	if e.Status != Succeeded || asJSON(e.Output) != `{"error":{"Cause":"try again","Error":"Fatal"}}` {
		t.Errorf("caught at once: %s %s", e.Status, asJSON(e.Output))
	}
	failures = []string{"Other"}
	e = start(t, m, `{}`)
	if e.Status != Failed || e.Failure.Name != "Other" {
		t.Errorf("uncaught: %s %+v", e.Status, e.Failure)
	}
}

func TestStatesAllDoesNotCatchRuntime(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "OutputPath": "$.missing", "End": true,
			"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]},
		"H": {"Type": "Succeed"}}}`, func(string, any, string) (any, error) { return map[string]any{}, nil })
	if e := start(t, m, `{}`); e.Status != Failed || e.Failure.Name != "States.Runtime" {
		t.Errorf("%s %+v", e.Status, e.Failure)
	}
}

func TestTaskToken(t *testing.T) {
	def := `{"StartAt": "Wait", "States": {
		"Wait": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "f", "Payload": {"id.$": "$.id", "token.$": "$$.Task.Token"}},
			"TimeoutSecondsPath": "$.timeout", "HeartbeatSeconds": 600, "ResultPath": "$.answer",
			"Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Rejected"},
			          {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Expired"}],
			"Next": "Approved"},
		"Approved": {"Type": "Succeed"}, "Rejected": {"Type": "Succeed"}, "Expired": {"Type": "Succeed"}}}`
	var sent string
	m, _ := machine(t, def, func(_ string, input any, token string) (any, error) {
		sent = input.(map[string]any)["Payload"].(map[string]any)["token"].(string)
		if sent != token {
			return nil, fmt.Errorf("the payload's token is not the task's")
		}
		return map[string]any{"StatusCode": 200}, nil
	})
	e := start(t, m, `{"id": "p1", "timeout": 3600}`)
	if e.Wait == nil || e.Wait.Token != sent || !e.Wait.Until.Equal(t0.Add(time.Hour)) || !e.Wait.Heartbeat.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("wait %+v (token sent %q)", e.Wait, sent)
	}
	if err := m.SendTaskSuccess(e, "wrong", nil, t0); err != ErrNoSuchTask {
		t.Errorf("a wrong token: %v", err)
	}
	if err := m.SendTaskHeartbeat(e, sent, t0.Add(5*time.Minute)); err != nil || !e.Wait.Heartbeat.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("heartbeat: %v, deadline %v", err, e.Wait.Heartbeat)
	}
	if err := m.SendTaskSuccess(e, sent, mustDecode(t, `{"approved_by": ["ana"]}`), t0.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	m.Advance(context.Background(), e, t0.Add(6*time.Minute))
	if e.Status != Succeeded || !strings.Contains(asJSON(e.Output), `"answer":{"approved_by":["ana"]}`) {
		t.Errorf("approved: %s %s", e.Status, asJSON(e.Output))
	}
	if err := m.SendTaskSuccess(e, sent, nil, t0); err != ErrNoSuchTask {
		t.Errorf("a second answer: %v", err)
	}

	e = start(t, m, `{"id": "p2", "timeout": 3600}`)
	if err := m.SendTaskFailure(e, sent, &Failure{Name: "Rejected", Cause: "not now"}, t0); err != nil {
		t.Fatal(err)
	}
	m.Advance(context.Background(), e, t0)
	if e.Events[len(e.Events)-3].Details["name"] != "Rejected" || !strings.Contains(asJSON(e.Output), `"Cause":"not now"`) {
		t.Errorf("rejected: %s %s", eventTypes(e), asJSON(e.Output))
	}

	e = start(t, m, `{"id": "p3", "timeout": 3600}`)
	for _, step := range []time.Duration{9 * time.Minute, 18 * time.Minute, 27 * time.Minute, 36 * time.Minute, 45 * time.Minute, 54 * time.Minute} {
		if err := m.SendTaskHeartbeat(e, e.Wait.Token, t0.Add(step)); err != nil {
			t.Fatal(err)
		}
	}
	m.Advance(context.Background(), e, t0.Add(time.Hour))
	if e.Events[len(e.Events)-3].Details["name"] != "Expired" || !strings.Contains(asJSON(e.Output), "States.Timeout") {
		t.Errorf("expired: %s %s", eventTypes(e), asJSON(e.Output))
	}

	e = start(t, m, `{"id": "p4", "timeout": 3600}`)
	m.Advance(context.Background(), e, t0.Add(11*time.Minute)) // no heartbeat for 10 minutes
	if e.Status != Failed || e.Failure.Name != "States.HeartbeatTimeout" {
		t.Errorf("heartbeat timeout: %s %+v", e.Status, e.Failure)
	}
}

func TestExecutionTimeout(t *testing.T) {
	m, _ := machine(t, `{"StartAt": "W", "TimeoutSeconds": 60, "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}`, nil)
	e := start(t, m, `{}`)
	m.Advance(context.Background(), e, t0.Add(61*time.Second))
	if e.Status != TimedOut || !strings.HasSuffix(eventTypes(e), "ExecutionTimedOut") {
		t.Errorf("%s %s", e.Status, eventTypes(e))
	}
}

func TestDefinitionErrors(t *testing.T) {
	tests := []struct{ def, want string }{
		{`{"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}`, `StartAt "X" is not a state`},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}`, `state A: Next "B" is not a state`},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}`, "needs either Next or End"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Resource": "x"}}}`, "field Resource is not allowed in a Pass state"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true}}}`, "Branches must be a non-empty list"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}]}}}`,
			`state A.Branches[0]: state X: Next "Y" is not a state`},
		{`{"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ItemReader": {}, "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}}}}`,
			"distributed map"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Wait", "End": true}}}`, "exactly one of Seconds"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": true, "Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}}}`, "States.ALL must appear alone"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": true, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]}}}`, "BackoffRate"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": true, "Catch": [{"ErrorEquals": ["X"], "Next": "Z"}]}}}`, `Catch[0].Next "Z" is not a state`},
		{`{"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Succeed"}}}`, "only JSONPath"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "ResultPath": "$.a[*]"}}}`, "cannot hold a wildcard"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "ResultPath": "$.a[1:]"}}}`, "or a slice"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Fail", "Cause": "x", "CausePath": "$.y"}}}`, "give Cause or CausePath, not both"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "x", "ErrorPath": "$.y"}}}`, "give Error or ErrorPath, not both"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Fail", "ErrorPath": "States.ArrayLength($.a)"}}}`, "States.ArrayLength does not return a string"},
		{`{"StartAt": "A", "States": {"A": {"Type": "Fail", "CausePath": "$.a[*]"}}}`, "cannot hold a wildcard"},
	}
	for _, tt := range tests {
		if _, err := Parse([]byte(tt.def), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s): %v, want %q", tt.def, err, tt.want)
		}
	}
}

// TestPromotionDefinition runs Ferry's own state machine with steps that answer
// as Lambda's invoke integration does ({"Payload": ...}), through each outcome.
func TestPromotionDefinition(t *testing.T) {
	data, err := os.ReadFile("../../../statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]string{}
	for _, fn := range []string{"Plan", "Approval", "Apply", "Smoke", "Rollback", "Finalize"} {
		subs[fn+"FunctionArn"] = "arn:aws:lambda:us-east-1:1:function:" + fn
	}
	def, err := Parse(data, subs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		gate     string
		changes  bool
		decide   func(m *Machine, e *Execution, token string)
		failStep string // a step that returns a domain error
		smoke    bool
		outcome  string
	}{
		{"auto", "auto", true, nil, "", true, "SUCCEEDED"},
		{"no changes", "manual", false, nil, "", true, "NO_CHANGES"},
		{"approved", "manual", true, func(m *Machine, e *Execution, tok string) {
			m.SendTaskSuccess(e, tok, map[string]any{}, t0)
		}, "", true, "SUCCEEDED"},
		{"rejected", "manual", true, func(m *Machine, e *Execution, tok string) {
			m.SendTaskFailure(e, tok, &Failure{Name: "Rejected", Cause: "no"}, t0)
		}, "", true, "REJECTED"},
		{"expired", "manual", true, func(m *Machine, e *Execution, tok string) {
			m.Advance(context.Background(), e, t0.Add(2*time.Hour))
		}, "", true, "EXPIRED"},
		{"smoke failed", "auto", true, nil, "", false, "ROLLED_BACK"},
		{"plan stale", "auto", true, nil, "Apply:PlanStale", true, "FAILED"},
		{"deploy hook failed", "auto", true, nil, "Apply:DeployHookFailed", true, "ROLLED_BACK"},
		{"locked", "auto", true, nil, "Plan:EnvironmentLocked", true, "FAILED"},
		{"rollback failed", "auto", true, nil, "Rollback:StepFailed", false, "FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var token string
			var finalized map[string]any
			rt := &fakeRuntime{fn: func(resource string, input any, tok string) (any, error) {
				params := input.(map[string]any)
				fn := params["FunctionName"].(string)
				fn = fn[strings.LastIndex(fn, ":")+1:]
				payload := params["Payload"].(map[string]any)
				if payload["promotion_id"] != "p1" {
					return nil, fmt.Errorf("%s got promotion %v", fn, payload["promotion_id"])
				}
				if step, errName, ok := strings.Cut(tt.failStep, ":"); ok && step == fn {
					return nil, &Failure{Name: errName, Cause: `{"errorMessage":"boom","errorType":"` + errName + `"}`}
				}
				var out any = map[string]any{}
				switch fn {
				case "Plan":
					out = map[string]any{"changes": tt.changes, "gate": tt.gate, "approval_timeout_seconds": mustDecode(t, "3600")}
				case "Approval":
					token = tok
				case "Smoke":
					out = map[string]any{"passed": tt.smoke}
				case "Rollback":
					out = map[string]any{"rolled_back": true}
				case "Finalize":
					finalized = payload
				}
				return map[string]any{"StatusCode": mustDecode(t, "200"), "Payload": out}, nil
			}}
			m := &Machine{Def: def, ARN: "arn:aws:states:us-east-1:1:stateMachine:ferry", Runtime: rt}
			e := m.NewExecution("arn:aws:states:us-east-1:1:execution:ferry:p1", "p1", mustDecode(t, `{"promotion_id": "p1"}`), t0)
			m.Advance(context.Background(), e, t0)
			if tt.decide != nil {
				if token == "" {
					t.Fatalf("no approval step ran: %s", eventTypes(e))
				}
				tt.decide(m, e, token)
				m.Advance(context.Background(), e, t0.Add(2*time.Hour))
			}
			if e.Status != Succeeded {
				t.Fatalf("execution %s: %+v\n%s", e.Status, e.Failure, eventTypes(e))
			}
			if finalized == nil || finalized["outcome"] != tt.outcome {
				t.Errorf("finalized with %v, want outcome %s", finalized, tt.outcome)
			}
			if tt.failStep != "" && finalized["error"] == nil && finalized["rollback_error"] == nil {
				t.Errorf("finalize did not get the caught error: %v", finalized)
			}
		})
	}
}

// TestMatchesError: the spec's error-name matching for Retry and Catch.
func TestMatchesError(t *testing.T) {
	tests := []struct {
		list []string
		name string
		want bool
	}{
		{[]string{"PlanStale"}, "PlanStale", true},
		{[]string{"PlanStale"}, "Other", false},
		{[]string{"States.ALL"}, "Anything", true},
		{[]string{"States.ALL"}, "States.Timeout", true},
		{[]string{"States.ALL"}, "States.Runtime", false},
		{[]string{"States.TaskFailed"}, "Custom", true},
		{[]string{"States.TaskFailed"}, "States.Timeout", false},
		{[]string{"States.TaskFailed"}, "States.HeartbeatTimeout", false},
		{[]string{"A", "B"}, "B", true},
	}
	for _, tt := range tests {
		if got := matchesError(tt.list, tt.name); got != tt.want {
			t.Errorf("matchesError(%v, %s) = %v, want %v", tt.list, tt.name, got, tt.want)
		}
	}
}
