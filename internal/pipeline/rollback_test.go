package pipeline

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

func TestDeployHookFailureRollsBack(t *testing.T) {
	os.Setenv("FERRY_TEST_PIPELINE_HOOK", "hook-secret")
	defer os.Unsetenv("FERRY_TEST_PIPELINE_HOOK")
	var calls []HookPayload
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	v1 := h.rel("v1", "", nil, "a=model")
	h.deploy("prod", v1)
	env := h.getEnv("prod")
	env.Policy.DeployHook = &policy.Hook{URL: hookServer(t, "hook-secret", http.StatusInternalServerError, &calls), SecretRef: "env:FERRY_TEST_PIPELINE_HOOK"}
	h.must(h.store.SaveEnvironment(ctx, env))

	id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	err = h.pl.Apply(ctx, Input{PromotionID: id})
	wantError(t, err, "DeployHookFailed", "answered 500")
	if len(calls) != deployhook.DefaultAttempts {
		t.Errorf("hook called %d times, want %d (retried on 500)", len(calls), deployhook.DefaultAttempts)
	}
	caught := &CaughtError{Error: "DeployHookFailed", Cause: `{"errorMessage":"` + err.Error() + `","errorType":"DeployHookFailed"}`}
	res, err := h.pl.Rollback(ctx, Input{PromotionID: id, Error: caught})
	h.must(err)
	if !res.RolledBack {
		t.Fatal("not rolled back")
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.RolledBack, Error: caught}))
	e := h.getEnv("prod")
	history, _, err := h.store.History(ctx, "prod", store.Page{})
	h.must(err)
	if e.Version != 3 || e.Current.ReleaseID != v1.ID() || history[0].Kind != environment.Rollback ||
		!strings.Contains(history[0].Reason, "DeployHookFailed: deploy hook") {
		t.Errorf("after rollback: version %d, release %s, latest %+v", e.Version, e.Current.ReleaseID, history[0])
	}
	refs, err := h.store.Deployment(ctx, "prod", 3)
	h.must(err)
	if len(refs) != 1 || refs[0].Name != "a" {
		t.Errorf("rolled-back deployment %+v, want the exact previous one", refs)
	}
	p := h.get(id)
	if p.State != promotion.RolledBack || e.Lock != nil || !strings.Contains(p.Error, "answered 500") {
		t.Errorf("promotion %s, error %q, lock %+v", p.State, p.Error, e.Lock)
	}
}

// failingRollback is a store whose rollback switches fail.
type failingRollback struct{ store.Store }

func (f failingRollback) Switch(ctx context.Context, req store.SwitchRequest) (*environment.VersionEntry, error) {
	if req.Kind == environment.Rollback {
		return nil, errors.New("dynamodb: connection reset")
	}
	return f.Store.Switch(ctx, req)
}

func TestRollbackFailureEndsFailedWithBothErrors(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	h.pl.Store = failingRollback{h.store}
	smokeErr := &CaughtError{Error: "States.TaskFailed", Cause: "smoke function crashed"}
	_, err = h.pl.Rollback(ctx, Input{PromotionID: id, Error: smokeErr})
	wantError(t, err, "Transient", "connection reset")
	rollbackErr := &CaughtError{Error: "Transient", Cause: `{"errorMessage":"dynamodb: connection reset","errorType":"Transient"}`}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Failed, Error: smokeErr, RollbackError: rollbackErr}))
	p := h.get(id)
	for _, want := range []string{"smoke function crashed", "rollback failed: Transient: dynamodb: connection reset", "environment prod is at version 2"} {
		if !strings.Contains(p.Error, want) {
			t.Errorf("promotion error %q lacks %q", p.Error, want)
		}
	}
	if e := h.getEnv("prod"); p.State != promotion.Failed || e.Lock != nil || e.Version != 2 {
		t.Errorf("state %s, lock %+v, version %d", p.State, e.Lock, e.Version)
	}
}

func TestRollbackDoesNothing(t *testing.T) {
	off := false
	tests := []struct {
		name  string
		pol   policy.Policy
		first bool // the failing promotion is the environment's first
		why   string
	}{
		{"auto_rollback off", policy.Policy{Approval: policy.Never, AutoRollback: &off}, false, "auto_rollback is off"},
		{"no previous deployment", policy.Policy{Approval: policy.Never}, true, "no previous deployment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env("prod", tt.pol)
			if !tt.first {
				h.deploy("prod", h.rel("v1", "", nil, "a=model"))
			}
			id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
			_, err := h.pl.Plan(ctx, Input{PromotionID: id})
			h.must(err)
			h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
			before := h.getEnv("prod").Version
			res, err := h.pl.Rollback(ctx, Input{PromotionID: id})
			h.must(err)
			if res.RolledBack || h.getEnv("prod").Version != before {
				t.Errorf("rolled back: %v", res.RolledBack)
			}
			events := h.get(id).Events
			if last := events[len(events)-1]; last.Type != promotion.EventRollbackSkipped || !strings.Contains(last.Message, tt.why) {
				t.Errorf("last event %+v", last)
			}
		})
	}
	// A promotion that failed before applying has nothing to undo.
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	res, err := h.pl.Rollback(ctx, Input{PromotionID: id})
	h.must(err)
	if res.RolledBack || h.getEnv("prod").Version != 1 {
		t.Error("rolled back a promotion that applied nothing")
	}
}
