package stepfn

import (
	"fmt"
	"time"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// Journal keeps what the emulator must not lose across a restart: state machines
// (their definitions with substitutions applied), executions and task tokens.
// Each record replaces the one under its key: a state machine's ARN, an
// execution's ARN, a token. Executions are plain data (asl.Execution), so a
// restored one resumes exactly where it was.
//
// The emulator writes an execution after every transition, before every call of
// a task's function, and when a task token is answered; each write carries the
// token records that transition changed (a token issued, answered, timed out),
// so an answer and its effect on the execution are kept both or neither.
//
// Package boltjournal keeps it in a bbolt file; the emulator runs without one when
// it need not survive a restart.
type Journal interface {
	PutMachine(MachineRecord) error
	// PutExecution writes an execution and the token records in tokens (by
	// token) atomically: all of them or, on an error, none.
	PutExecution(exec ExecutionRecord, tokens map[string]TokenRecord) error
	// Load returns every record, for Restore.
	Load() (*Snapshot, error)
}

// MachineRecord is a state machine as the journal keeps it.
type MachineRecord struct {
	ARN, Name, Definition, RoleArn, Type string
	Created                              time.Time
}

// ExecutionRecord is an execution as the journal keeps it: where it stands, its
// input as given, and the task tokens it waits on.
type ExecutionRecord struct {
	Execution *asl.Execution
	Input     string
	Pending   []string
}

// TokenRecord is a task token's entry: the execution that waits on it, and where
// it stands.
type TokenRecord struct {
	Exec  string
	State TokenState
}

// Snapshot is everything a journal holds: executions in any order, tokens by token.
type Snapshot struct {
	Machines   []MachineRecord
	Executions []ExecutionRecord
	Tokens     map[string]TokenRecord
}

func (sm *stateMachine) record() MachineRecord {
	return MachineRecord{ARN: sm.arn, Name: sm.name, Definition: sm.definition, RoleArn: sm.roleArn, Type: sm.typ, Created: sm.created}
}

func (ex *execution) record() ExecutionRecord {
	return ExecutionRecord{Execution: ex.e, Input: ex.input, Pending: ex.pending}
}

func (t *token) record() TokenRecord { return TokenRecord{Exec: t.exec, State: t.state} }

// Restore loads what j holds into em, which must be empty, keeps j as em's journal,
// and resumes every execution that was running and not waiting: one whose task's
// function was being called (its result not journaled) calls it again with the
// same parameters and task token (Ferry's steps are idempotent), any other runs on
// from the state it was in. An execution waiting for a task token keeps waiting
// with its token valid, and waits keep their deadlines, which the next Tick
// checks.
func (em *Emulator) Restore(j Journal) error {
	em.journal = j
	snap, err := j.Load()
	if err != nil {
		return err
	}
	for _, rec := range snap.Machines {
		def, err := asl.Parse([]byte(rec.Definition), nil)
		if err != nil {
			return fmt.Errorf("restoring state machine %s: %w", rec.Name, err)
		}
		em.machines[rec.ARN] = &stateMachine{arn: rec.ARN, name: rec.Name, definition: rec.Definition, roleArn: rec.RoleArn,
			typ: rec.Type, created: rec.Created, machine: &asl.Machine{Def: def, ARN: rec.ARN, RoleARN: rec.RoleArn, Runtime: em.Runtime}}
	}
	var resume []*execution
	for _, rec := range snap.Executions {
		arn := rec.Execution.ARN
		sm, ok := em.machines[rec.Execution.StateMachineARN]
		if !ok {
			return fmt.Errorf("restoring execution %s: its state machine is gone", arn)
		}
		ex := &execution{sm: sm, e: rec.Execution, input: rec.Input, pending: rec.Pending}
		em.execs[arn] = ex
		em.order = append(em.order, arn)
		if ex.e.Status == asl.Running && ex.e.Wait == nil {
			resume = append(resume, ex)
		}
	}
	sortByStart(em)
	for tok, rec := range snap.Tokens {
		em.tokens[tok] = &token{exec: rec.Exec, state: rec.State}
	}
	for _, ex := range resume {
		em.advance(ex)
	}
	return nil
}

// sortByStart orders restored executions oldest first, as they were started.
func sortByStart(em *Emulator) {
	order := em.order
	for i := 1; i < len(order); i++ {
		for k := i; k > 0 && em.execs[order[k]].e.Start.Before(em.execs[order[k-1]].e.Start); k-- {
			order[k], order[k-1] = order[k-1], order[k]
		}
	}
}
