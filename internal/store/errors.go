package store

import (
	"errors"

	"github.com/ferrydev/ferry/internal/fault"
)

// ErrPlanStale is matched (errors.Is) by the error of a switch whose plan was made
// against a version the environment is no longer at. That error is also a
// *fault.Error with code conflict and a message that starts "plan stale".
var ErrPlanStale = errors.New("plan stale")

// codedError is a *fault.Error that also matches one of this package's sentinels:
// fault.ErrorCode and fault.ErrorMessage find the fault (errors.As), errors.Is the
// sentinel, and its text is the fault's.
type codedError struct {
	fault    *fault.Error
	sentinel error
}

func (e *codedError) Error() string { return e.fault.Error() }

// Unwrap gives both errors.As and errors.Is what they look for.
func (e *codedError) Unwrap() []error { return []error{e.fault, e.sentinel} }
