package pipeline

import (
	"encoding/json"

	"github.com/ferrydev/ferry/internal/promotion"
)

// Input is what the state machine passes to a step: the promotion id and, for
// Rollback and Finalize, the whole execution state (unknown fields are ignored).
type Input struct {
	PromotionID string `json:"promotion_id"`
	// TaskToken is the approval step's token ($$.Task.Token).
	TaskToken string `json:"task_token,omitempty"`
	// Outcome is the final state Finalize records.
	Outcome promotion.State `json:"outcome,omitempty"`
	// Error is what a Catch caught; RollbackError what the rollback's Catch caught.
	Error         *CaughtError `json:"error,omitempty"`
	RollbackError *CaughtError `json:"rollback_error,omitempty"`
}

// CaughtError is a Step Functions error as a Catch with a ResultPath puts it.
type CaughtError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Message returns the caught error's message: Lambda's errorMessage when the cause
// is a Lambda error, else the cause itself.
func (c *CaughtError) Message() string {
	var lambdaErr struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(c.Cause), &lambdaErr) == nil && lambdaErr.Message != "" {
		return c.Error + ": " + lambdaErr.Message
	}
	if c.Cause == "" {
		return c.Error
	}
	return c.Error + ": " + c.Cause
}
