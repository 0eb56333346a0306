package policy

import (
	"strings"
	"testing"
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
	}{
		{"named approver", p, Identity{Subject: "ana"}, "ci-bot", ""},
		{"through a group", p, Identity{Subject: "bo", Groups: []string{"dev", "sre"}}, "ci-bot", ""},
		{"not an approver", p, Identity{Subject: "cy", Groups: []string{"dev"}}, "ci-bot", "cy is not an approver"},
		{"self-approval refused", p, Identity{Subject: "ana"}, "ana", "may not approve it"},
		{"self-approval allowed", self, Identity{Subject: "ana"}, "ana", ""},
		{"anonymous", p, Identity{}, "ci-bot", "must be signed in"},
		{"no approvers: nobody", Policy{}, Identity{Subject: "ana"}, "ci-bot", "not an approver"},
		{"group name is not a subject", Policy{Approvers: []string{"group:sre"}}, Identity{Subject: "sre"}, "x", "not an approver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.MayApprove(tt.who, tt.requester)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("MayApprove: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestQuorum(t *testing.T) {
	if (Policy{}).QuorumReached(0) || !(Policy{}).QuorumReached(1) {
		t.Error("default quorum is one approval")
	}
	p := Policy{MinApprovals: 2}
	if p.QuorumReached(1) || !p.QuorumReached(2) || !p.QuorumReached(3) {
		t.Error("quorum of two")
	}
}
