package stepfn

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

const approvalDefinition = `{
  "StartAt": "Ask",
  "States": {
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "ask", "Payload": {"id.$": "$.id", "token.$": "$$.Task.Token"}},
      "TimeoutSeconds": 60, "ResultPath": "$.answer", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

// apiWorld is an emulator behind an HTTP server, a real SDK client, a clock the
// test moves, and the tokens its "ask" function received.
type apiWorld struct {
	em     *Emulator
	client *sfn.Client
	mu     sync.Mutex
	now    time.Time
	tokens map[string]string // execution id → token
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	w := &apiWorld{now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), tokens: map[string]string{}}
	ask := func(_ context.Context, in struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}) (map[string]string, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.tokens[in.ID] = in.Token
		return map[string]string{}, nil
	}
	w.em = New(Functions{"ask": Handle(ask)})
	w.em.Now = func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	}
	srv := httptest.NewServer(w.em.Handler())
	t.Cleanup(srv.Close)
	w.client = sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return w
}

func (w *apiWorld) token(id string) string {
	w.em.Settle()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tokens[id]
}

func (w *apiWorld) advanceClock(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
	w.em.Tick()
	w.em.Settle()
}

func wantAPIError[T error](t *testing.T, err error) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error %v (%T), want %T", err, err, target)
	}
}

func TestAPIWithTheSDKClient(t *testing.T) {
	w := newAPIWorld(t)
	ctx := context.Background()
	created, err := w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("approvals"),
		Definition: aws.String(approvalDefinition), RoleArn: aws.String("arn:aws:iam::123456789012:role/x")})
	if err != nil {
		t.Fatal(err)
	}
	smARN := aws.ToString(created.StateMachineArn)
	if smARN != "arn:aws:states:us-east-1:123456789012:stateMachine:approvals" {
		t.Errorf("state machine ARN %s", smARN)
	}
	again, err := w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("approvals"),
		Definition: aws.String(approvalDefinition), RoleArn: aws.String("arn:aws:iam::123456789012:role/x")})
	if err != nil || aws.ToString(again.StateMachineArn) != smARN {
		t.Errorf("creating the same machine again: %v", err)
	}
	_, err = w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("approvals"),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`), RoleArn: aws.String("r")})
	wantAPIError[*types.StateMachineAlreadyExists](t, err)
	_, err = w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("broken"),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}`), RoleArn: aws.String("r")})
	wantAPIError[*types.InvalidDefinition](t, err)
	if err == nil || !strings.Contains(err.Error(), `Next "Nowhere" is not a state`) {
		t.Errorf("InvalidDefinition should say what is wrong: %v", err)
	}

	desc, err := w.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN)})
	if err != nil || aws.ToString(desc.Name) != "approvals" || desc.Type != types.StateMachineTypeStandard || aws.ToString(desc.Definition) != approvalDefinition {
		t.Errorf("DescribeStateMachine: %+v, %v", desc, err)
	}
	_, err = w.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(smARN + "x")})
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
	list, err := w.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(list.StateMachines) != 1 {
		t.Errorf("ListStateMachines: %v, %v", list, err)
	}

	start := func(name, input string) (*sfn.StartExecutionOutput, error) {
		return w.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN), Name: aws.String(name), Input: aws.String(input)})
	}
	first, err := start("e1", `{"id": "e1"}`)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := start("e1", `{"id": "e1"}`); err != nil || aws.ToString(second.ExecutionArn) != aws.ToString(first.ExecutionArn) {
		t.Errorf("starting the same execution again: %v", err)
	}
	_, err = start("e1", `{"id": "other"}`)
	wantAPIError[*types.ExecutionAlreadyExists](t, err)
	_, err = start("e2", `{not json`)
	wantAPIError[*types.InvalidExecutionInput](t, err)

	execARN := first.ExecutionArn
	token := w.token("e1")
	if token == "" {
		t.Fatal("the task did not receive its token")
	}
	d, err := w.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: execARN})
	if err != nil || d.Status != types.ExecutionStatusRunning || !d.StartDate.Equal(w.now) {
		t.Errorf("DescribeExecution while waiting: %+v, %v", d, err)
	}

	_, err = w.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("forged"), Output: aws.String(`{}`)})
	wantAPIError[*types.InvalidToken](t, err)
	if _, err := w.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
		t.Errorf("heartbeat: %v", err)
	}
	if _, err := w.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"ok": true}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = w.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	wantAPIError[*types.TaskDoesNotExist](t, err)
	w.em.Settle()
	d, err = w.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: execARN})
	if err != nil || d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"answer":{"ok":true},"id":"e1"}` {
		t.Errorf("after the answer: %s %s %v", d.Status, aws.ToString(d.Output), err)
	}
	// A closed execution's name cannot be used again, whatever the input.
	_, err = start("e1", `{"id": "e1"}`)
	wantAPIError[*types.ExecutionAlreadyExists](t, err)
	if !strings.Contains(err.Error(), "has ended (SUCCEEDED)") {
		t.Errorf("ExecutionAlreadyExists should say the execution ended: %v", err)
	}

	// The history, two events a page.
	var typesSeen []string
	var next *string
	for range 20 {
		h, err := w.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execARN, MaxResults: 2, NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range h.Events {
			typesSeen = append(typesSeen, string(ev.Type))
			if ev.Type == types.HistoryEventTypeExecutionStarted && aws.ToString(ev.ExecutionStartedEventDetails.RoleArn) != "arn:aws:iam::123456789012:role/x" {
				t.Errorf("ExecutionStarted roleArn %q, want the state machine's role", aws.ToString(ev.ExecutionStartedEventDetails.RoleArn))
			}
			if ev.Type == types.HistoryEventTypeTaskScheduled && !strings.Contains(aws.ToString(ev.TaskScheduledEventDetails.Parameters), `"token"`) {
				t.Errorf("TaskScheduled details %+v", ev.TaskScheduledEventDetails)
			}
		}
		if next = h.NextToken; next == nil {
			break
		}
	}
	want := "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"
	if got := strings.Join(typesSeen, ","); got != want {
		t.Errorf("history\n%s\nwant\n%s", got, want)
	}
	_, err = w.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(aws.ToString(execARN) + "x")})
	wantAPIError[*types.ExecutionDoesNotExist](t, err)
}

func TestAPITaskTimeoutFailureAndStop(t *testing.T) {
	w := newAPIWorld(t)
	ctx := context.Background()
	created, err := w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"),
		Definition: aws.String(approvalDefinition), RoleArn: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	run := func(id string) *string {
		out, err := w.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn,
			Name: aws.String(id), Input: aws.String(`{"id": "` + id + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		return out.ExecutionArn
	}
	status := func(arn *string) *sfn.DescribeExecutionOutput {
		w.em.Settle()
		d, err := w.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	late := run("late")
	token := w.token("late")
	w.advanceClock(61 * time.Second)
	if d := status(late); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Timeout" {
		t.Errorf("timed out task: %s %s", d.Status, aws.ToString(d.Error))
	}
	_, err = w.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	wantAPIError[*types.TaskTimedOut](t, err)

	refused := run("refused")
	if _, err := w.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(w.token("refused")),
		Error: aws.String("Rejected"), Cause: aws.String("not today")}); err != nil {
		t.Fatal(err)
	}
	if d := status(refused); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Rejected" || aws.ToString(d.Cause) != "not today" {
		t.Errorf("failed task: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	stopped := run("stopped")
	token = w.token("stopped")
	if _, err := w.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: stopped, Error: aws.String("Cancelled"), Cause: aws.String("by ana")}); err != nil {
		t.Fatal(err)
	}
	if d := status(stopped); d.Status != types.ExecutionStatusAborted {
		t.Errorf("stopped: %s", d.Status)
	}
	_, err = w.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	wantAPIError[*types.TaskDoesNotExist](t, err)

	failed, err := w.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: created.StateMachineArn, StatusFilter: types.ExecutionStatusFailed})
	if err != nil || len(failed.Executions) != 2 || aws.ToString(failed.Executions[0].Name) != "refused" {
		t.Errorf("failed executions, newest first: %+v, %v", failed, err)
	}
	_, err = w.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
}

// TestTickWhileRunning: ticking while executions advance is safe (run with -race).
func TestTickWhileRunning(t *testing.T) {
	w := newAPIWorld(t)
	arn, _, err := w.em.CreateStateMachine("w", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}`, "r", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			w.em.Tick()
		}
	}()
	for i := range 20 {
		if _, _, err := w.em.StartExecution(arn, fmt.Sprintf("e%d", i), `{}`); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	w.em.Settle() // a start still in its first step is left by Tick for the next one
	w.advanceClock(2 * time.Second)
	list, err := w.em.Executions(arn, "SUCCEEDED")
	if err != nil || len(list) != 20 {
		t.Errorf("%d of 20 executions succeeded: %v", len(list), err)
	}
}

// ListExecutions' statusFilter and the list actions' maxResults are validated as
// the API reference constrains them: an enum, and 0 to 1000 (0: the default).
func TestAPIValidation(t *testing.T) {
	w := newAPIWorld(t)
	ctx := context.Background()
	created, err := w.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`), RoleArn: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := w.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn, Name: aws.String(fmt.Sprint("e", i))}); err != nil {
			t.Fatal(err)
		}
	}
	w.em.Settle()
	list := func(status types.ExecutionStatus, maxResults int32) (*sfn.ListExecutionsOutput, error) {
		return w.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: created.StateMachineArn, StatusFilter: status, MaxResults: maxResults})
	}
	for _, status := range []types.ExecutionStatus{"BOGUS", "succeeded", "PENDING"} {
		_, err := list(status, 0)
		wantAPIError[*types.ValidationException](t, err)
		if !strings.Contains(err.Error(), "'statusFilter' failed to satisfy constraint: Member must satisfy enum value set") {
			t.Errorf("statusFilter %s: %v", status, err)
		}
	}
	for _, status := range []types.ExecutionStatus{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE", ""} {
		out, err := list(status, 0)
		if err != nil {
			t.Errorf("statusFilter %q: %v", status, err)
			continue
		}
		if want := map[types.ExecutionStatus]int{"SUCCEEDED": 3, "": 3}[status]; len(out.Executions) != want {
			t.Errorf("statusFilter %q: %d executions, want %d", status, len(out.Executions), want)
		}
	}
	for _, n := range []int32{-1, 1001} {
		_, err := list("", n)
		wantAPIError[*types.ValidationException](t, err)
		if !strings.Contains(err.Error(), fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint", n)) {
			t.Errorf("maxResults %d: %v", n, err)
		}
	}
	if out, err := list("", 1000); err != nil || len(out.Executions) != 3 {
		t.Errorf("maxResults 1000: %v", err)
	}
	if out, err := list("", 2); err != nil || len(out.Executions) != 2 || out.NextToken == nil {
		t.Errorf("maxResults 2: %+v, %v", out, err)
	}
	// These actions' models list no ValidationException: the SDK gives a generic
	// API error with its code.
	_, err = w.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1001})
	wantCode(t, err, "ValidationException")
	_, err = w.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
		ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:e0"), MaxResults: 1001})
	wantCode(t, err, "ValidationException")
	// Parameters are validated before anything is looked up.
	_, err = w.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope"), MaxResults: -1})
	wantAPIError[*types.ValidationException](t, err)
	_, err = w.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
		ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:nope"), MaxResults: 1001})
	wantCode(t, err, "ValidationException")
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Errorf("error %v, want %s", err, code)
	}
}
