package pipeline

import (
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

func TestApprovalGate(t *testing.T) {
	tests := []struct {
		name    string
		pol     policy.Policy
		message string
		nodes   []string // candidate; the live release is a=model, b=model
		gate    string
		changes bool
	}{
		{"always", policy.Policy{Approval: policy.Always}, "", []string{"a=model", "b=model", "c=model"}, GateManual, true},
		{"default is always", policy.Policy{}, "", []string{"a=model", "b=model", "c=model"}, GateManual, true},
		{"never", policy.Policy{Approval: policy.Never}, "", []string{"a=model", "b=seed"}, GateAuto, true},
		{"breaking with a breaking change", policy.Policy{Approval: policy.Breaking}, "", []string{"a=model", "b=seed"}, GateManual, true},
		{"breaking with a removal", policy.Policy{Approval: policy.Breaking}, "", []string{"a=model"}, GateManual, true},
		{"breaking with an addition only", policy.Policy{Approval: policy.Breaking}, "", []string{"a=model", "b=model", "c=model"}, GateAuto, true},
		{"held release waits even under never", policy.Policy{Approval: policy.Never}, "Fix totals [HOLD]", []string{"a=model", "b=model", "c=model"}, GateManual, true},
		{"custom hold marker", policy.Policy{Approval: policy.Never, HoldMarker: "#wait"}, "Fix #wait", []string{"a=model", "c=model", "b=model"}, GateManual, true},
		{"the default marker means nothing under a custom one", policy.Policy{Approval: policy.Never, HoldMarker: "#wait"}, "[HOLD]", []string{"a=model", "b=model", "c=model"}, GateAuto, true},
		{"no changes", policy.Policy{Approval: policy.Always}, "", []string{"a=model", "b=model"}, GateManual, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env("prod", policy.Policy{Approval: policy.Never})
			h.deploy("prod", h.rel("v1", "", nil, "a=model", "b=model"))
			env := h.getEnv("prod")
			env.Policy = tt.pol
			h.must(h.store.SaveEnvironment(ctx, env))
			id := h.promotion("prod", h.rel("v2", tt.message, nil, tt.nodes...), promotion.ViaCI, "")
			res, err := h.pl.Plan(ctx, Input{PromotionID: id})
			h.must(err)
			if res.Gate != tt.gate || res.Changes != tt.changes {
				t.Errorf("gate %s, changes %v; want %s, %v", res.Gate, res.Changes, tt.gate, tt.changes)
			}
			if want := int64(tt.pol.WithDefaults().ApprovalTimeout.D() / time.Second); res.ApprovalTimeoutSeconds != want {
				t.Errorf("approval timeout %d s, want %d", res.ApprovalTimeoutSeconds, want)
			}
			p := h.get(id)
			if p.PlanDigest == "" || p.Summary == nil || p.BaseVersion != 1 {
				t.Errorf("promotion after plan: digest %q summary %v base %d", p.PlanDigest, p.Summary, p.BaseVersion)
			}
			if e := h.getEnv("prod"); e.Lock == nil || e.Lock.Holder != id {
				t.Errorf("plan did not take the lock: %+v", e.Lock)
			}
		})
	}
}

func TestPlanRefuses(t *testing.T) {
	passed := []release.Check{{Name: "unit", Status: release.CheckPassed}, {Name: "visual", Status: release.CheckFailed}}
	tests := []struct {
		name  string
		setup func(h *harness) (env string, r *release.Release, via promotion.Via)
		want  string
		texts []string
	}{
		{"required check missing and failed", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("prod", policy.Policy{RequiredChecks: []string{"unit", "visual", "e2e"}})
			return "prod", h.rel("v1", "", passed, "a=model"), promotion.ViaCI
		}, "ChecksFailed", []string{"missing: e2e", "not passed: visual (failed)"}},
		{"never live upstream", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("staging", policy.Policy{Approval: policy.Never})
			h.env("prod", policy.Policy{Upstream: "staging", Soak: policy.Duration(24 * time.Hour)})
			return "prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI
		}, "SoakNotMet", []string{"has not been live in staging", "24h0m0s"}},
		{"not long enough upstream", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("staging", policy.Policy{Approval: policy.Never})
			h.env("prod", policy.Policy{Upstream: "staging", Soak: policy.Duration(24 * time.Hour)})
			r := h.rel("v1", "", nil, "a=model")
			h.deploy("staging", r)
			h.now = h.now.Add(2 * time.Hour)
			return "prod", r, promotion.ViaCI
		}, "SoakNotMet", []string{"live in staging for 2h0m0s", "requires 24h0m0s"}},
		{"frozen", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("prod", policy.Policy{})
			env := h.getEnv("prod")
			env.Freeze = &environment.Freeze{Owner: "ana", Reason: "quarter close", Until: h.now.Add(time.Hour)}
			h.must(h.store.SaveEnvironment(ctx, env))
			return "prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI
		}, "EnvironmentFrozen", []string{"frozen by ana", "2026-11-01T11:00:00Z", "quarter close"}},
		{"frozen refuses a rollback unless allowed", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("prod", policy.Policy{})
			env := h.getEnv("prod")
			env.Freeze = &environment.Freeze{Owner: "ana", Reason: "incident", Until: h.now.Add(time.Hour)}
			h.must(h.store.SaveEnvironment(ctx, env))
			return "prod", h.rel("v1", "", nil, "a=model"), promotion.ViaRollback
		}, "EnvironmentFrozen", []string{"incident"}},
		{"locked by another promotion", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("prod", policy.Policy{})
			other := h.promotion("prod", h.rel("v0", "", nil, "z=model"), promotion.ViaCI, "")
			_, err := h.pl.Plan(ctx, Input{PromotionID: other})
			h.must(err)
			return "prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI
		}, "EnvironmentLocked", []string{"locked by promotion p1 (PLANNING) since 2026-11-01T10:00:00Z"}},
		{"release not stored", func(h *harness) (string, *release.Release, promotion.Via) {
			h.env("prod", policy.Policy{})
			return "prod", &release.Release{Nodes: []release.Node{}}, promotion.ViaCI
		}, "StepFailed", []string{"not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			env, r, via := tt.setup(h)
			id := h.promotion(env, r, via, "")
			_, err := h.pl.Plan(ctx, Input{PromotionID: id})
			wantError(t, err, tt.want, tt.texts...)
		})
	}
}

func TestSoakAndFreezeClock(t *testing.T) {
	h := newHarness(t)
	h.env("staging", policy.Policy{Approval: policy.Never})
	h.env("prod", policy.Policy{Approval: policy.Never, Upstream: "staging", Soak: policy.Duration(24 * time.Hour)})
	r := h.rel("v1", "", nil, "a=model")
	h.deploy("staging", r)
	h.now = h.now.Add(25 * time.Hour)
	env := h.getEnv("prod")
	env.Freeze = &environment.Freeze{Owner: "ana", Reason: "done", Until: h.now.Add(-time.Minute)} // ended
	h.must(h.store.SaveEnvironment(ctx, env))
	id := h.promotion("prod", r, promotion.ViaCI, "")
	if _, err := h.pl.Plan(ctx, Input{PromotionID: id}); err != nil {
		t.Fatalf("a release live for 25h upstream, with the freeze over: %v", err)
	}

	// The longest stint counts, even after the upstream moved on.
	h2 := newHarness(t)
	h2.env("staging", policy.Policy{Approval: policy.Never})
	old := h2.rel("v1", "", nil, "a=model")
	h2.deploy("staging", old)
	h2.now = h2.now.Add(30 * time.Hour)
	h2.deploy("staging", h2.rel("v2", "", nil, "b=model"))
	history, _, err := h2.store.History(ctx, "staging", store.Page{})
	h2.must(err)
	if live, ever := liveFor(history, old.ID(), h2.now.Add(time.Hour)); !ever || live != 30*time.Hour {
		t.Errorf("liveFor = %v, %v; want 30h", live, ever)
	}
}

func TestFrozenRollbackAllowed(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never, AllowFrozenRollback: true})
	env := h.getEnv("prod")
	env.Freeze = &environment.Freeze{Owner: "ana", Reason: "incident", Until: h.now.Add(time.Hour)}
	h.must(h.store.SaveEnvironment(ctx, env))
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaRollback, "")
	if _, err := h.pl.Plan(ctx, Input{PromotionID: id}); err != nil {
		t.Fatalf("a rollback into a frozen environment that allows it: %v", err)
	}
}
