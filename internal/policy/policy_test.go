package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
)

func TestValidate(t *testing.T) {
	f := false
	tests := []struct {
		name string
		p    Policy
		want string // "" for valid
	}{
		{"zero value", Policy{}, ""},
		{"full", Policy{Approval: Breaking, Approvers: []string{"ana", "bo"}, MinApprovals: 2, Upstream: "staging",
			Soak: Duration(time.Hour), AutoRollback: &f,
			Smoke:      []SmokeCheck{{Name: "health", URL: "https://app.example/health", ExpectStatus: 200}},
			DeployHook: &Hook{URL: "https://hooks.example/deploy", SecretRef: "ssm:/ferry/hook"},
			Notify:     []Webhook{{URL: "https://hooks.slack.example/T1"}}}, ""},
		{"unknown approval", Policy{Approval: "maybe"}, `approval: "maybe"`},
		{"more approvals than approvers", Policy{Approvers: []string{"ana"}, MinApprovals: 2}, "min_approvals: 2, but only 1"},
		{"groups may hold many", Policy{Approvers: []string{"group:sre"}, MinApprovals: 3}, ""},
		{"negative soak", Policy{Upstream: "staging", Soak: Duration(-time.Hour)}, "soak: -1h0m0s is negative"},
		{"soak without upstream", Policy{Soak: Duration(time.Hour)}, "soak: needs an upstream"},
		{"smoke without name", Policy{Smoke: []SmokeCheck{{URL: "https://x.example"}}}, "smoke[0].name"},
		{"smoke with relative URL", Policy{Smoke: []SmokeCheck{{Name: "h", URL: "/health"}}}, "smoke[0].url"},
		{"hook over http", Policy{DeployHook: &Hook{URL: "http://hooks.example", SecretRef: "s"}}, "must use https"},
		{"hook over http to loopback", Policy{DeployHook: &Hook{URL: "http://127.0.0.1:9/x", SecretRef: "s"}}, ""},
		{"hook without secret", Policy{DeployHook: &Hook{URL: "https://hooks.example"}}, "deploy_hook.secret_ref"},
		{"notify with bad URL", Policy{Notify: []Webhook{{URL: "javascript:alert(1)"}}}, "notify[0].url"},
		{"notify by secret references", Policy{Notify: []Webhook{{URL: "ssm:/ferry/slack-url"}, {URL: "secretsmanager:ferry/chat"}, {URL: "env:SLACK_URL"}}}, ""},
		{"notify by a relative ssm: name", Policy{Notify: []Webhook{{URL: "ssm:ferry/slack-url"}}}, "notify[0].url"},
		{"notify by an unknown kind", Policy{Notify: []Webhook{{URL: "vault:ferry/slack-url"}}}, "notify[0].url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate error %v, want it to mention %q", err, tt.want)
			}
			if fault.ErrorCode(err) != fault.Invalid || !strings.Contains(fault.ErrorMessage(err), tt.want) {
				t.Errorf("Validate error %v: code %q, want invalid", err, fault.ErrorCode(err))
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	p := Policy{}.WithDefaults()
	if p.Approval != Always || p.MinApprovals != 1 || p.ApprovalTimeout.D() != 24*time.Hour ||
		p.HoldMarker != "[HOLD]" || p.TTL.D() != 7*24*time.Hour || !p.RollsBack() || p.AllowSelfApproval {
		t.Errorf("defaults: %+v", p)
	}
	f := false
	if (Policy{AutoRollback: &f}).RollsBack() {
		t.Error("auto_rollback: false still rolls back")
	}
}

func TestDurationJSON(t *testing.T) {
	var p Policy
	if err := json.Unmarshal([]byte(`{"approval_timeout":"90m","soak":"2h"}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.ApprovalTimeout.D() != 90*time.Minute || p.Soak.D() != 2*time.Hour {
		t.Errorf("durations %v %v", p.ApprovalTimeout, p.Soak)
	}
	out, _ := json.Marshal(Policy{ApprovalTimeout: Duration(90 * time.Minute)})
	if !strings.Contains(string(out), `"approval_timeout":"1h30m0s"`) {
		t.Errorf("marshalled %s", out)
	}
	if err := json.Unmarshal([]byte(`{"soak":3600}`), &p); err == nil || !strings.Contains(err.Error(), `such as "24h"`) {
		t.Errorf("a number for a duration: %v", err)
	}
}

func TestDiff(t *testing.T) {
	old := Policy{Approval: Always, Approvers: []string{"ana"}}
	cur := Policy{Approval: Always, Approvers: []string{"ana", "bo"}, MinApprovals: 2, ApprovalTimeout: Duration(time.Hour)}
	got := Diff(old, cur)
	want := []string{`approval_timeout: unset → "1h0m0s"`, `approvers: ["ana"] → ["ana","bo"]`, `min_approvals: unset → 2`}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
	if d := Diff(cur, cur); len(d) != 0 {
		t.Errorf("Diff of a policy with itself = %q", d)
	}
	long := Policy{Approvers: []string{strings.Repeat("a", 200)}}
	if d := Diff(Policy{}, long); len(d) != 1 || !strings.HasSuffix(d[0], "…") || len(d[0]) > 160 {
		t.Errorf("a long value: %q", d)
	}
}
