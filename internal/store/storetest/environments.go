package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

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

// testSaveEnvironmentFields: a save writes the settings (store.CopySettings) and
// nothing else: not the creation time, nor what the pipeline owns: the version,
// current deployment, history and lock.
func testSaveEnvironmentFields(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	r := newRelease(t, s, "v1")
	newPromotion(t, s, "p1", "prod", promotion.Applying, t0)
	_, err := s.Switch(ctx, switchReq("prod", 0, r.ID(), "p1"))
	must(t, err)
	_, err = s.AcquireLock(ctx, "prod", "p1", t0, time.Hour)
	must(t, err)
	before, err := s.GetEnvironment(ctx, "prod")
	must(t, err)

	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	// The settings, which a save writes.
	later, expires := t0.Add(time.Hour), t0.Add(48*time.Hour)
	env.Policy.MinApprovals = 2
	env.Ephemeral, env.ExpiresAt = true, &expires
	env.Freeze = &environment.Freeze{Owner: "ana", Reason: "audit", Until: later}
	env.Record(environment.Change{At: later, By: "ana", What: "frozen"})
	env.UpdatedAt = later
	// The rest, which a save leaves as stored.
	env.CreatedAt = t0.Add(-24 * time.Hour)
	env.Version = 7
	env.Current = &environment.Deployment{Version: 7, ReleaseID: "sha256:other", PromotionID: "p7", At: later, By: "bo"}
	env.Lock = nil
	must(t, s.SaveEnvironment(ctx, env))
	if env.Revision != before.Revision+1 {
		t.Errorf("revision after save %d, want %d", env.Revision, before.Revision+1)
	}

	got, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if got.Policy.MinApprovals != 2 || !got.Ephemeral || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) ||
		got.Freeze == nil || got.Freeze.Reason != "audit" || len(got.Changes) != 1 || got.Changes[0].What != "frozen" ||
		!got.UpdatedAt.Equal(later) {
		t.Errorf("the settings were not saved: %+v", got)
	}
	if got.Revision != env.Revision {
		t.Errorf("stored revision %d, the save returned %d", got.Revision, env.Revision)
	}
	if !got.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("a save changed the creation time: %s, want %s", got.CreatedAt, before.CreatedAt)
	}
	if got.Version != 1 || got.Current == nil || got.Current.Version != 1 || got.Current.ReleaseID != r.ID() || got.Current.PromotionID != "p1" {
		t.Errorf("a save changed the deployment: version %d, current %+v", got.Version, got.Current)
	}
	if got.Lock == nil || got.Lock.Holder != "p1" || !got.Lock.Since.Equal(before.Lock.Since) || !got.Lock.Expires.Equal(before.Lock.Expires) {
		t.Errorf("a save changed the lock: %+v, want %+v", got.Lock, before.Lock)
	}
	entries, _, err := s.History(ctx, "prod", store.Page{})
	must(t, err)
	if len(entries) != 1 || entries[0].Version != 1 || entries[0].PromotionID != "p1" {
		t.Errorf("history after a save: %+v", entries)
	}
	refs, err := s.Deployment(ctx, "prod", 1)
	must(t, err)
	if len(refs) != 1 {
		t.Errorf("deployment after a save: %+v", refs)
	}
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
