package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

// TestCopySettingsDecidesEveryField: every field of an Environment is either a
// setting, which a save writes, or kept as stored; a new field fails here until
// it is decided.
func TestCopySettingsDecidesEveryField(t *testing.T) {
	settings := map[string]bool{"Policy": true, "Ephemeral": true, "ExpiresAt": true, "Freeze": true, "Changes": true, "UpdatedAt": true}
	kept := map[string]bool{"Name": true, "CreatedAt": true, "Version": true, "Current": true, "Lock": true, "Revision": true}
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	src := &environment.Environment{Name: "prod", Policy: policy.Policy{Approval: policy.Never}, Ephemeral: true, ExpiresAt: &now,
		Version: 3, Current: &environment.Deployment{Version: 3}, Lock: &environment.Lock{Holder: "p1"},
		Freeze: &environment.Freeze{Reason: "audit"}, Changes: []environment.Change{{What: "frozen"}},
		CreatedAt: now, UpdatedAt: now, Revision: 9}
	dst := &environment.Environment{}
	CopySettings(dst, src)
	got, from := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := range got.NumField() {
		name := got.Type().Field(i).Name
		if from.Field(i).IsZero() {
			t.Fatalf("the test's source leaves %s unset", name)
		}
		switch {
		case settings[name]:
			if !reflect.DeepEqual(got.Field(i).Interface(), from.Field(i).Interface()) {
				t.Errorf("setting %s was not copied", name)
			}
		case kept[name]:
			if !got.Field(i).IsZero() {
				t.Errorf("%s was copied: a save must keep it as stored", name)
			}
		default:
			t.Errorf("field %s: decide whether SaveEnvironment writes it (CopySettings) or keeps it", name)
		}
	}
}

func TestSavedEnvironment(t *testing.T) {
	cur := &environment.Environment{Name: "prod", Version: 2, Revision: 5}
	next, err := SavedEnvironment(cur, &environment.Environment{Name: "prod", Version: 9, Freeze: &environment.Freeze{Reason: "x"}, Revision: 5})
	if err != nil {
		t.Fatal(err)
	}
	if next.Revision != 6 || next.Version != 2 || next.Freeze == nil || cur.Freeze != nil {
		t.Errorf("saved %+v over %+v", next, cur)
	}
	_, err = SavedEnvironment(cur, &environment.Environment{Name: "prod", Revision: 4})
	if fault.ErrorCode(err) != fault.Conflict || fault.ErrorMessage(err) != `environment "prod" changed since it was read (revision 5, not 4)` {
		t.Errorf("a stale save: %v", err)
	}
}

func TestValidateEnvironmentKeepsTheStoresWording(t *testing.T) {
	tests := []struct {
		env  environment.Environment
		want string
	}{
		{environment.Environment{Name: "<b>"}, `environment: name: "<b>" is not a valid environment name: use 1 to 63 characters from A-Z a-z 0-9 _ . : / -`},
		{environment.Environment{Name: "prod", Policy: policy.Policy{Approval: "often"}}, `environment: policy: approval: "often" is not always, breaking or never`},
	}
	for _, tt := range tests {
		err := ValidateEnvironment(&tt.env)
		if fault.ErrorCode(err) != fault.Invalid || fault.ErrorMessage(err) != tt.want || err.Error() != "invalid: "+tt.want {
			t.Errorf("ValidateEnvironment: %v (code %s), want %q", err, fault.ErrorCode(err), tt.want)
		}
	}
	if err := ValidateEnvironment(&environment.Environment{Name: "prod"}); err != nil {
		t.Errorf("a valid environment: %v", err)
	}
}
