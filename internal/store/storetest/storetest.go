// Package storetest is the conformance suite every store.Store implementation
// passes: the same tests, run against the embedded store and against DynamoDB Local.
// Files follow the aggregates, as in the stores; concurrency.go holds the races
// and bench.go the benchmark.
package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// NewStore returns an empty store for one test; the suite closes it.
type NewStore func(tb testing.TB) store.Store

// t0 is the suite's "now".
var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// Run runs the whole suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Environments", testEnvironments},
		{"SaveEnvironmentRevision", testSaveEnvironmentRevision},
		{"SaveEnvironmentFields", testSaveEnvironmentFields},
		{"ExpiredEnvironments", testExpiredEnvironments},
		{"Lock", testLock},
		{"Switch", testSwitch},
		{"SwitchIsAtomic", testSwitchIsAtomic},
		{"History", testHistory},
		{"Releases", testReleases},
		{"Plans", testPlans},
		{"Promotions", testPromotions},
		{"Decisions", testDecisions},
		{"ListPromotions", testListPromotions},
		{"PendingApprovals", testPendingApprovals},
		{"ConcurrentSwitch", testConcurrentSwitch},
		{"ConcurrentLock", testConcurrentLock},
		{"ConcurrentDecisions", testConcurrentDecisions},
		{"Closure", testClosure},
		{"DecisionRace", testDecisionRace},
		{"QuorumRace", testQuorumRace},
		{"LargeRelease", testLargeRelease},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

// wantCode fails tb unless err has the fault code want and, when given, mentions
// every one of texts.
func wantCode(tb testing.TB, err error, want string, texts ...string) {
	tb.Helper()
	if got := fault.ErrorCode(err); got != want {
		tb.Fatalf("error %v: code %q, want %q", err, got, want)
	}
	for _, s := range texts {
		if !strings.Contains(err.Error(), s) {
			tb.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func newEnv(tb testing.TB, s store.Store, name string) *environment.Environment {
	tb.Helper()
	env := &environment.Environment{Name: name, Policy: policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana", "bo", "cy"}},
		CreatedAt: t0, UpdatedAt: t0}
	must(tb, s.CreateEnvironment(ctx, env))
	return env
}

func newPromotion(tb testing.TB, s store.Store, id, env string, state promotion.State, created time.Time) *promotion.Promotion {
	tb.Helper()
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: "sha256:r", RequestedBy: "ci-bot", Via: promotion.ViaCI,
		State: state, CreatedAt: created, UpdatedAt: created, TaskToken: "token-" + id}
	must(tb, s.CreatePromotion(ctx, p))
	return p
}

// newRelease stores a small release and returns it.
func newRelease(tb testing.TB, s store.Store, label string) *release.Release {
	tb.Helper()
	r := &release.Release{Name: label, Nodes: []release.Node{{Name: "orders", Kind: "model", Spec: []byte(`{"v":"` + label + `"}`)}}}
	must(tb, release.Validate(label, r, nil))
	must(tb, s.PutRelease(ctx, r))
	return r
}

func switchReq(env string, base int64, releaseID, promo string) store.SwitchRequest {
	return store.SwitchRequest{Environment: env, BaseVersion: base, ReleaseID: releaseID, PromotionID: promo,
		Nodes: []environment.NodeRef{{Name: "orders", Fingerprint: "sha256:f", BuiltIn: env}},
		State: promotion.Verifying, Kind: environment.Promote, By: "ana", At: t0.Add(time.Duration(base+1) * time.Minute)}
}
