// Package storetest is the conformance suite every store.Store implementation
// passes: the same tests, run against the embedded store and against DynamoDB Local.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
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

func testEnvironments(t *testing.T, s store.Store) {
	env := newEnv(t, s, "prod")
	if env.Revision != 1 {
		t.Errorf("revision after create %d, want 1", env.Revision)
	}
	wantCode(t, s.CreateEnvironment(ctx, &environment.Environment{Name: "prod", CreatedAt: t0}), fault.Conflict, "already exists")
	wantCode(t, s.CreateEnvironment(ctx, &environment.Environment{Name: "<b>bad</b>", CreatedAt: t0}), fault.Invalid, "not a valid environment name")
	got, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if got.Name != "prod" || got.Policy.Approval != policy.Breaking || !slices.Equal(got.Policy.Approvers, []string{"ana", "bo", "cy"}) || !got.CreatedAt.Equal(t0) {
		t.Errorf("got %+v", got)
	}
	_, err = s.GetEnvironment(ctx, "nope")
	wantCode(t, err, fault.NotFound, "nope")

	newEnv(t, s, "dev")
	newEnv(t, s, "staging")
	all, err := s.ListEnvironments(ctx)
	must(t, err)
	var names []string
	for _, e := range all {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, []string{"dev", "prod", "staging"}) {
		t.Errorf("ListEnvironments: %v", names)
	}

	r := newRelease(t, s, "v1")
	newPromotion(t, s, "p1", "dev", promotion.Applying, t0)
	_, err = s.Switch(ctx, switchReq("dev", 0, r.ID(), "p1"))
	must(t, err)
	_, err = s.AcquireLock(ctx, "dev", "p1", t0, time.Hour)
	must(t, err)
	wantCode(t, s.DeleteEnvironment(ctx, "dev", t0), fault.Conflict, "locked")
	must(t, s.DeleteEnvironment(ctx, "dev", t0.Add(2*time.Hour))) // the lease ran out
	_, err = s.GetEnvironment(ctx, "dev")
	wantCode(t, err, fault.NotFound)
	entries, _, err := s.History(ctx, "dev", store.Page{})
	must(t, err)
	if len(entries) != 0 {
		t.Errorf("history survived deletion: %v", entries)
	}
	if _, err := s.GetPromotion(ctx, "p1"); err != nil {
		t.Errorf("deleting the environment deleted its promotion: %v", err)
	}
	wantCode(t, s.DeleteEnvironment(ctx, "dev", t0), fault.NotFound)
}

func testSaveEnvironmentRevision(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	a, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	b, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	a.Policy.MinApprovals = 2
	a.Freeze = &environment.Freeze{Owner: "ana", Reason: "quarter close", Until: t0.Add(time.Hour)}
	a.Record(environment.Change{At: t0, By: "ana", What: "frozen"})
	must(t, s.SaveEnvironment(ctx, a))
	if a.Revision != 2 {
		t.Errorf("revision after save %d, want 2", a.Revision)
	}
	b.Policy.MinApprovals = 3
	wantCode(t, s.SaveEnvironment(ctx, b), fault.Conflict, "changed since it was read")
	got, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if got.Policy.MinApprovals != 2 || got.Freeze == nil || got.Freeze.Reason != "quarter close" ||
		len(got.Changes) != 1 || got.Changes[0].What != "frozen" || got.Changes[0].By != "ana" {
		t.Errorf("saved environment %+v", got)
	}
	a.Policy.Approval = "sometimes"
	wantCode(t, s.SaveEnvironment(ctx, a), fault.Invalid, "approval")
	wantCode(t, s.SaveEnvironment(ctx, &environment.Environment{Name: "ghost", Revision: 1}), fault.NotFound)

	// A lock taken in between makes a stale save fail rather than drop the lock.
	c, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	_, err = s.AcquireLock(ctx, "prod", "p9", t0, time.Hour)
	must(t, err)
	wantCode(t, s.SaveEnvironment(ctx, c), fault.Conflict)
}

func testExpiredEnvironments(t *testing.T, s store.Store) {
	for i, name := range []string{"pr-1", "pr-2", "pr-3"} {
		exp := t0.Add(time.Duration(i-1) * time.Hour) // -1h, now, +1h
		must(t, s.CreateEnvironment(ctx, &environment.Environment{Name: name, Ephemeral: true, ExpiresAt: &exp, CreatedAt: t0}))
	}
	newEnv(t, s, "prod")
	got, err := s.ExpiredEnvironments(ctx, t0)
	must(t, err)
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, []string{"pr-1", "pr-2"}) {
		t.Errorf("expired at t0: %v, want pr-1, pr-2", names)
	}
	// Extending moves an environment out of the expired set.
	env, err := s.GetEnvironment(ctx, "pr-1")
	must(t, err)
	later := t0.Add(48 * time.Hour)
	env.ExpiresAt = &later
	must(t, s.SaveEnvironment(ctx, env))
	got, err = s.ExpiredEnvironments(ctx, t0)
	must(t, err)
	if len(got) != 1 || got[0].Name != "pr-2" {
		t.Errorf("after extending pr-1: %v", got)
	}
}

func testLock(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	newPromotion(t, s, "p1", "prod", promotion.AwaitingApproval, t0)
	lock, err := s.AcquireLock(ctx, "prod", "p1", t0, 10*time.Minute)
	must(t, err)
	if lock.Holder != "p1" || !lock.Since.Equal(t0) || !lock.Expires.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("lock %+v", lock)
	}
	_, err = s.AcquireLock(ctx, "prod", "p2", t0.Add(time.Minute), 10*time.Minute)
	wantCode(t, err, fault.Conflict, "p1", "AWAITING_APPROVAL", "2026-11-01T10:00:00Z")

	renewed, err := s.AcquireLock(ctx, "prod", "p1", t0.Add(5*time.Minute), 10*time.Minute)
	must(t, err)
	if !renewed.Since.Equal(t0) || !renewed.Expires.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("renewed lock %+v: since must stay, expiry move", renewed)
	}
	must(t, s.ReleaseLock(ctx, "prod", "p2")) // not the holder: nothing happens
	_, err = s.AcquireLock(ctx, "prod", "p2", t0.Add(6*time.Minute), 10*time.Minute)
	wantCode(t, err, fault.Conflict)

	taken, err := s.AcquireLock(ctx, "prod", "p2", t0.Add(16*time.Minute), 10*time.Minute) // the lease ran out
	must(t, err)
	if taken.Holder != "p2" {
		t.Errorf("expired lock not taken over: %+v", taken)
	}
	must(t, s.ReleaseLock(ctx, "prod", "p2"))
	must(t, s.ReleaseLock(ctx, "prod", "p2")) // again: a retry is harmless
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if env.Lock != nil {
		t.Errorf("lock still held after release: %+v", env.Lock)
	}
	_, err = s.AcquireLock(ctx, "ghost", "p1", t0, time.Minute)
	wantCode(t, err, fault.NotFound)
}

func testSwitch(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	r1 := newRelease(t, s, "v1")
	p := newPromotion(t, s, "p1", "prod", promotion.Applying, t0)

	req := switchReq("prod", 0, r1.ID(), "p1")
	req.Reason = "first deploy"
	entry, err := s.Switch(ctx, req)
	must(t, err)
	if entry.Version != 1 || entry.ReleaseID != r1.ID() || entry.PromotionID != "p1" || entry.Kind != environment.Promote || entry.Reason != "first deploy" {
		t.Errorf("entry %+v", entry)
	}
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if env.Version != 1 || env.Current == nil || env.Current.ReleaseID != r1.ID() || env.Current.PromotionID != "p1" {
		t.Errorf("environment after switch: version %d, current %+v", env.Version, env.Current)
	}
	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if got.State != promotion.Verifying || got.Revision <= p.Revision {
		t.Errorf("promotion after switch: %s, revision %d", got.State, got.Revision)
	}
	refs, err := s.Deployment(ctx, "prod", 1)
	must(t, err)
	if len(refs) != 1 || refs[0] != (environment.NodeRef{Name: "orders", Fingerprint: "sha256:f", BuiltIn: "prod"}) {
		t.Errorf("deployment %+v", refs)
	}
	again, err := s.Switch(ctx, req) // a retry of the same step
	must(t, err)
	if *again != *entry {
		t.Errorf("retried switch gave %+v, want %+v", again, entry)
	}

	r2 := newRelease(t, s, "v2")
	newPromotion(t, s, "p2", "prod", promotion.Applying, t0)
	_, err = s.Switch(ctx, switchReq("prod", 0, r2.ID(), "p2"))
	wantCode(t, err, fault.Conflict, "plan stale", "version 1", "against version 0")

	_, err = s.Switch(ctx, switchReq("prod", 1, "sha256:never-stored", "p2"))
	wantCode(t, err, fault.Invalid, "not stored")
	_, err = s.Switch(ctx, switchReq("ghost", 0, r2.ID(), "p2"))
	wantCode(t, err, fault.NotFound)
	_, err = s.Switch(ctx, store.SwitchRequest{Environment: "prod"})
	wantCode(t, err, fault.Invalid)
	_, err = s.Deployment(ctx, "prod", 7)
	wantCode(t, err, fault.NotFound)
}

// testSwitchIsAtomic: a switch that cannot update the promotion changes nothing:
// the promotion is missing, or has ended.
func testSwitchIsAtomic(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	r := newRelease(t, s, "v1")
	_, err := s.Switch(ctx, switchReq("prod", 0, r.ID(), "no-such-promotion"))
	wantCode(t, err, fault.NotFound)
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if env.Version != 0 || env.Current != nil {
		t.Errorf("a failed switch moved the environment: version %d, current %+v", env.Version, env.Current)
	}
	entries, _, err := s.History(ctx, "prod", store.Page{})
	must(t, err)
	if len(entries) != 0 {
		t.Errorf("a failed switch left history: %+v", entries)
	}

	// A promotion cancelled while its apply was on the way switches nothing.
	newPromotion(t, s, "cancelled", "prod", promotion.Cancelled, t0)
	_, err = s.Switch(ctx, switchReq("prod", 0, r.ID(), "cancelled"))
	wantCode(t, err, fault.Conflict, "cancelled is CANCELLED", "switches nothing")
	env, err = s.GetEnvironment(ctx, "prod")
	must(t, err)
	if env.Version != 0 || env.Current != nil {
		t.Errorf("an ended promotion moved the environment: version %d", env.Version)
	}
}

func testHistory(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	newEnv(t, s, "prod-eu") // a name that starts like the other: histories must not mix
	for v := int64(0); v < 7; v++ {
		r := newRelease(t, s, fmt.Sprintf("v%d", v))
		id := fmt.Sprintf("p%d", v)
		newPromotion(t, s, id, "prod", promotion.Applying, t0)
		_, err := s.Switch(ctx, switchReq("prod", v, r.ID(), id))
		must(t, err)
	}
	newPromotion(t, s, "eu", "prod-eu", promotion.Applying, t0)
	_, err := s.Switch(ctx, switchReq("prod-eu", 0, newRelease(t, s, "eu").ID(), "eu"))
	must(t, err)

	var versions []int64
	token := ""
	for pages := 0; ; pages++ {
		entries, next, err := s.History(ctx, "prod", store.Page{Limit: 3, Token: token})
		must(t, err)
		if len(entries) > 3 {
			t.Fatalf("page of %d entries, limit 3", len(entries))
		}
		for _, e := range entries {
			versions = append(versions, e.Version)
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		token = next
	}
	if !slices.Equal(versions, []int64{7, 6, 5, 4, 3, 2, 1}) {
		t.Errorf("versions newest first: %v", versions)
	}
	_, _, err = s.History(ctx, "prod", store.Page{Token: "!!not-a-token"})
	wantCode(t, err, fault.Invalid, "page token")
}

func testReleases(t *testing.T, s store.Store) {
	r := &release.Release{Name: "v1", Source: &release.Source{Commit: "abc", Message: "<script>alert(1)</script>"},
		Checks: []release.Check{{Name: "unit", Status: release.CheckPassed, URL: "https://ci.example/1"}},
		Nodes: []release.Node{
			{Name: "a", Kind: "model", Columns: []release.Column{{Name: "id", Type: "bigint"}}, Metadata: []byte(`{"owner":"x"}`)},
			{Name: "b", Kind: "model", DependsOn: []string{"a"}, Spec: []byte(`{"sql":"select é"}`)},
		}}
	must(t, release.Validate("v1", r, nil))
	must(t, s.PutRelease(ctx, r))
	must(t, s.PutRelease(ctx, r)) // again: a no-op
	got, err := s.GetRelease(ctx, r.ID())
	must(t, err)
	if got.ID() != r.ID() || got.Source.Message != r.Source.Message || len(got.Nodes) != 2 {
		t.Errorf("release read back differs: %+v", got)
	}
	_, err = s.GetRelease(ctx, "sha256:missing")
	wantCode(t, err, fault.NotFound)
	if ok, err := s.ReleaseExists(ctx, r.ID()); err != nil || !ok {
		t.Errorf("ReleaseExists(stored) = %v, %v", ok, err)
	}
	if ok, err := s.ReleaseExists(ctx, "sha256:missing"); err != nil || ok {
		t.Errorf("ReleaseExists(missing) = %v, %v", ok, err)
	}
}

func testPlans(t *testing.T, s store.Store) {
	base := newRelease(t, s, "v1")
	cand := newRelease(t, s, "v2")
	p, err := plan.Compute(plan.Input{Target: "prod", BaseVersion: 3, Base: base, Candidate: cand})
	must(t, err)
	must(t, s.PutPlan(ctx, p))
	must(t, s.PutPlan(ctx, p))
	got, err := s.GetPlan(ctx, p.Digest)
	must(t, err)
	if got.Digest != p.Digest || got.Summary != p.Summary || got.BaseVersion != 3 || len(got.Changes) != len(p.Changes) {
		t.Errorf("plan read back differs: %+v", got)
	}
	_, err = s.GetPlan(ctx, "sha256:missing")
	wantCode(t, err, fault.NotFound)
}

func testPromotions(t *testing.T, s store.Store) {
	p := newPromotion(t, s, "p1", "prod", promotion.Planning, t0)
	wantCode(t, s.CreatePromotion(ctx, p), fault.Conflict, "already exists")
	wantCode(t, s.CreatePromotion(ctx, &promotion.Promotion{ID: "x"}), fault.Invalid)

	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if got.TaskToken != "token-p1" || got.RequestedBy != "ci-bot" || got.Revision != 1 {
		t.Errorf("promotion read back: %+v", got)
	}
	got.State = promotion.AwaitingApproval
	got.PlanDigest = "sha256:plan"
	got.Summary = &plan.Summary{Breaking: 1, Unchanged: 4}
	got.Execution = "arn:aws:states:us-east-1:1:execution:ferry:p1"
	must(t, s.SavePromotion(ctx, got))
	wantCode(t, s.SavePromotion(ctx, p), fault.Conflict, "changed since it was read") // p is at revision 1

	for i, typ := range []string{"planned", "approval_requested", "notify_failed"} {
		must(t, s.AppendEvent(ctx, "p1", promotion.Event{At: t0.Add(time.Duration(i) * time.Second), Type: promotion.EventType(typ), Message: typ}))
	}
	wantCode(t, s.AppendEvent(ctx, "ghost", promotion.Event{Type: "x"}), fault.NotFound)
	again, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	var types []string
	for _, e := range again.Events {
		types = append(types, string(e.Type))
	}
	if !slices.Equal(types, []string{"planned", "approval_requested", "notify_failed"}) {
		t.Errorf("events in order: %v", types)
	}
	if again.State != promotion.AwaitingApproval || again.Summary == nil || again.Summary.Breaking != 1 || again.Execution == "" {
		t.Errorf("saved promotion: %+v", again)
	}
	_, err = s.GetPromotion(ctx, "ghost")
	wantCode(t, err, fault.NotFound)
}

func testDecisions(t *testing.T, s store.Store) {
	newPromotion(t, s, "p1", "prod", promotion.AwaitingApproval, t0)
	approve := func(who string) promotion.Approval {
		return promotion.Approval{Identity: who, Decision: promotion.Approve, Comment: "lgtm", PlanDigest: "sha256:d", At: t0}
	}
	p, err := s.RecordDecision(ctx, "p1", approve("ana"))
	must(t, err)
	if p.ApprovalCount() != 1 || p.Approvals[0].Comment != "lgtm" {
		t.Errorf("after one approval: %+v", p.Approvals)
	}
	_, err = s.RecordDecision(ctx, "p1", approve("ana"))
	wantCode(t, err, fault.Conflict, "ana already decided")
	p, err = s.RecordDecision(ctx, "p1", approve("bo"))
	must(t, err)
	if p.ApprovalCount() != 2 {
		t.Errorf("after two approvers: %d", p.ApprovalCount())
	}

	// A save does not drop decisions recorded after the read.
	stale, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	stale.State = promotion.Applying
	must(t, s.SavePromotion(ctx, stale))
	got, err := s.GetPromotion(ctx, "p1")
	must(t, err)
	if got.ApprovalCount() != 2 {
		t.Errorf("approvals after save: %d", got.ApprovalCount())
	}
	_, err = s.RecordDecision(ctx, "p1", approve("cy"))
	wantCode(t, err, fault.Gone, "APPLYING")
	_, err = s.RecordDecision(ctx, "ghost", approve("ana"))
	wantCode(t, err, fault.NotFound)
}

func testListPromotions(t *testing.T, s store.Store) {
	for i := range 5 {
		newPromotion(t, s, fmt.Sprintf("p%d", i), "prod", promotion.Succeeded, t0.Add(time.Duration(i)*time.Minute))
	}
	newPromotion(t, s, "other", "prod-eu", promotion.Succeeded, t0.Add(time.Hour))
	var ids []string
	token := ""
	for range 10 {
		page, next, err := s.ListPromotions(ctx, "prod", store.Page{Limit: 2, Token: token})
		must(t, err)
		for _, p := range page {
			ids = append(ids, p.ID)
		}
		if token = next; token == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"p4", "p3", "p2", "p1", "p0"}) {
		t.Errorf("promotions newest first: %v", ids)
	}
	_, _, err := s.ListPromotions(ctx, "prod", store.Page{Token: "garbage!"})
	wantCode(t, err, fault.Invalid)
}

func testPendingApprovals(t *testing.T, s store.Store) {
	newPromotion(t, s, "a", "prod", promotion.AwaitingApproval, t0)
	newPromotion(t, s, "b", "staging", promotion.AwaitingApproval, t0.Add(time.Minute))
	newPromotion(t, s, "c", "prod", promotion.Planning, t0.Add(2*time.Minute))
	ids := func() []string {
		page, _, err := s.PendingApprovals(ctx, store.Page{})
		must(t, err)
		var out []string
		for _, p := range page {
			out = append(out, p.ID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("pending: %v", got)
	}
	c, err := s.GetPromotion(ctx, "c")
	must(t, err)
	c.State = promotion.AwaitingApproval
	must(t, s.SavePromotion(ctx, c))
	a, err := s.GetPromotion(ctx, "a")
	must(t, err)
	a.State = promotion.Rejected
	must(t, s.SavePromotion(ctx, a))
	if got := ids(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("pending after c waits and a is rejected: %v", got)
	}
	page, next, err := s.PendingApprovals(ctx, store.Page{Limit: 1})
	must(t, err)
	if len(page) != 1 || next == "" {
		t.Fatalf("first page of one: %d items, next %q", len(page), next)
	}
	page, next, err = s.PendingApprovals(ctx, store.Page{Limit: 1, Token: next})
	must(t, err)
	if len(page) != 1 || page[0].ID != "c" || next != "" {
		t.Errorf("second page: %v, next %q", page, next)
	}
}

// testConcurrentSwitch: 50 switches from the same base version; exactly one wins.
func testConcurrentSwitch(t *testing.T, s store.Store) {
	const n = 50
	newEnv(t, s, "prod")
	r := newRelease(t, s, "v1")
	for i := range n {
		newPromotion(t, s, fmt.Sprintf("p%02d", i), "prod", promotion.Applying, t0)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Switch(ctx, switchReq("prod", 0, r.ID(), fmt.Sprintf("p%02d", i)))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fault.ErrorCode(err) == fault.Conflict && strings.Contains(err.Error(), "plan stale"):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d switches succeeded, want exactly 1", won)
	}
	entries, _, err := s.History(ctx, "prod", store.Page{})
	must(t, err)
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if len(entries) != 1 || env.Version != 1 || entries[0].PromotionID != env.Current.PromotionID {
		t.Errorf("history %+v, environment version %d current %+v", entries, env.Version, env.Current)
	}
	winner, err := s.GetPromotion(ctx, env.Current.PromotionID)
	must(t, err)
	if winner.State != promotion.Verifying {
		t.Errorf("winner's state %s", winner.State)
	}
}

// testConcurrentLock: 50 promotions take the same lock; exactly one holds it.
func testConcurrentLock(t *testing.T, s store.Store) {
	const n = 50
	newEnv(t, s, "prod")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.AcquireLock(ctx, "prod", fmt.Sprintf("p%02d", i), t0, time.Hour)
		})
	}
	wg.Wait()
	var holders []int
	for i, err := range errs {
		switch {
		case err == nil:
			holders = append(holders, i)
		case fault.ErrorCode(err) != fault.Conflict:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if len(holders) != 1 {
		t.Fatalf("%d promotions got the lock, want exactly 1", len(holders))
	}
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if want := fmt.Sprintf("p%02d", holders[0]); env.Lock == nil || env.Lock.Holder != want {
		t.Errorf("stored lock %+v, want holder %s", env.Lock, want)
	}
}

// testConcurrentDecisions: 20 identical decisions count once; 20 distinct
// approvers at once are all kept.
func testConcurrentDecisions(t *testing.T, s store.Store) {
	const n = 20
	newPromotion(t, s, "same", "prod", promotion.AwaitingApproval, t0)
	newPromotion(t, s, "many", "prod", promotion.AwaitingApproval, t0)
	var wg sync.WaitGroup
	sameErrs := make([]error, n)
	counts := make([]int, n)
	for i := range n {
		wg.Go(func() {
			_, sameErrs[i] = s.RecordDecision(ctx, "same", promotion.Approval{Identity: "ana", Decision: promotion.Approve, At: t0})
		})
		wg.Go(func() {
			p, err := s.RecordDecision(ctx, "many", promotion.Approval{Identity: fmt.Sprintf("user%02d", i), Decision: promotion.Approve, At: t0})
			if err != nil {
				t.Errorf("approver %d: %v", i, err)
				return
			}
			counts[i] = p.ApprovalCount()
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range sameErrs {
		if err == nil {
			ok++
		} else if fault.ErrorCode(err) != fault.Conflict {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 20 identical decisions recorded, want 1", ok)
	}
	same, err := s.GetPromotion(ctx, "same")
	must(t, err)
	if len(same.Approvals) != 1 {
		t.Errorf("stored %d decisions from one identity", len(same.Approvals))
	}
	many, err := s.GetPromotion(ctx, "many")
	must(t, err)
	if many.ApprovalCount() != n {
		t.Errorf("stored %d of %d approvals", many.ApprovalCount(), n)
	}
	// Each decision saw an exact count: every count from 1 to n exactly once.
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts returned %v, want 1..%d each once", counts, n)
		}
	}
}

// testLargeRelease: a 50,000-node release of about 30 MB is stored and read back intact.
func testLargeRelease(t *testing.T, s store.Store) {
	r := LargeRelease(50_000)
	must(t, release.Validate("large", r, nil))
	must(t, s.PutRelease(ctx, r))
	got, err := s.GetRelease(ctx, r.ID())
	must(t, err)
	if got.ID() != r.ID() || len(got.Nodes) != len(r.Nodes) {
		t.Fatalf("read back %d nodes, id %s; want %d, %s", len(got.Nodes), got.ID(), len(r.Nodes), r.ID())
	}
	if size := len(release.Canonical(r)); size < 25<<20 {
		t.Errorf("the large release is only %d bytes; the test is meant for about 30 MB", size)
	}
}

// LargeRelease builds a release of n nodes of about 600 bytes each, with content
// that compresses no better than real SQL does.
func LargeRelease(n int) *release.Release {
	r := &release.Release{Name: "large", Nodes: make([]release.Node, n)}
	seed := uint64(1)
	for i := range r.Nodes {
		cols := make([]release.Column, 8)
		for j := range cols {
			cols[j] = release.Column{Name: fmt.Sprintf("column_%02d", j), Type: "numeric(18,4)"}
		}
		var sql strings.Builder
		for range 12 {
			seed = seed*6364136223846793005 + 1442695040888963407
			fmt.Fprintf(&sql, "%x ", seed)
		}
		node := release.Node{Name: fmt.Sprintf("model.warehouse.table_%06d", i), Kind: "model", Columns: cols,
			Spec: []byte(fmt.Sprintf(`{"sql":"select %s"}`, sql.String()))}
		if i > 0 {
			node.DependsOn = []string{fmt.Sprintf("model.warehouse.table_%06d", i/2)}
		}
		r.Nodes[i] = node
	}
	return r
}
