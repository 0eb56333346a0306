package asl

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// Status is an execution's status, as Step Functions names it.
type Status string

// Statuses.
const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	TimedOut  Status = "TIMED_OUT"
	Aborted   Status = "ABORTED"
)

// Runtime runs what tasks name.
type Runtime interface {
	// Invoke runs resource with input (the task's parameters). token is the task
	// token of a ".waitForTaskToken" resource, whose result comes later through
	// SendTaskSuccess: Invoke then only starts the work, and its result is ignored.
	// An error that is a *Failure keeps its name; any other is States.TaskFailed.
	Invoke(ctx context.Context, resource string, input any, token string) (any, error)
}

// Execution is one run of a state machine. It is plain data, so it can be stored
// and resumed: Advance moves it on until it ends or waits.
type Execution struct {
	ARN, Name       string
	StateMachineARN string
	Status          Status
	Input, Output   any
	Failure         *Failure
	Start, Stop     time.Time

	// State is the current state; StateInput its raw input.
	State      string
	StateInput any
	Entered    time.Time
	// Attempts counts the retries of the current task, per retrier.
	Attempts []int
	// Task is the current Task state's invocation from the moment it is
	// scheduled until its result is applied: a restart that finds it set calls
	// the function again with the same parameters and task token.
	Task *Invocation
	// Wait is what the execution waits for, when it does.
	Wait *Wait
	// Children are the branches (Parallel) or iterations (Map) of the current
	// state; Branch is, in a child, which branch of its parent's state it runs.
	Children []*Execution
	Branch   int

	// Events is the history; in a child, an outbox its parent empties into its own.
	Events []Event
}

// Wait is what a suspended execution waits for.
type Wait struct {
	// Token is the task token a ".waitForTaskToken" task waits on.
	Token string
	// Until is when a Wait state or a retry's backoff ends, or a waiting task times out.
	Until time.Time
	// Heartbeat is when a waiting task times out without a heartbeat.
	Heartbeat time.Time
	// Retry: the wait is a retry's backoff; the task runs again after it.
	Retry bool
	// Children: the wait is for children, until the earliest of their deadlines
	// (Until) or an answer to one of their tokens.
	Children bool
}

// Invocation is a scheduled call of a Task state's function: its parameters, its
// task token (for a ".waitForTaskToken" resource), its limits in seconds and
// when it was scheduled, from which a waiting task's deadlines count.
type Invocation struct {
	Params             any
	Token              string
	Timeout, Heartbeat int64
	Scheduled          time.Time
}

// Event is one entry of an execution's history, with the detail Step Functions'
// GetExecutionHistory gives it (Details under the key DetailsKey).
type Event struct {
	ID         int64
	PreviousID int64
	Timestamp  time.Time
	Type       string
	DetailsKey string
	Details    map[string]any
}

// Machine runs executions of one definition.
type Machine struct {
	Def *Definition
	ARN string
	// RoleARN is the state machine's IAM role: its executions' roleArn.
	RoleARN string
	Runtime Runtime
	// Checkpoint, when set, is called by Advance after every transition (a
	// state entered or left, a task scheduled, a wait begun or over) and before
	// every call of a task's function, so that the caller can record the
	// execution as it stands. A Machine with a Checkpoint runs one execution at a
	// time: make a copy per Advance.
	Checkpoint func()
}

func (m *Machine) checkpoint() {
	if m.Checkpoint != nil {
		m.Checkpoint()
	}
}

// NewExecution starts an execution of m with input at now.
func (m *Machine) NewExecution(arn, name string, input any, now time.Time) *Execution {
	e := &Execution{ARN: arn, Name: name, StateMachineARN: m.ARN, Status: Running, Input: input, Start: now}
	e.event(now, "ExecutionStarted", "executionStartedEventDetails", map[string]any{"input": render(input), "roleArn": m.RoleARN})
	m.enter(e, m.Def.StartAt, input, now)
	return e
}

func (e *Execution) event(now time.Time, typ, key string, details map[string]any) {
	id := int64(len(e.Events) + 1)
	e.Events = append(e.Events, Event{ID: id, PreviousID: id - 1, Timestamp: now, Type: typ, DetailsKey: key, Details: details})
}

func (m *Machine) enter(e *Execution, name string, input any, now time.Time) {
	st := m.Def.States[name]
	e.State, e.StateInput, e.Entered = name, input, now
	e.Attempts = make([]int, len(st.Retry))
	e.event(now, st.Type+"StateEntered", "stateEnteredEventDetails", map[string]any{"name": name, "input": render(input)})
}

// context is the context object ($$) of the current state.
func (m *Machine) context(e *Execution, token string) map[string]any {
	retries := 0
	for _, a := range e.Attempts {
		retries += a
	}
	ctx := map[string]any{
		"Execution":    map[string]any{"Id": e.ARN, "Input": e.Input, "Name": e.Name, "RoleArn": m.RoleARN, "StartTime": e.Start.UTC().Format(time.RFC3339Nano)},
		"State":        map[string]any{"EnteredTime": e.Entered.UTC().Format(time.RFC3339Nano), "Name": e.State, "RetryCount": retries},
		"StateMachine": map[string]any{"Id": m.ARN, "Name": m.ARN[strings.LastIndex(m.ARN, ":")+1:]},
	}
	if token != "" {
		ctx["Task"] = map[string]any{"Token": token}
	}
	return ctx
}

// Advance runs e at now until it ends or waits for something that has not come.
func (m *Machine) Advance(ctx context.Context, e *Execution, now time.Time) {
	for e.Status == Running {
		if m.Def.TimeoutSeconds > 0 && now.Sub(e.Start) >= time.Duration(m.Def.TimeoutSeconds)*time.Second {
			e.finish(now, TimedOut, nil, &Failure{Name: "States.Timeout", Cause: "the execution ran longer than its TimeoutSeconds"})
			m.checkpoint()
			return
		}
		if w := e.Wait; w != nil {
			if !m.wake(ctx, e, now) {
				return
			}
			m.checkpoint()
			continue
		}
		m.run(ctx, e, now)
		m.checkpoint()
	}
}

// wake resumes a waiting execution whose time has come, and reports whether it did.
func (m *Machine) wake(ctx context.Context, e *Execution, now time.Time) bool {
	w := e.Wait
	st := m.Def.States[e.State]
	switch {
	case w.Children:
		if w.Until.IsZero() || now.Before(w.Until) {
			return false
		}
		e.Wait = nil
		m.advanceChildren(ctx, e, st, now)
	case w.Token != "" && !w.Heartbeat.IsZero() && !now.Before(w.Heartbeat):
		e.Wait = nil
		m.taskFailed(e, st, &Failure{Name: "States.HeartbeatTimeout", Cause: "no heartbeat in time"}, now, "TaskTimedOut")
	case w.Token != "" && !w.Until.IsZero() && !now.Before(w.Until):
		e.Wait = nil
		m.taskFailed(e, st, &Failure{Name: "States.Timeout", Cause: "the task did not finish in time"}, now, "TaskTimedOut")
	case w.Token == "" && !now.Before(w.Until):
		e.Wait = nil
		if w.Retry {
			m.run(ctx, e, now)
		} else {
			input, err := m.inputOf(e, st)
			if err == nil {
				input, err = applyPath(st.OutputPath, input, m.context(e, ""))
			}
			if err != nil {
				m.fail(e, runtimeError(err), now)
				return true
			}
			m.leave(e, st, input, now)
		}
	default:
		return false
	}
	return true
}

// run runs the current state, which is not waiting.
func (m *Machine) run(ctx context.Context, e *Execution, now time.Time) {
	st := m.Def.States[e.State]
	switch {
	case len(e.Children) > 0:
		m.advanceChildren(ctx, e, st, now)
		return
	case st.Type == "Task":
		m.runTask(ctx, e, st, now)
		return
	case st.Type == "Parallel" || st.Type == "Map":
		m.startChildren(ctx, e, st, now)
		return
	}
	input, err := m.inputOf(e, st)
	if err != nil {
		m.fail(e, runtimeError(err), now)
		return
	}
	switch st.Type {
	case "Pass":
		result := input
		if st.Parameters != nil {
			if result, err = st.Parameters.Eval(input, m.context(e, "")); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		if st.hasResult {
			result = deepCopy(st.Result)
		}
		m.result(e, st, result, now)
	case "Choice":
		next := st.Default
		for _, r := range st.Choices {
			ok, err := r.eval(input, m.context(e, ""))
			if err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
			if ok {
				next = r.next
				break
			}
		}
		if next == "" {
			m.fail(e, &Failure{Name: "States.NoChoiceMatched", Cause: "no choice rule matched, and the state has no Default"}, now)
			return
		}
		out, err := applyPath(st.OutputPath, input, m.context(e, ""))
		if err != nil {
			m.fail(e, runtimeError(err), now)
			return
		}
		e.event(now, "ChoiceStateExited", "stateExitedEventDetails", map[string]any{"name": st.Name, "output": render(out)})
		m.enter(e, next, out, now)
	case "Wait":
		until, err := waitUntil(st, input, now)
		if err != nil {
			m.fail(e, runtimeError(err), now)
			return
		}
		e.Wait = &Wait{Until: until}
	case "Succeed":
		out, err := applyPath(st.OutputPath, input, m.context(e, ""))
		if err != nil {
			m.fail(e, runtimeError(err), now)
			return
		}
		e.event(now, "SucceedStateExited", "stateExitedEventDetails", map[string]any{"name": st.Name, "output": render(out)})
		e.finish(now, Succeeded, out, nil)
	case "Fail":
		f := &Failure{Name: st.ErrorName, Cause: st.Cause}
		if st.ErrorPath != nil {
			if f.Name, err = stringAt(st.ErrorPath, "ErrorPath", e.StateInput, m.context(e, "")); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		if st.CausePath != nil {
			if f.Cause, err = stringAt(st.CausePath, "CausePath", e.StateInput, m.context(e, "")); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		e.finish(now, Failed, nil, f)
	}
}

// stringAt evaluates a Fail state's ErrorPath or CausePath, which must give a string.
func stringAt(t *Template, field string, input, ctx any) (string, error) {
	v, err := t.Eval(input, ctx)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s gives %s, not a string", field, render(v))
	}
	return s, nil
}

// inputOf applies InputPath to the state's raw input.
func (m *Machine) inputOf(e *Execution, st *State) (any, error) {
	return applyPath(st.InputPath, e.StateInput, m.context(e, ""))
}

// applyPath applies an InputPath or OutputPath: absent keeps v, null gives {}.
func applyPath(p optionalPath, v, ctx any) (any, error) {
	switch {
	case !p.set:
		return v, nil
	case p.null:
		return map[string]any{}, nil
	}
	return p.path.Get(v, ctx)
}

func waitUntil(st *State, input any, now time.Time) (time.Time, error) {
	switch {
	case st.Timestamp != "":
		t, _ := timestamp(st.Timestamp)
		return t, nil
	case st.SecondsPath != nil:
		v, err := st.SecondsPath.Get(input, nil)
		if err != nil {
			return time.Time{}, err
		}
		n, ok := number(v)
		if !ok || n < 0 {
			return time.Time{}, fmt.Errorf("SecondsPath %s: %v is not a number of seconds", st.SecondsPath, render(v))
		}
		return now.Add(time.Duration(n * float64(time.Second))), nil
	case st.TimestampPath != nil:
		v, err := st.TimestampPath.Get(input, nil)
		if err != nil {
			return time.Time{}, err
		}
		t, ok := timestamp(v)
		if !ok {
			return time.Time{}, fmt.Errorf("TimestampPath %s: %v is not an RFC 3339 timestamp", st.TimestampPath, render(v))
		}
		return t, nil
	}
	return now.Add(time.Duration(st.Seconds) * time.Second), nil
}

// result shapes a state's result (ResultSelector), places it in the state's raw
// input (ResultPath), applies OutputPath and leaves the state.
func (m *Machine) result(e *Execution, st *State, result any, now time.Time) {
	if st.ResultSelector != nil {
		var err error
		if result, err = st.ResultSelector.Eval(result, m.context(e, "")); err != nil {
			m.fail(e, runtimeError(err), now)
			return
		}
	}
	out := result
	switch rp := st.ResultPath; {
	case rp.null:
		out = e.StateInput
	case rp.set:
		var err error
		if out, err = rp.path.Set(e.StateInput, result); err != nil {
			m.fail(e, runtimeError(err), now)
			return
		}
	}
	out, err := applyPath(st.OutputPath, out, m.context(e, ""))
	if err != nil {
		m.fail(e, runtimeError(err), now)
		return
	}
	m.leave(e, st, out, now)
}

// leave exits the state with output, to Next or to the end.
func (m *Machine) leave(e *Execution, st *State, out any, now time.Time) {
	e.event(now, st.Type+"StateExited", "stateExitedEventDetails", map[string]any{"name": st.Name, "output": render(out)})
	if st.End {
		e.finish(now, Succeeded, out, nil)
		return
	}
	m.enter(e, st.Next, out, now)
}

func (e *Execution) finish(now time.Time, status Status, out any, f *Failure) {
	e.Status, e.Output, e.Failure, e.Stop, e.Wait, e.Task = status, out, f, now, nil, nil
	switch status {
	case Succeeded:
		e.event(now, "ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{"output": render(out)})
	case TimedOut:
		e.event(now, "ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": f.Name, "cause": f.Cause})
	case Aborted:
		e.event(now, "ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": f.Name, "cause": f.Cause})
	default:
		e.event(now, "ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": f.Name, "cause": f.Cause})
	}
}

// fail ends the execution with a state's error that no Catch handles.
func (m *Machine) fail(e *Execution, f *Failure, now time.Time) {
	e.finish(now, Failed, nil, f)
}

// Stop aborts a running execution.
func (m *Machine) Stop(e *Execution, f *Failure, now time.Time) {
	if e.Status == Running {
		e.finish(now, Aborted, nil, f)
	}
}

func resourceNames(resource string) (string, string) {
	// arn:aws:states:::lambda:invoke.waitForTaskToken → lambda, invoke.waitForTaskToken
	if rest, ok := strings.CutPrefix(resource, "arn:aws:states:::"); ok {
		if svc, action, found := strings.Cut(rest, ":"); found {
			return svc, action
		}
	}
	if strings.HasPrefix(resource, "arn:aws:lambda:") {
		return "lambda", resource
	}
	return "custom", resource
}

// runTask runs (or runs again, after a retry's backoff) the current Task state:
// it schedules the invocation, checkpoints, calls the function and applies its
// result. An invocation already scheduled (a restart interrupted it) is called
// again as it was scheduled.
func (m *Machine) runTask(ctx context.Context, e *Execution, st *State, now time.Time) {
	if e.Task == nil {
		if !m.schedule(e, st, now) {
			return
		}
		m.checkpoint()
	}
	inv := e.Task
	waits := strings.HasSuffix(st.Resource, ".waitForTaskToken")
	invokeCtx := ctx
	if !waits && inv.Timeout > 0 {
		var cancel context.CancelFunc
		invokeCtx, cancel = context.WithTimeout(ctx, time.Duration(inv.Timeout)*time.Second)
		defer cancel()
	}
	out, err := m.Runtime.Invoke(invokeCtx, st.Resource, inv.Params, inv.Token)
	e.Task = nil
	if !waits && inv.Timeout > 0 && invokeCtx.Err() == context.DeadlineExceeded {
		m.taskFailed(e, st, &Failure{Name: "States.Timeout", Cause: fmt.Sprintf("the task ran longer than %d seconds", inv.Timeout)}, now, "TaskTimedOut")
		return
	}
	if err != nil {
		f, ok := err.(*Failure)
		if !ok {
			f = &Failure{Name: "States.TaskFailed", Cause: err.Error()}
		}
		m.taskFailed(e, st, f, now, "TaskFailed")
		return
	}
	if waits {
		typ, res := resourceNames(st.Resource)
		e.event(now, "TaskSubmitted", "taskSubmittedEventDetails", map[string]any{"resourceType": typ, "resource": res, "output": render(out)})
		w := &Wait{Token: inv.Token}
		if inv.Timeout > 0 {
			w.Until = inv.Scheduled.Add(time.Duration(inv.Timeout) * time.Second)
		}
		if inv.Heartbeat > 0 {
			w.Heartbeat = inv.Scheduled.Add(time.Duration(inv.Heartbeat) * time.Second)
		}
		e.Wait = w
		return
	}
	m.taskSucceeded(e, st, out, now)
}

// schedule resolves the current Task state's parameters, token and limits,
// records TaskScheduled and TaskStarted and sets e.Task; it reports false when
// the execution failed instead.
func (m *Machine) schedule(e *Execution, st *State, now time.Time) bool {
	input, err := m.inputOf(e, st)
	if err != nil {
		m.fail(e, runtimeError(err), now)
		return false
	}
	token := ""
	if strings.HasSuffix(st.Resource, ".waitForTaskToken") {
		token = newToken()
	}
	params := input
	if st.Parameters != nil {
		if params, err = st.Parameters.Eval(input, m.context(e, token)); err != nil {
			m.fail(e, runtimeError(err), now)
			return false
		}
	}
	timeout, heartbeat, err := m.limits(st, input)
	if err != nil {
		m.fail(e, runtimeError(err), now)
		return false
	}
	typ, res := resourceNames(st.Resource)
	scheduled := map[string]any{"resourceType": typ, "resource": res, "region": "us-east-1", "parameters": render(params)}
	if timeout > 0 {
		scheduled["timeoutInSeconds"] = timeout
	}
	if heartbeat > 0 {
		scheduled["heartbeatInSeconds"] = heartbeat
	}
	e.event(now, "TaskScheduled", "taskScheduledEventDetails", scheduled)
	e.event(now, "TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": typ, "resource": res})
	e.Task = &Invocation{Params: params, Token: token, Timeout: timeout, Heartbeat: heartbeat, Scheduled: now}
	return true
}

// limits resolves a task's timeout and heartbeat, in seconds (0: none).
func (m *Machine) limits(st *State, input any) (int64, int64, error) {
	timeout, heartbeat := st.TimeoutSeconds, st.HeartbeatSeconds
	for _, f := range []struct {
		p   *Path
		dst *int64
	}{{st.TimeoutPath, &timeout}, {st.HeartbeatPath, &heartbeat}} {
		if f.p == nil {
			continue
		}
		v, err := f.p.Get(input, nil)
		if err != nil {
			return 0, 0, err
		}
		n, ok := number(v)
		if !ok || n <= 0 || n != math.Trunc(n) {
			return 0, 0, fmt.Errorf("%s: %v is not a positive whole number of seconds", f.p, render(v))
		}
		*f.dst = int64(n)
	}
	return timeout, heartbeat, nil
}

func (m *Machine) taskSucceeded(e *Execution, st *State, out any, now time.Time) {
	typ, res := resourceNames(st.Resource)
	e.event(now, "TaskSucceeded", "taskSucceededEventDetails", map[string]any{"resourceType": typ, "resource": res, "output": render(out)})
	m.result(e, st, out, now)
}

// taskFailed records a task's failure, then retries, catches or fails.
func (m *Machine) taskFailed(e *Execution, st *State, f *Failure, now time.Time, eventType string) {
	typ, res := resourceNames(st.Resource)
	key := "taskFailedEventDetails"
	if eventType == "TaskTimedOut" {
		key = "taskTimedOutEventDetails"
	}
	e.event(now, eventType, key, map[string]any{"resourceType": typ, "resource": res, "error": f.Name, "cause": f.Cause})
	m.handle(e, st, f, now)
}

// handle applies Retry, then Catch, to a state's error.
func (m *Machine) handle(e *Execution, st *State, f *Failure, now time.Time) {
	for i, r := range st.Retry {
		if !matchesError(r.ErrorEquals, f.Name) {
			continue
		}
		if e.Attempts[i] >= r.MaxAttempts {
			break
		}
		delay := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(e.Attempts[i]))
		if r.MaxDelaySeconds > 0 {
			delay = min(delay, r.MaxDelaySeconds)
		}
		if r.JitterFull {
			delay *= mrand.Float64()
		}
		e.Attempts[i]++
		e.Wait = &Wait{Retry: true, Until: now.Add(time.Duration(delay * float64(time.Second)))}
		return
	}
	for _, c := range st.Catch {
		if !matchesError(c.ErrorEquals, f.Name) {
			continue
		}
		out := any(map[string]any{"Error": f.Name, "Cause": f.Cause})
		switch rp := c.ResultPath; {
		case rp.null:
			out = e.StateInput
		case rp.set:
			var err error
			if out, err = rp.path.Set(e.StateInput, out); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		e.event(now, st.Type+"StateExited", "stateExitedEventDetails", map[string]any{"name": st.Name, "output": render(out)})
		m.enter(e, c.Next, out, now)
		return
	}
	m.fail(e, f, now)
}

// matchesError reports whether an ErrorEquals list matches an error name.
// States.ALL matches every error but States.Runtime; States.TaskFailed every task
// error but a timeout.
func matchesError(list []string, name string) bool {
	for _, want := range list {
		switch {
		case want == name:
			return true
		case want == "States.ALL" && name != "States.Runtime":
			return true
		case want == "States.TaskFailed" && name != "States.Timeout" && name != "States.HeartbeatTimeout" && name != "States.Runtime":
			return true
		}
	}
	return false
}

// SendTaskSuccess completes the task waiting on token with output.
func (m *Machine) SendTaskSuccess(e *Execution, token string, output any, now time.Time) error {
	sub, c, st, err := m.locate(e, token)
	if err != nil {
		return err
	}
	c.Wait, c.Task = nil, nil
	sub.taskSucceeded(c, st, output, now)
	return nil
}

// SendTaskFailure fails the task waiting on token.
func (m *Machine) SendTaskFailure(e *Execution, token string, f *Failure, now time.Time) error {
	sub, c, st, err := m.locate(e, token)
	if err != nil {
		return err
	}
	c.Wait, c.Task = nil, nil
	sub.taskFailed(c, st, f, now, "TaskFailed")
	return nil
}

// SendTaskHeartbeat pushes the heartbeat deadline of the task waiting on token.
func (m *Machine) SendTaskHeartbeat(e *Execution, token string, now time.Time) error {
	_, c, st, err := m.locate(e, token)
	if err != nil {
		return err
	}
	if c.Wait == nil { // the task's function is still being called: nothing to push yet
		return nil
	}
	if hb := st.HeartbeatSeconds; hb > 0 && !c.Wait.Heartbeat.IsZero() {
		c.Wait.Heartbeat = now.Add(time.Duration(hb) * time.Second)
	}
	m.refreshDeadlines(e)
	return nil
}

// ErrNoSuchTask is returned for a token no running task of the execution waits on.
var ErrNoSuchTask = fmt.Errorf("no task of this execution waits on that token")

// locate finds, in e or one of its children, the execution whose task waits on
// token, with the machine that runs it and its state. The executions around it
// stop waiting for their children, so that the next Advance runs them on.
func (m *Machine) locate(e *Execution, token string) (*Machine, *Execution, *State, error) {
	if e.Status != Running || token == "" {
		return nil, nil, nil, ErrNoSuchTask
	}
	if (e.Wait != nil && e.Wait.Token == token) || (e.Task != nil && e.Task.Token == token) {
		return m, e, m.Def.States[e.State], nil
	}
	st := m.Def.States[e.State]
	for _, c := range e.Children {
		if sub, found, fst, err := m.sub(st, c.Branch).locate(c, token); err == nil {
			e.Wait = nil
			return sub, found, fst, nil
		}
	}
	return nil, nil, nil, ErrNoSuchTask
}

// PendingTokens lists the task tokens e and its children wait on, those of tasks
// whose function is being called included.
func PendingTokens(e *Execution) []string {
	var out []string
	if e.Status != Running {
		return out
	}
	if e.Wait != nil && e.Wait.Token != "" {
		out = append(out, e.Wait.Token)
	}
	if e.Task != nil && e.Task.Token != "" {
		out = append(out, e.Task.Token)
	}
	for _, c := range e.Children {
		out = append(out, PendingTokens(c)...)
	}
	return out
}

// newToken makes an opaque task token.
func newToken() string {
	var b [48]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // the system's random source failed: nothing can be secure
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
