package pipeline

import (
	"context"
	"errors"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/store"
)

// The errors below end a step. aws-lambda-go reports a returned error by its Go
// type name, and the state machine's Retry and Catch match those names, so steps
// return these types themselves, never wrapped. Only Transient is retried.

// PlanStale: the environment moved on since the plan was made.
type PlanStale struct{ Msg string }

// EnvironmentLocked: another promotion holds the environment.
type EnvironmentLocked struct{ Msg string }

// EnvironmentFrozen: the environment refuses promotions until its freeze ends.
type EnvironmentFrozen struct{ Msg string }

// ChecksFailed: required release checks are missing or did not pass.
type ChecksFailed struct{ Msg string }

// SoakNotMet: the release has not been live upstream long enough.
type SoakNotMet struct{ Msg string }

// DeployHookFailed: the environment's deploy hook refused or did not answer.
type DeployHookFailed struct{ Msg string }

// NotApproved: a step that changes the environment found no authorization for it
// in the store: the gate was not automatic under the promotion's snapshot, and
// the approvals recorded for the current plan digest by eligible approvers do not
// meet its min_approvals, or a rejection is recorded. Terminal: the promotion has
// ended FAILED, with nothing applied, by the time a step returns it.
type NotApproved struct{ Msg string }

// StepFailed: any other terminal failure (bad input, missing records).
type StepFailed struct{ Msg string }

// Transient: an infrastructure failure worth retrying (store unreachable, throttled).
type Transient struct{ Msg string }

func (e *PlanStale) Error() string         { return e.Msg }
func (e *EnvironmentLocked) Error() string { return e.Msg }
func (e *EnvironmentFrozen) Error() string { return e.Msg }
func (e *ChecksFailed) Error() string      { return e.Msg }
func (e *SoakNotMet) Error() string        { return e.Msg }
func (e *DeployHookFailed) Error() string  { return e.Msg }
func (e *NotApproved) Error() string       { return e.Msg }
func (e *StepFailed) Error() string        { return e.Msg }
func (e *Transient) Error() string         { return e.Msg }

// RejectedError is the error a reviewer's rejection sends the approval step's task
// (SendTaskFailure); the state machine catches it by this name.
const RejectedError = "Rejected"

// ErrorNames lists the error names steps can report, for checking the state machine.
func ErrorNames() []string {
	var names []string
	for _, e := range []error{&PlanStale{}, &EnvironmentLocked{}, &EnvironmentFrozen{}, &ChecksFailed{},
		&SoakNotMet{}, &DeployHookFailed{}, &NotApproved{}, &StepFailed{}, &Transient{}} {
		names = append(names, lambdaerr.Name(e))
	}
	return names
}

// classify turns any error into one the state machine understands: the step
// errors stay as they are; a stale plan becomes PlanStale; other domain errors are
// terminal (StepFailed); anything else is Transient.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var (
		stale  *PlanStale
		locked *EnvironmentLocked
		frozen *EnvironmentFrozen
		checks *ChecksFailed
		soak   *SoakNotMet
		hook   *DeployHookFailed
		denied *NotApproved
		failed *StepFailed
		trans  *Transient
	)
	switch {
	case errors.As(err, &stale):
		return stale
	case errors.As(err, &locked):
		return locked
	case errors.As(err, &frozen):
		return frozen
	case errors.As(err, &checks):
		return checks
	case errors.As(err, &soak):
		return soak
	case errors.As(err, &hook):
		return hook
	case errors.As(err, &denied):
		return denied
	case errors.As(err, &failed):
		return failed
	case errors.As(err, &trans):
		return trans
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &Transient{Msg: err.Error()}
	}
	switch {
	case errors.Is(err, store.ErrPlanStale):
		return &PlanStale{Msg: fault.ErrorMessage(err)}
	case fault.ErrorCode(err) == fault.Internal:
		return &Transient{Msg: err.Error()}
	}
	return &StepFailed{Msg: fault.ErrorMessage(err)}
}
