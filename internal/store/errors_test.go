package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestStaleErrorIsCodedAndMatchesErrPlanStale(t *testing.T) {
	err := fmt.Errorf("applying: %w", StaleError("prod", 4, 3))
	if !errors.Is(err, ErrPlanStale) {
		t.Errorf("errors.Is(%v, ErrPlanStale) = false", err)
	}
	if got := fault.ErrorCode(err); got != fault.Conflict {
		t.Errorf("code %q, want conflict", got)
	}
	want := `plan stale: environment "prod" is at version 4, the plan was made against version 3`
	if got := fault.ErrorMessage(err); got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got := err.Error(); got != "applying: conflict: "+want {
		t.Errorf("text %q", got)
	}
	if errors.Is(EndedError(&promotion.Promotion{ID: "p1", State: promotion.Cancelled}), ErrPlanStale) {
		t.Error("an ended promotion's conflict matches ErrPlanStale")
	}
}
