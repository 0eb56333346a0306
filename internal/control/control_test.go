package control

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

var ctx = context.Background()

// fakeSFN answers task calls with the errors a test sets.
type fakeSFN struct {
	StepFunctions
	SendTaskSuccessFn func(*sfn.SendTaskSuccessInput) error
}

func (f *fakeSFN) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return &sfn.SendTaskSuccessOutput{}, f.SendTaskSuccessFn(in)
}

var _ StepFunctions = (*fakeSFN)(nil)

func TestTaskAnswersThatComeTooLate(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  error
		code string
		says string
	}{
		{"task timed out", &smithy.GenericAPIError{Code: "TaskTimedOut"}, fault.Gone, "expired at 2026-11-01T11:00:00Z"},
		{"task gone", &smithy.GenericAPIError{Code: "TaskDoesNotExist"}, fault.Gone, "no longer waits for approval"},
		{"token unknown", &smithy.GenericAPIError{Code: "InvalidToken"}, fault.Gone, "no longer waits for approval"},
		{"service down", errors.New("connection refused"), fault.Internal, "internal error"},
		{"answered", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := boltstore.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			env := &environment.Environment{Name: "prod", Policy: policy.Policy{Approvers: []string{"ana"}}, CreatedAt: now}
			if err := st.CreateEnvironment(ctx, env); err != nil {
				t.Fatal(err)
			}
			expires := now.Add(time.Hour)
			p := &promotion.Promotion{ID: "p1", Target: "prod", RequestedBy: "ci", State: promotion.AwaitingApproval,
				PlanDigest: "sha256:ab", TaskToken: "secret", ApprovalExpiresAt: &expires, CreatedAt: now, UpdatedAt: now}
			snap := env.Policy.Snapshot()
			p.Snapshot = &snap
			if err := st.CreatePromotion(ctx, p); err != nil {
				t.Fatal(err)
			}
			var sent string
			s := &Service{Store: st, Now: func() time.Time { return now },
				SFN: &fakeSFN{SendTaskSuccessFn: func(in *sfn.SendTaskSuccessInput) error {
					sent = *in.TaskToken
					return tt.err
				}}}
			_, err = s.Decide(ctx, policy.Identity{Subject: "ana"}, "p1", promotion.Approve, DecisionRequest{PlanDigest: "sha256:ab"})
			if fault.ErrorCode(err) != tt.code || !strings.Contains(fault.ErrorMessage(err), tt.says) || sent != "secret" {
				t.Errorf("err = %v (sent %q), want %s saying %q", err, sent, tt.code, tt.says)
			}
		})
	}
}

// TestValidID: promotion ids are execution names AWS accepts on a state machine
// that logs: [A-Za-z0-9_-], 1 to 80 of them.
func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"prod-20261122-101500-3f9a1c": true,
		"Release_42":                  true,
		strings.Repeat("a", 80):       true,
		strings.Repeat("a", 81):       false,
		"":                            false,
		"v1.2.3":                      false,
		"a:b":                         false,
		"a/b":                         false,
		"a b":                         false,
		"ünï":                         false,
	} {
		if validID.MatchString(id) != want {
			t.Errorf("validID(%q) = %v, want %v", id, !want, want)
		}
	}
}

func TestNewID(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)
	tests := []struct{ name, env, prefix string }{
		{"plain", "prod", "prod-20261122-101500-"},
		{"separators", "team/a:b", "team-a-b-20261122-101500-"},
		{"dots", "eu.prod.v2", "eu-prod-v2-20261122-101500-"},
		{"long", strings.Repeat("e", 63), strings.Repeat("e", 50) + "-20261122-101500-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := NewID(tt.env, now)
			if !strings.HasPrefix(id, tt.prefix) || !validID.MatchString(id) || id == NewID(tt.env, now) {
				t.Errorf("NewID(%q) = %q", tt.env, id)
			}
		})
	}
}
