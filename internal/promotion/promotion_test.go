package promotion

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTaskTokenNeverInJSON: the JSON form, which the API and the page use, never
// carries the Step Functions task token.
func TestTaskTokenNeverInJSON(t *testing.T) {
	p := Promotion{ID: "p1", State: AwaitingApproval, TaskToken: "AAAA-secret-token"}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret-token") || strings.Contains(strings.ToLower(string(b)), "token") {
		t.Errorf("promotion JSON carries the task token: %s", b)
	}
}

func TestStatesAndCounts(t *testing.T) {
	final := map[State]bool{Planning: false, AwaitingApproval: false, Applying: false, Verifying: false,
		Succeeded: true, NoChanges: true, Rejected: true, Expired: true, Cancelled: true, RolledBack: true, Failed: true}
	for s, want := range final {
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, !want)
		}
	}
	p := Promotion{Approvals: []Approval{{Identity: "a", Decision: Approve}, {Identity: "b", Decision: Reject}, {Identity: "c", Decision: Approve}}}
	if p.ApprovalCount() != 2 {
		t.Errorf("ApprovalCount = %d, want 2", p.ApprovalCount())
	}
}

func TestDecisionEvent(t *testing.T) {
	if Approve.Event() != EventApproved || Reject.Event() != EventRejected {
		t.Errorf("decision events: approve %q, reject %q", Approve.Event(), Reject.Event())
	}
	if EventApproved != "approved" || EventRejected != "rejected" {
		t.Error("the stored event type values changed")
	}
}
