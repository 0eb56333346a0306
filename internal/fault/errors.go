// Package fault holds what every part of Ferry shares: the error type whose codes
// the HTTP API, the CLI and the state machine map to their own terms.
package fault

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP adapter owns the code → status table.
const (
	// Invalid: the request or input is malformed or breaks a rule.
	Invalid = "invalid"
	// NotFound: the thing asked for does not exist.
	NotFound = "not_found"
	// Conflict: the request collides with the current state (a lock, a stale plan).
	Conflict = "conflict"
	// Forbidden: the caller is known but may not do this.
	Forbidden = "forbidden"
	// Unauthorized: the caller is not known.
	Unauthorized = "unauthorized"
	// Gone: the thing existed but is over (a decided or expired approval).
	Gone = "gone"
	// Internal: anything else; details are logged, not shown.
	Internal = "internal"
)

// Error is a domain error: a code and a message fit to show the caller.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the message of the first *Error in err's chain, and
// "internal error" for any other error, so internals never reach a caller.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
