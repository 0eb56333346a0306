package control

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// TestEvidence: a promotion's review says when its release went live upstream,
// by which promotion, with that promotion's smoke results, and until when.
func TestEvidence(t *testing.T) {
	h := newHarness(t)
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer health.Close()
	h.env("dev", policy.Policy{Approval: policy.Never, Smoke: []policy.SmokeCheck{{Name: "health", URL: health.URL + "/health"}}})
	h.env("prod", policy.Policy{Approvers: []string{"ana"}, Upstream: "dev"})
	h.env("qa", policy.Policy{Approvers: []string{"ana"}})
	v1, v2 := h.rel("v1", "a=model"), h.rel("v2", "a=view")
	liveAt := h.now
	first := h.deploy("dev", v1)
	h.now = h.now.Add(time.Hour)
	h.deploy("dev", v2)

	review := func(id string) *Evidence {
		t.Helper()
		rv, err := h.svc.Review(ctx, policy.Identity{Subject: "ana"}, id)
		h.must(err)
		return rv.Evidence
	}
	ev := review(h.promotion("prod", v1))
	if ev == nil || ev.Upstream != "dev" || !ev.Live || !ev.Since.Equal(liveAt) || ev.Version != 1 ||
		ev.Until == nil || !ev.Until.Equal(h.now) || ev.Promotion == nil || ev.Promotion.ID != first {
		t.Fatalf("evidence of v1 from dev: %+v", ev)
	}
	if s := ev.Promotion.Smoke; len(s) != 1 || !s[0].Passed || s[0].Check != "health" || s[0].URL != health.URL+"/health" {
		t.Errorf("the upstream smoke results: %+v", s)
	}
	if ev := review(h.promotion("prod", v2)); ev == nil || !ev.Live || ev.Until != nil || ev.Version != 2 {
		t.Errorf("evidence of v2, current in dev: %+v", ev)
	}
	if ev := review(h.promotion("prod", h.rel("v3", "a=seed"))); ev == nil || ev.Live || ev.Promotion != nil {
		t.Errorf("evidence of a release never in dev: %+v", ev)
	}
	if ev := review(h.promotion("qa", v1)); ev != nil {
		t.Errorf("evidence without an upstream: %+v", ev)
	}
	started := h.promotion("qa", v1)
	p := h.get(started)
	p.Source = "dev"
	h.must(h.store.SavePromotion(ctx, p))
	if ev := review(started); ev == nil || ev.Upstream != "dev" || !ev.Live {
		t.Errorf("evidence of a promotion started from dev: %+v", ev)
	}
}

// TestEvidenceSkipsRollbacks: a release put back by a rollback was not verified
// by the promotion the rollback names (that one failed): it is no evidence.
func TestEvidenceSkipsRollbacks(t *testing.T) {
	h := newHarness(t)
	h.env("dev", policy.Policy{Approval: policy.Never})
	h.env("prod", policy.Policy{Approvers: []string{"ana"}, Upstream: "dev"})
	v1 := h.rel("v1", "a=model")
	h.must(h.store.CreatePromotion(ctx, &promotion.Promotion{ID: "back", Target: "dev", ReleaseID: v1.ID(), RequestedBy: "ci-bot",
		Via: promotion.ViaCI, State: promotion.Applying, CreatedAt: h.now, UpdatedAt: h.now}))
	_, err := h.store.Switch(ctx, store.SwitchRequest{Environment: "dev", ReleaseID: v1.ID(), PromotionID: "back",
		State: promotion.RolledBack, Kind: environment.Rollback, Reason: "smoke checks failed", By: "ferry", At: h.now})
	h.must(err)
	rv, err := h.svc.Review(ctx, policy.Identity{Subject: "ana"}, h.promotion("prod", v1))
	h.must(err)
	if rv.Evidence == nil || rv.Evidence.Live {
		t.Errorf("a rollback counted as evidence: %+v", rv.Evidence)
	}
}
