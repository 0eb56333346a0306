package stepfn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// Emulator runs state machines the way Step Functions does, in process: each
// execution advances in its own goroutine, timers fire on Tick, and task tokens
// are answered through SendTask*. Errors are *APIError with Step Functions' codes.
type Emulator struct {
	Region, Account string
	Runtime         asl.Runtime
	Now             func() time.Time

	mu       sync.Mutex
	machines map[string]*stateMachine // by ARN
	execs    map[string]*execution    // by ARN
	order    []string                 // execution ARNs, oldest first
	tokens   map[string]*token
	running  sync.WaitGroup
	// journal, when set, records every change so that a restart loses nothing
	// (see Restore); journalErr is its last failure.
	journal    Journal
	journalErr error
}

type stateMachine struct {
	arn, name, definition, roleArn, typ string
	created                             time.Time
	machine                             *asl.Machine
}

type execution struct {
	mu      sync.Mutex
	sm      *stateMachine
	e       *asl.Execution
	input   string
	pending []string // the task tokens the execution (or its branches) waits on
}

// TokenState is where a task token stands. The journal keeps it as a number.
type TokenState int

// Token states.
const (
	// TokenPending: a task waits on the token (or its function is being called).
	TokenPending TokenState = iota
	// TokenDone: the token was answered, or its execution stopped.
	TokenDone
	// TokenTimedOut: the task timed out before an answer came.
	TokenTimedOut
)

// String names a token state, for logs and reports.
func (s TokenState) String() string {
	switch s {
	case TokenPending:
		return "pending"
	case TokenDone:
		return "done"
	case TokenTimedOut:
		return "timed out"
	}
	return fmt.Sprintf("TokenState(%d)", int(s))
}

type token struct {
	exec  string
	state TokenState
}

// APIError is a Step Functions API error: Code is what the SDK turns into a type.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func apiError(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// New returns an emulator whose tasks run on rt.
func New(rt asl.Runtime) *Emulator {
	return &Emulator{Region: "us-east-1", Account: "123456789012", Runtime: rt, Now: time.Now,
		machines: map[string]*stateMachine{}, execs: map[string]*execution{}, tokens: map[string]*token{}}
}

// validName applies Step Functions' rule for state machine and execution names:
// 1 to 80 characters, without white space, brackets (< > { } [ ]), wildcards (? *),
// the characters " # % \ ^ | ~ ` $ & , ; : / or control characters.
func validName(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > 80 {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return false
		}
	}
	return true
}

// CreateStateMachine registers a definition; creating the same one again is a no-op.
func (em *Emulator) CreateStateMachine(name, definition, roleArn, typ string, substitutions map[string]string) (string, time.Time, error) {
	if !validName(name) {
		return "", time.Time{}, apiError("InvalidName", "%q is not a valid state machine name", name)
	}
	if typ == "" {
		typ = "STANDARD"
	}
	if typ != "STANDARD" {
		return "", time.Time{}, apiError("ValidationException", "only STANDARD state machines are emulated")
	}
	for k, v := range substitutions {
		definition = strings.ReplaceAll(definition, "${"+k+"}", v)
	}
	def, err := asl.Parse([]byte(definition), nil)
	if err != nil {
		return "", time.Time{}, apiError("InvalidDefinition", "%v", err)
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", em.Region, em.Account, name)
	em.mu.Lock()
	defer em.mu.Unlock()
	if sm, ok := em.machines[arn]; ok {
		if sm.definition != definition || sm.roleArn != roleArn {
			return "", time.Time{}, apiError("StateMachineAlreadyExists", "state machine %s exists with another definition", name)
		}
		return arn, sm.created, nil
	}
	sm := &stateMachine{arn: arn, name: name, definition: definition, roleArn: roleArn, typ: typ, created: em.Now(),
		machine: &asl.Machine{Def: def, ARN: arn, RoleARN: roleArn, Runtime: em.Runtime}}
	if em.journal != nil {
		if err := em.journal.PutMachine(sm.record()); err != nil {
			return "", time.Time{}, fmt.Errorf("recording state machine %s: %w", name, err)
		}
	}
	em.machines[arn] = sm
	return arn, sm.created, nil
}

func (em *Emulator) machine(arn string) (*stateMachine, error) {
	em.mu.Lock()
	defer em.mu.Unlock()
	sm, ok := em.machines[arn]
	if !ok {
		return nil, apiError("StateMachineDoesNotExist", "state machine %s does not exist", arn)
	}
	return sm, nil
}

// StartExecution starts an execution. As Step Functions does for a STANDARD
// state machine, starting one with the name of an open execution and the same
// input again returns it; with another input, or once that execution is closed
// (whatever the input), it fails with ExecutionAlreadyExists.
func (em *Emulator) StartExecution(smARN, name, input string) (string, time.Time, error) {
	sm, err := em.machine(smARN)
	if err != nil {
		return "", time.Time{}, err
	}
	if input == "" {
		input = "{}"
	}
	value, err := asl.Decode([]byte(input))
	if err != nil {
		return "", time.Time{}, apiError("InvalidExecutionInput", "the input is not JSON: %v", err)
	}
	if name == "" {
		name = randomName()
	} else if !validName(name) {
		return "", time.Time{}, apiError("InvalidName", "%q is not a valid execution name", name)
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", em.Region, em.Account, sm.name, name)
	em.mu.Lock()
	if ex, ok := em.execs[arn]; ok {
		em.mu.Unlock()
		ex.mu.Lock()
		status, start := ex.e.Status, ex.e.Start
		ex.mu.Unlock()
		switch {
		case status != asl.Running:
			return "", time.Time{}, apiError("ExecutionAlreadyExists", "execution %s has ended (%s): an execution name cannot be used again", name, status)
		case ex.input != input:
			return "", time.Time{}, apiError("ExecutionAlreadyExists", "execution %s exists with another input", name)
		}
		return arn, start, nil
	}
	ex := &execution{sm: sm, input: input}
	ex.e = sm.machine.NewExecution(arn, name, value, em.Now())
	if em.journal != nil {
		if err := em.journal.PutExecution(ex.record(), nil); err != nil {
			em.mu.Unlock()
			return "", time.Time{}, fmt.Errorf("recording execution %s: %w", name, err)
		}
	}
	em.execs[arn] = ex
	em.order = append(em.order, arn)
	em.mu.Unlock()
	em.advance(ex)
	return arn, ex.e.Start, nil
}

// advance runs an execution on in the background until it ends or waits.
func (em *Emulator) advance(ex *execution) {
	em.running.Add(1)
	go func() {
		defer em.running.Done()
		ex.mu.Lock()
		defer ex.mu.Unlock()
		em.step(ex)
	}()
}

// step advances ex, which the caller has locked, journaling it after every
// transition (see checkpoint); an execution with nothing due is not written.
func (em *Emulator) step(ex *execution) {
	m := *ex.sm.machine
	m.Checkpoint = func() { em.checkpoint(ex, nil) }
	m.Advance(context.Background(), ex.e, em.Now())
}

// checkpoint brings the token index in line with the tokens ex (which the caller
// has locked) waits on now, and journals ex with every token record that changed
// (and answered, a token the caller has just answered) in one write. A token that
// stopped being pending without an answer timed out, or, when the execution was
// stopped, is done.
func (em *Emulator) checkpoint(ex *execution, answered *string) {
	after := asl.PendingTokens(ex.e)
	em.mu.Lock()
	defer em.mu.Unlock()
	changed := map[string]TokenRecord{}
	if answered != nil {
		t := em.tokens[*answered]
		t.state = TokenDone
		changed[*answered] = t.record()
	}
	for _, tok := range ex.pending {
		if slices.Contains(after, tok) {
			continue
		}
		if t := em.tokens[tok]; t != nil && t.state == TokenPending {
			t.state = TokenTimedOut
			if ex.e.Status == asl.Aborted {
				t.state = TokenDone
			}
			changed[tok] = t.record()
		}
	}
	for _, tok := range after {
		if _, ok := em.tokens[tok]; !ok {
			em.tokens[tok] = &token{exec: ex.e.ARN}
			changed[tok] = em.tokens[tok].record()
		}
	}
	ex.pending = after
	if em.journal == nil {
		return
	}
	if err := em.journal.PutExecution(ex.record(), changed); err != nil {
		em.journalErr = err
	}
}

// JournalErr returns the journal's last write failure, if any.
func (em *Emulator) JournalErr() error {
	em.mu.Lock()
	defer em.mu.Unlock()
	return em.journalErr
}

// Settle waits until no execution is advancing, for tests and shutdown.
func (em *Emulator) Settle() { em.running.Wait() }

// Tick advances every waiting execution whose timer is due. An execution that is
// advancing at the moment is left for the next tick.
func (em *Emulator) Tick() {
	em.mu.Lock()
	all := make([]*execution, 0, len(em.execs))
	for _, ex := range em.execs {
		all = append(all, ex)
	}
	em.mu.Unlock()
	now := em.Now()
	for _, ex := range all {
		if !ex.mu.TryLock() {
			continue
		}
		due := ex.e.Status == asl.Running && ex.e.Wait != nil && isDue(ex.e.Wait, now)
		ex.mu.Unlock()
		if due {
			em.advance(ex)
		}
	}
}

func isDue(w *asl.Wait, now time.Time) bool {
	return (!w.Until.IsZero() && !now.Before(w.Until)) || (!w.Heartbeat.IsZero() && !now.Before(w.Heartbeat))
}

// Run ticks every interval until ctx ends.
func (em *Emulator) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			em.Settle()
			return
		case <-t.C:
			em.Tick()
		}
	}
}

func (em *Emulator) execution(arn string) (*execution, error) {
	em.mu.Lock()
	defer em.mu.Unlock()
	ex, ok := em.execs[arn]
	if !ok {
		return nil, apiError("ExecutionDoesNotExist", "execution %s does not exist", arn)
	}
	return ex, nil
}

// Describe returns a copy of an execution as it stands.
func (em *Emulator) Describe(arn string) (*asl.Execution, error) {
	ex, err := em.execution(arn)
	if err != nil {
		return nil, err
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	c := *ex.e
	c.Events = append([]asl.Event(nil), ex.e.Events...)
	return &c, nil
}

// Executions lists a state machine's executions, newest first, with a status
// filter ("" for all).
func (em *Emulator) Executions(smARN, status string) ([]*asl.Execution, error) {
	if _, err := em.machine(smARN); err != nil {
		return nil, err
	}
	em.mu.Lock()
	arns := append([]string(nil), em.order...)
	em.mu.Unlock()
	var out []*asl.Execution
	for i := len(arns) - 1; i >= 0; i-- {
		e, err := em.Describe(arns[i])
		if err != nil {
			return nil, err
		}
		if e.StateMachineARN == smARN && (status == "" || string(e.Status) == status) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Machines lists the state machines by name.
func (em *Emulator) Machines() []*stateMachine {
	em.mu.Lock()
	defer em.mu.Unlock()
	var out []*stateMachine
	for _, sm := range em.machines {
		out = append(out, sm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Stop aborts an execution.
func (em *Emulator) Stop(arn, errName, cause string) (time.Time, error) {
	ex, err := em.execution(arn)
	if err != nil {
		return time.Time{}, err
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.sm.machine.Stop(ex.e, &asl.Failure{Name: errName, Cause: cause}, em.Now())
	em.checkpoint(ex, nil)
	return ex.e.Stop, nil
}

// task finds the execution waiting on a task token, locks it, lets any due
// timeout happen, and checks that the token is still pending. The caller unlocks
// the execution.
func (em *Emulator) task(tok string) (*execution, error) {
	em.mu.Lock()
	t, ok := em.tokens[tok]
	em.mu.Unlock()
	if !ok {
		return nil, apiError("InvalidToken", "the task token is not one this service issued")
	}
	ex, err := em.execution(t.exec)
	if err != nil {
		return nil, err
	}
	ex.mu.Lock()
	em.step(ex)
	em.mu.Lock()
	state := t.state
	em.mu.Unlock()
	switch state {
	case TokenTimedOut:
		ex.mu.Unlock()
		return nil, apiError("TaskTimedOut", "the task timed out before the answer came")
	case TokenDone:
		ex.mu.Unlock()
		return nil, apiError("TaskDoesNotExist", "the task was already answered, or its execution stopped")
	}
	return ex, nil
}

// answer lets fn answer the task waiting on tok, journals the answer with its
// effect on the execution (the task's result applied, the next state entered) in
// one write, then runs the execution on.
func (em *Emulator) answer(tok string, fn func(*execution) error) error {
	ex, err := em.task(tok)
	if err != nil {
		return err
	}
	if err := fn(ex); err != nil {
		ex.mu.Unlock()
		return apiError("TaskDoesNotExist", "%v", err)
	}
	em.checkpoint(ex, &tok)
	ex.mu.Unlock()
	em.advance(ex)
	return nil
}

// SendTaskSuccess answers a waiting task with output (JSON).
func (em *Emulator) SendTaskSuccess(tok, output string) error {
	v, err := asl.Decode([]byte(output))
	if err != nil {
		return apiError("InvalidOutput", "the output is not JSON: %v", err)
	}
	return em.answer(tok, func(ex *execution) error {
		return ex.sm.machine.SendTaskSuccess(ex.e, tok, v, em.Now())
	})
}

// SendTaskFailure fails a waiting task.
func (em *Emulator) SendTaskFailure(tok, errName, cause string) error {
	return em.answer(tok, func(ex *execution) error {
		return ex.sm.machine.SendTaskFailure(ex.e, tok, &asl.Failure{Name: errName, Cause: cause}, em.Now())
	})
}

// SendTaskHeartbeat tells a waiting task it is still being worked on.
func (em *Emulator) SendTaskHeartbeat(tok string) error {
	ex, err := em.task(tok)
	if err != nil {
		return err
	}
	defer ex.mu.Unlock()
	if err := ex.sm.machine.SendTaskHeartbeat(ex.e, tok, em.Now()); err != nil {
		return apiError("TaskDoesNotExist", "%v", err)
	}
	em.checkpoint(ex, nil)
	return nil
}

func randomName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
