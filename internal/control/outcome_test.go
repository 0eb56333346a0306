package control

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// outcomeOf reviews promotion id as ana and returns its outcome.
func (h *harness) outcomeOf(id string) *Outcome {
	h.t.Helper()
	rv, err := h.svc.Review(ctx, policy.Identity{Subject: "ana"}, id)
	h.must(err)
	return rv.Outcome
}

// TestOutcomeRolledBack: a rollback says which smoke check failed and how, and
// what the environment runs now.
func TestOutcomeRolledBack(t *testing.T) {
	h := newHarness(t)
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if broken.Load() {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	h.env("prod", policy.Policy{Approval: policy.Never, Smoke: []policy.SmokeCheck{{Name: "health", URL: srv.URL}}})
	v1 := h.rel("v1", "a=model")
	h.deploy("prod", v1)
	broken.Store(true)
	id := h.promotion("prod", h.rel("v2", "a=view"))
	_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	if o := h.outcomeOf(id); o != nil {
		t.Errorf("a running promotion has an outcome: %+v", o)
	}
	h.must(h.pl.Apply(ctx, pipeline.Input{PromotionID: id}))
	_, err = h.pl.Smoke(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	_, err = h.pl.Rollback(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: id, Outcome: promotion.RolledBack}))
	o := h.outcomeOf(id)
	want := Outcome{Headline: "Rolled back: the release went live in prod, then prod was put back on its previous release.",
		Why: "Smoke check health failed: status 503, want 200.", Applied: true, At: h.now}
	if o == nil || o.Headline != want.Headline || o.Why != want.Why || o.By != "" || !o.Applied || !o.At.Equal(h.now) {
		t.Fatalf("outcome %+v, want %+v", o, want)
	}
	if o.Live == nil || o.Live.ReleaseID != v1.ID() || o.Live.Version != 3 {
		t.Errorf("live now: %+v, want v1 as version 3", o.Live)
	}
}

// TestOutcomeInPlainWords: every way a promotion ends is told without error
// names, with who ended it.
func TestOutcomeInPlainWords(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
	h.env("checked", policy.Policy{Approvers: []string{"ana"}, RequiredChecks: []string{"unit-tests"}})
	waiting := func(env string) string {
		t.Helper()
		id := h.promotion(env, h.rel("v"+env, "a=model"))
		_, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
		h.must(err)
		h.must(h.pl.Approval(ctx, pipeline.Input{PromotionID: id, TaskToken: "token"}))
		return id
	}

	expired := waiting("prod")
	h.now = h.now.Add(2 * time.Hour)
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: expired, Outcome: promotion.Expired,
		Error: &pipeline.CaughtError{Error: "States.Timeout", Cause: "the task did not finish in time"}}))

	rejected := waiting("prod")
	_, err := h.store.RecordDecision(ctx, rejected, promotion.Approval{Identity: "ana", As: "ana", Decision: promotion.Reject,
		Comment: "orders loses a column", PlanDigest: h.get(rejected).PlanDigest, At: h.now})
	h.must(err)
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: rejected, Outcome: promotion.Rejected,
		Error: &pipeline.CaughtError{Error: "Rejected", Cause: "rejected by ana"}}))

	cancelled := waiting("prod")
	_, err = h.svc.Cancel(ctx, policy.Identity{Subject: "ci-bot"}, cancelled)
	h.must(err)

	failed := h.promotion("checked", h.rel("unchecked", "a=model"))
	_, err = h.pl.Plan(ctx, pipeline.Input{PromotionID: failed})
	wantStepError(t, err, "ChecksFailed")
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: failed, Outcome: promotion.Failed,
		Error: &pipeline.CaughtError{Error: "ChecksFailed", Cause: `{"errorMessage":"` + err.Error() + `","errorType":"ChecksFailed"}`}}))

	tests := []struct {
		name, id, headline, why, by string
	}{
		{"expired", expired, "Expired: nobody decided in time; nothing was applied.",
			"The reviewers had 1 hour to decide; 0 of the 1 approvals needed were recorded.", ""},
		{"rejected", rejected, "Rejected by ana; nothing was applied.", "Their reason: orders loses a column", "ana"},
		{"cancelled", cancelled, "Cancelled by ci-bot before anything was applied.", "", "ci-bot"},
		{"failed", failed, "Failed before anything was applied.",
			"Required checks missing: unit-tests; environment checked is at version 0.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := h.outcomeOf(tt.id)
			if o == nil || o.Headline != tt.headline || o.Why != tt.why || o.By != tt.by || o.Applied || o.Live != nil || o.At.IsZero() {
				t.Errorf("outcome %+v, want %q, %q by %q", o, tt.headline, tt.why, tt.by)
			}
			if p := h.get(tt.id); tt.name != "cancelled" && p.Error == "" {
				t.Errorf("the promotion records no error to translate")
			}
		})
	}
}

func TestPlainError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"States.Timeout: the task did not finish in time; environment qa is at version 2", "the task did not finish in time; environment qa is at version 2"},
		{"States.Timeout", "a step did not finish in time"},
		{"DeployHookFailed: deploy hook answered 500; rollback failed: Transient: store unreachable",
			"deploy hook answered 500; rollback failed: store unreachable"},
		{"rollback failed: Sandbox.Timedout", "rollback failed: a step ran out of time or memory"},
		{"finalize was told SUCCEEDED, but promotion p1 is APPLYING: that did not happen", "finalize was told SUCCEEDED, but promotion p1 is APPLYING: that did not happen"},
		{"Note: kept as it is", "Note: kept as it is"},
	}
	for _, tt := range tests {
		if got := plainError(tt.in); got != tt.want || strings.Contains(got, "States.") {
			t.Errorf("plainError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlainDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Second: "1 second", 3 * time.Second: "3 seconds", 90 * time.Second: "90 seconds",
		10 * time.Minute: "10 minutes", 24 * time.Hour: "24 hours", 90 * time.Minute: "1 hour 30 minutes"} {
		if got := plainDuration(d); got != want {
			t.Errorf("plainDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
