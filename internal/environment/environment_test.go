package environment

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

func TestValidate(t *testing.T) {
	exp := time.Now()
	tests := []struct {
		name string
		env  Environment
		want string
	}{
		{"plain", Environment{Name: "prod"}, ""},
		{"ephemeral", Environment{Name: "pr-123", Ephemeral: true, ExpiresAt: &exp}, ""},
		{"HTML in the name", Environment{Name: "<img src=x>"}, "not a valid environment name"},
		{"empty name", Environment{}, "not a valid environment name"},
		{"too long", Environment{Name: strings.Repeat("a", 64)}, "not a valid environment name"},
		{"ephemeral without expiry", Environment{Name: "pr-1", Ephemeral: true}, "expires_at"},
		{"bad policy", Environment{Name: "prod", Policy: policy.Policy{Approval: "often"}}, "policy: approval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.env.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate error %v, want %q", err, tt.want)
			}
			if err != nil && fault.ErrorCode(err) != fault.Invalid {
				t.Errorf("Validate error %v: code %q, want invalid", err, fault.ErrorCode(err))
			}
		})
	}
}

func TestLockAndFreezeTime(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	var none *Lock
	if none.Held(now) || (&Lock{Expires: now}).Held(now) || !(&Lock{Expires: now.Add(time.Second)}).Held(now) {
		t.Error("Lock.Held: a lease holds strictly before it expires")
	}
	var noFreeze *Freeze
	if noFreeze.Active(now) || (&Freeze{Until: now}).Active(now) || !(&Freeze{Until: now.Add(time.Minute)}).Active(now) {
		t.Error("Freeze.Active: a freeze holds strictly before its end")
	}
}

func TestRecordKeepsTheLatestChanges(t *testing.T) {
	var e Environment
	for i := range MaxChanges + 5 {
		e.Record(Change{By: "ana", What: fmt.Sprint(i)})
	}
	if len(e.Changes) != MaxChanges || e.Changes[0].What != "5" || e.Changes[MaxChanges-1].What != fmt.Sprint(MaxChanges+4) {
		t.Errorf("%d changes, from %s to %s", len(e.Changes), e.Changes[0].What, e.Changes[len(e.Changes)-1].What)
	}
}
