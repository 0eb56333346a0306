package store

import (
	"errors"
	"testing"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestSwitchRequestCheck(t *testing.T) {
	req := SwitchRequest{Environment: "prod", BaseVersion: 3, PromotionID: "p1"}
	tests := []struct {
		name   string
		env    environment.Environment
		replay bool
		stale  bool
	}{
		{"at the base", environment.Environment{Version: 3}, false, false},
		{"where this switch left it", environment.Environment{Version: 4, Current: &environment.Deployment{PromotionID: "p1"}}, true, false},
		{"moved on by another promotion", environment.Environment{Version: 4, Current: &environment.Deployment{PromotionID: "p2"}}, false, true},
		{"two versions on", environment.Environment{Version: 5, Current: &environment.Deployment{PromotionID: "p1"}}, false, true},
		{"behind", environment.Environment{Version: 2}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replay, err := req.Check(&tt.env)
			if replay != tt.replay || errors.Is(err, ErrPlanStale) != tt.stale || (err != nil) != tt.stale {
				t.Errorf("Check = %t, %v; want replay %t, stale %t", replay, err, tt.replay, tt.stale)
			}
		})
	}
}

func TestCheckSwitchable(t *testing.T) {
	for _, st := range promotion.EndStates {
		if CheckSwitchable(&promotion.Promotion{ID: "p1", State: st}) == nil {
			t.Errorf("a %s promotion may switch", st)
		}
	}
	if err := CheckSwitchable(&promotion.Promotion{ID: "p1", State: promotion.Applying}); err != nil {
		t.Errorf("an applying promotion may not switch: %v", err)
	}
}
