package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

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
	if !errors.Is(err, store.ErrPlanStale) || !strings.HasPrefix(fault.ErrorMessage(err), "plan stale") {
		t.Errorf("a stale plan's error %v: errors.Is(store.ErrPlanStale) %t, message %q", err, errors.Is(err, store.ErrPlanStale), fault.ErrorMessage(err))
	}

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
	if errors.Is(err, store.ErrPlanStale) {
		t.Errorf("an ended promotion's error %v matches store.ErrPlanStale", err)
	}
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
