package pipeline

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestCleanup(t *testing.T) {
	h := newHarness(t)
	expired, later := h.now.Add(-time.Hour), h.now.Add(time.Hour)
	for name, exp := range map[string]time.Time{"pr-1": expired, "pr-2": expired, "pr-3": later} {
		h.must(h.store.CreateEnvironment(ctx, &environment.Environment{Name: name, Ephemeral: true, ExpiresAt: &exp,
			Policy: policy.Policy{Approval: policy.Never}, CreatedAt: h.now}))
	}
	h.env("prod", policy.Policy{})
	h.env("staging", policy.Policy{})
	// pr-2 is held by a running promotion: kept.
	running := h.promotion("pr-2", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: running})
	h.must(err)
	// prod is held by a promotion whose execution died while it awaited approval.
	dead := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	_, err = h.pl.Plan(ctx, Input{PromotionID: dead})
	h.must(err)
	h.must(h.pl.Approval(ctx, Input{PromotionID: dead, TaskToken: "tok"}))
	// staging is held by a promotion that ended but never released its lock.
	ended := h.promotion("staging", h.rel("v3", "", nil, "c=model"), promotion.ViaCI, "")
	_, err = h.pl.Plan(ctx, Input{PromotionID: ended})
	h.must(err)
	p := h.get(ended)
	p.State = promotion.Cancelled
	h.must(h.store.SavePromotion(ctx, p))

	alive := func(_ context.Context, id string) (bool, string, error) { return id != dead, "ABORTED", nil }
	report, err := h.pl.Cleanup(ctx, alive)
	h.must(err)
	if !slices.Equal(report.Deleted, []string{"pr-1"}) || !slices.Equal(report.Kept, []string{"pr-2"}) {
		t.Errorf("deleted %v, kept %v", report.Deleted, report.Kept)
	}
	slices.Sort(report.Unlocked)
	if !slices.Equal(report.Unlocked, []string{"prod", "staging"}) {
		t.Errorf("unlocked %v", report.Unlocked)
	}
	if d := h.get(dead); d.State != promotion.Failed || d.TaskToken != "" || d.FinishedAt == nil {
		t.Errorf("the dead promotion: %s, finished %v", d.State, d.FinishedAt)
	}
	if h.get(ended).State != promotion.Cancelled {
		t.Error("an ended promotion's state was changed")
	}
	if e := h.getEnv("pr-2"); e.Lock == nil || e.Lock.Holder != running {
		t.Error("the running promotion lost its lock")
	}
	again, err := h.pl.Cleanup(ctx, nil)
	h.must(err)
	if len(again.Deleted)+len(again.Unlocked) != 0 {
		t.Errorf("a second cleanup did more: %+v", again)
	}
}

// TestCleanupNeverOverrulesAnOutcome: a promotion that ends while cleanup looks
// at it (its execution is over by the time cleanup asks, as after a slow smoke
// check) keeps its outcome; cleanup only releases a lock left behind.
func TestCleanupNeverOverrulesAnOutcome(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	finishing := func(_ context.Context, holder string) (bool, string, error) {
		h.must(h.pl.Finalize(ctx, Input{PromotionID: holder, Outcome: promotion.Succeeded}))
		return false, "SUCCEEDED", nil // the execution is over: it just finished
	}
	if _, err := h.pl.Cleanup(ctx, finishing); err != nil {
		t.Fatal(err)
	}
	p := h.get(id)
	if p.State != promotion.Succeeded || p.Error != "" {
		t.Errorf("cleanup overruled the outcome: %s %q", p.State, p.Error)
	}
	for _, e := range p.Events {
		if e.Actor == "cleanup" {
			t.Errorf("cleanup recorded %q for a promotion that succeeded", e.Message)
		}
	}
	if h.getEnv("prod").Lock != nil {
		t.Error("the lock is still held")
	}
}
