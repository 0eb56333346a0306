package policy

import (
	"strings"
	"testing"
	"time"
)

func TestMayApprove(t *testing.T) {
	p := Policy{Approvers: []string{"ana", "group:sre"}}
	self := p
	self.AllowSelfApproval = true
	tests := []struct {
		name      string
		p         Policy
		who       Identity
		requester string
		want      string // "" when allowed
		entry     string
	}{
		{"named approver", p, Identity{Subject: "ana"}, "ci-bot", "", "ana"},
		{"through a group", p, Identity{Subject: "bo", Groups: []string{"dev", "sre"}}, "ci-bot", "", "group:sre"},
		{"not an approver", p, Identity{Subject: "cy", Groups: []string{"dev"}}, "ci-bot", "cy is not an approver", ""},
		{"self-approval refused", p, Identity{Subject: "ana"}, "ana", "may not approve it", ""},
		{"self-approval allowed", self, Identity{Subject: "ana"}, "ana", "", "ana"},
		{"anonymous", p, Identity{}, "ci-bot", "must be signed in", ""},
		{"no approvers: nobody", Policy{}, Identity{Subject: "ana"}, "ci-bot", "not an approver", ""},
		{"group name is not a subject", Policy{Approvers: []string{"group:sre"}}, Identity{Subject: "sre"}, "x", "not an approver", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry, err := tt.p.Snapshot().MayApprove(tt.who, tt.requester)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) || entry != tt.entry {
				t.Fatalf("MayApprove: %q, %v; want %q, %q", entry, err, tt.entry, tt.want)
			}
		})
	}
}

func TestAdmits(t *testing.T) {
	s := Policy{Approvers: []string{"ana", "group:sre"}}.Snapshot()
	tests := []struct {
		identity, entry, requester string
		want                       bool
	}{
		{"ana", "ana", "ci", true},
		{"ana", "", "ci", true},
		{"bo", "group:sre", "ci", true},
		{"bo", "bo", "ci", false},        // not named
		{"bo", "ana", "ci", false},       // an entry naming someone else
		{"bo", "group:dev", "ci", false}, // a group the snapshot does not name
		{"ana", "ana", "ana", false},     // self-approval
		{"", "", "ci", false},
	}
	for _, tt := range tests {
		if got := s.Admits(tt.identity, tt.entry, tt.requester); got != tt.want {
			t.Errorf("Admits(%q, %q, %q) = %t", tt.identity, tt.entry, tt.requester, got)
		}
	}
	s.AllowSelfApproval = true
	if !s.Admits("ana", "ana", "ana") {
		t.Error("self-approval allowed by the snapshot")
	}
}

func TestSnapshotHasTheDefaults(t *testing.T) {
	s := Policy{RequiredChecks: []string{"ci"}}.Snapshot()
	if s.Approval != Always || s.MinApprovals != 1 || s.ApprovalTimeout.D() != 24*time.Hour || s.HoldMarker != DefaultHoldMarker ||
		s.Approvers == nil || len(s.RequiredChecks) != 1 {
		t.Errorf("snapshot %+v", s)
	}
	p := Policy{Approvers: []string{"ana"}}
	s = p.Snapshot()
	p.Approvers[0] = "mallory"
	if s.Approvers[0] != "ana" {
		t.Error("the snapshot shares the policy's approvers")
	}
}
