package store

import (
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestCheckDecision(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	ana := promotion.Approval{Identity: "ana", Decision: promotion.Approve, At: at}
	waiting := &promotion.Promotion{ID: "p1", State: promotion.AwaitingApproval, Approvals: []promotion.Approval{ana}}
	if err := CheckDecision(waiting, promotion.Approval{Identity: "bo"}); err != nil {
		t.Errorf("a first decision: %v", err)
	}
	err := CheckDecision(waiting, ana)
	if fault.ErrorCode(err) != fault.Conflict || fault.ErrorMessage(err) != "ana already decided on promotion p1: approve at 2026-11-01T10:00:00Z" {
		t.Errorf("a second decision: %v", err)
	}
	done := &promotion.Promotion{ID: "p1", State: promotion.Applying, UpdatedAt: at}
	if err := CheckDecision(done, ana); fault.ErrorCode(err) != fault.Gone {
		t.Errorf("a decision on an applying promotion: %v", err)
	}
}

func TestSavedPromotionKeepsDecisionsAndDropsEvents(t *testing.T) {
	cur := &promotion.Promotion{ID: "p1", Revision: 2, Approvals: []promotion.Approval{{Identity: "ana"}}}
	p := &promotion.Promotion{ID: "p1", Revision: 2, State: promotion.Applying, Events: []promotion.Event{{Type: "x"}}}
	next, err := SavedPromotion(cur, p)
	if err != nil {
		t.Fatal(err)
	}
	if next.Revision != 3 || next.State != promotion.Applying || len(next.Approvals) != 1 || next.Events != nil {
		t.Errorf("saved %+v", next)
	}
	if _, err := SavedPromotion(cur, &promotion.Promotion{ID: "p1", Revision: 1}); fault.ErrorCode(err) != fault.Conflict {
		t.Errorf("a stale save: %v", err)
	}
}
