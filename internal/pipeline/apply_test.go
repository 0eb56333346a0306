package pipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

func TestApplyKeepsVirtualReferences(t *testing.T) {
	h := newHarness(t)
	h.env("staging", policy.Policy{Approval: policy.Never})
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model", "b=model"))
	v2 := h.rel("v2", "", nil, "a=model", "b=seed", "c=model", "d=model")
	h.deploy("staging", h.rel("s", "", nil, "b=seed", "c=model")) // staging built b and c as v2 has them
	id := h.promotion("prod", v2, promotion.ViaCI, "staging")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	refs, err := h.store.Deployment(ctx, "prod", 2)
	h.must(err)
	built := map[string]string{}
	for _, r := range refs {
		built[r.Name] = r.BuiltIn
	}
	want := map[string]string{"a": "prod", "b": "staging", "c": "staging", "d": "prod"}
	if !reflect.DeepEqual(built, want) {
		t.Errorf("built in %v, want %v", built, want)
	}
	if p := h.get(id); p.State != promotion.Verifying {
		t.Errorf("state after apply %s", p.State)
	}
	// Applying again (a retry) switches nothing more.
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	if e := h.getEnv("prod"); e.Version != 2 {
		t.Errorf("version after a repeated apply %d, want 2", e.Version)
	}
}

func TestApplyRefusesStalePlan(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	id := h.promotion("prod", h.rel("v2", "", nil, "b=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	// Another switch gets in (an operator, a lock whose lease ran out).
	other := h.promotion("prod", h.rel("v3", "", nil, "c=model"), promotion.ViaCI, "")
	v3, err := h.store.GetRelease(ctx, h.get(other).ReleaseID)
	h.must(err)
	_, err = h.store.Switch(ctx, store.SwitchRequest{Environment: "prod", BaseVersion: 1, ReleaseID: v3.ID(), PromotionID: other,
		State: promotion.Succeeded, Kind: environment.Promote, By: "ops", At: h.now})
	h.must(err)
	wantError(t, h.pl.Apply(ctx, Input{PromotionID: id}), "PlanStale", "at version 2", "against version 1")
	if e := h.getEnv("prod"); e.Version != 2 || e.Current.PromotionID != other {
		t.Errorf("a refused apply changed the environment: %+v", e.Current)
	}
}

// hookServer verifies signatures independently and answers with status.
func hookServer(t *testing.T, secret string, status int, got *[]HookPayload) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if r.Header.Get("X-Ferry-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) || r.Header.Get("Idempotency-Key") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p HookPayload
		json.Unmarshal(body, &p)
		*got = append(*got, p)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestDeployHook(t *testing.T) {
	os.Setenv("FERRY_TEST_PIPELINE_HOOK", "hook-secret")
	defer os.Unsetenv("FERRY_TEST_PIPELINE_HOOK")
	var calls []HookPayload
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never,
		DeployHook: &policy.Hook{URL: hookServer(t, "hook-secret", http.StatusOK, &calls), SecretRef: "env:FERRY_TEST_PIPELINE_HOOK"}})
	id := h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	if len(calls) != 1 || calls[0].PromotionID != id || calls[0].Version != 1 || calls[0].Environment != "prod" {
		t.Errorf("hook calls %+v", calls)
	}
}
