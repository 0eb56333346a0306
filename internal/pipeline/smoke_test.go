package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

func TestSmokeFailureRollsBack(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("database down"))
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never,
		Smoke: []policy.SmokeCheck{{Name: "health", URL: srv.URL + "/health", BodyContains: "ok", Retries: 1}}})
	v1 := h.rel("v1", "", nil, "a=model")
	h.deploy("prod", v1)

	healthy = false
	id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	res, err := h.pl.Smoke(ctx, Input{PromotionID: id})
	h.must(err)
	if res.Passed {
		t.Fatal("smoke passed against a failing endpoint")
	}
	p := h.get(id)
	if len(p.Smoke) != 1 || p.Smoke[0].Status != 500 || p.Smoke[0].Attempts != 2 || p.Smoke[0].Excerpt != "database down" {
		t.Errorf("smoke results %+v", p.Smoke)
	}
	rb, err := h.pl.Rollback(ctx, Input{PromotionID: id})
	h.must(err)
	again, err := h.pl.Rollback(ctx, Input{PromotionID: id}) // a retry
	h.must(err)
	if !rb.RolledBack || !again.RolledBack {
		t.Fatal("not rolled back")
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.RolledBack}))
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.RolledBack})) // a retry
	e := h.getEnv("prod")
	history, _, err := h.store.History(ctx, "prod", store.Page{})
	h.must(err)
	if e.Version != 3 || e.Current.ReleaseID != v1.ID() || len(history) != 3 || history[0].Reason != "smoke checks failed: health" {
		t.Errorf("version %d release %s history %+v", e.Version, e.Current.ReleaseID, history)
	}
	finished := 0
	for _, ev := range h.get(id).Events {
		if ev.Type == promotion.EventFinished {
			finished++
		}
	}
	if finished != 1 {
		t.Errorf("%d finished events, want 1", finished)
	}
}
