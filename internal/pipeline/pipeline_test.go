package pipeline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/smoke"
	"github.com/ferrydev/ferry/internal/store"
)

var ctx = context.Background()

// harness is a pipeline on a real embedded store, with a clock the test moves and
// a webhook that records notifications.
type harness struct {
	t        *testing.T
	store    store.Store
	now      time.Time
	pl       *Pipeline
	mu       sync.Mutex
	messages []string
	webhook  string
	seq      int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := &harness{t: t, store: s, now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m notify.Message
		json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		h.messages = append(h.messages, m.Text)
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	h.webhook = srv.URL + "/services/T1/secret-path"
	runner := smoke.New()
	runner.Sleep = func(context.Context, time.Duration) error { return nil }
	hooks := deployhook.New()
	hooks.Sleep = runner.Sleep
	h.pl = &Pipeline{Store: s, Now: func() time.Time { return h.now }, Checks: runner, Hooks: hooks,
		Notifier: notify.New(), Secret: deployhook.Secret, PageURL: "https://ferry.example/"}
	return h
}

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) env(name string, pol policy.Policy) {
	h.t.Helper()
	pol.Notify = append(pol.Notify, policy.Webhook{URL: h.webhook})
	h.must(h.store.CreateEnvironment(ctx, &environment.Environment{Name: name, Policy: pol, CreatedAt: h.now}))
}

// rel stores a release whose nodes are name=kind pairs; message is its source message.
func (h *harness) rel(label, message string, checks []release.Check, nodes ...string) *release.Release {
	h.t.Helper()
	r := &release.Release{Name: label, Source: &release.Source{Message: message}, Checks: checks}
	for _, n := range nodes {
		name, kind, _ := strings.Cut(n, "=")
		r.Nodes = append(r.Nodes, release.Node{Name: name, Kind: kind})
	}
	h.must(release.Validate(label, r, nil))
	h.must(h.store.PutRelease(ctx, r))
	return r
}

// promotion creates a promotion of r into env, as the API will.
func (h *harness) promotion(env string, r *release.Release, via promotion.Via, source string) string {
	h.t.Helper()
	h.seq++
	id := fmt.Sprintf("p%d", h.seq)
	h.must(h.store.CreatePromotion(ctx, &promotion.Promotion{ID: id, Target: env, ReleaseID: r.ID(), Source: source,
		RequestedBy: "ci-bot", Via: via, State: promotion.Planning, CreatedAt: h.now, UpdatedAt: h.now}))
	return id
}

// deploy runs a promotion that needs no approval to its end and returns its id.
func (h *harness) deploy(env string, r *release.Release) string {
	h.t.Helper()
	id := h.promotion(env, r, promotion.ViaCI, "")
	res, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	if res.Gate != GateAuto {
		h.must(h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "token"}))
		_, err := h.store.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", Decision: promotion.Approve, At: h.now})
		h.must(err)
	}
	h.must(h.pl.Apply(ctx, Input{PromotionID: id}))
	sm, err := h.pl.Smoke(ctx, Input{PromotionID: id})
	h.must(err)
	if !sm.Passed {
		h.t.Fatal("smoke failed while deploying")
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Succeeded}))
	return id
}

func (h *harness) get(id string) *promotion.Promotion {
	h.t.Helper()
	p, err := h.store.GetPromotion(ctx, id)
	h.must(err)
	return p
}

func (h *harness) getEnv(name string) *environment.Environment {
	h.t.Helper()
	e, err := h.store.GetEnvironment(ctx, name)
	h.must(err)
	return e
}

// wantError fails unless err is of the step error type named want and mentions texts.
func wantError(t *testing.T, err error, want string, texts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if got := reflect.TypeOf(err).Elem().Name(); got != want {
		t.Fatalf("error %T (%v), want %s: the state machine matches the type name", err, err, want)
	}
	for _, s := range texts {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

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

func TestApprovalKeepsTheTokenSecret(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana", "group:sre"}, MinApprovals: 2, ApprovalTimeout: policy.Duration(2 * time.Hour)})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	const token = "AAAA-very-secret-task-token"
	h.must(h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: token}))
	p := h.get(id)
	if p.State != promotion.AwaitingApproval || p.TaskToken != token {
		t.Fatalf("after approval: %s, token stored %v", p.State, p.TaskToken == token)
	}
	b, _ := json.Marshal(p)
	everything := string(b) + strings.Join(h.messages, "\n")
	for _, e := range p.Events {
		everything += e.Message
	}
	if strings.Contains(everything, token) {
		t.Error("the task token leaked into the promotion's JSON, an event or a notification")
	}
	if len(h.messages) != 1 {
		t.Fatalf("%d notifications, want 1: %v", len(h.messages), h.messages)
	}
	msg := h.messages[0]
	for _, want := range []string{"awaits approval", "https://ferry.example/#/promotions/" + id, "1 added", "ana, group:sre", "2 needed", "2026-11-01T12:00:00Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("notification %q lacks %q", msg, want)
		}
	}
	wantError(t, h.pl.Approval(ctx, Input{PromotionID: id}), "StepFailed", "no task token")
}

// TestCancelledMidway: steps still on their way when a promotion is cancelled
// find it ended; the approval does not wait and the apply switches nothing.
func TestCancelledMidway(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana"}})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	_, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	p, err := h.pl.Cancel(ctx, id, "ci")
	h.must(err)
	if p.State != promotion.Cancelled || p.FinishedAt == nil || h.getEnv("prod").Lock != nil {
		t.Fatalf("after cancel: %s, lock %+v", p.State, h.getEnv("prod").Lock)
	}
	wantError(t, h.pl.Approval(ctx, Input{PromotionID: id, TaskToken: "late"}), "StepFailed", "CANCELLED", "waits for nobody")
	wantError(t, h.pl.Apply(ctx, Input{PromotionID: id}), "StepFailed", "CANCELLED", "switches nothing")
	if got := h.get(id); got.State != promotion.Cancelled || got.TaskToken != "" || h.getEnv("prod").Version != 0 {
		t.Errorf("after the late steps: %s, version %d", got.State, h.getEnv("prod").Version)
	}
	h.must(h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Failed}))
	if got := h.get(id); got.State != promotion.Cancelled {
		t.Errorf("finalize overwrote the cancellation: %s", got.State)
	}
	if _, err := h.pl.Cancel(ctx, id, "ci"); err != nil {
		t.Errorf("cancelling again: %v", err)
	}
}

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
		if ev.Type == "finished" {
			finished++
		}
	}
	if finished != 1 {
		t.Errorf("%d finished events, want 1", finished)
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
			if last := events[len(events)-1]; last.Type != "rollback_skipped" || !strings.Contains(last.Message, tt.why) {
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

func TestPlanIsRepeatable(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	first, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	digest := h.get(id).PlanDigest
	again, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	if *first != *again || h.get(id).PlanDigest != digest {
		t.Errorf("second plan %+v differs from %+v", again, first)
	}
}

func TestFinalizeNotifiesAndSurvivesAFailingWebhook(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never, Notify: []policy.Webhook{{URL: "http://127.0.0.1:1/hooks/secret-token-path"}}})
	id := h.deploy("prod", h.rel("v1 <b>bold</b>", "", nil, "a=model"))
	if len(h.messages) != 1 || !strings.Contains(h.messages[0], "ended SUCCEEDED") {
		t.Errorf("notifications %v", h.messages)
	}
	var failed []promotion.Event
	for _, e := range h.get(id).Events {
		if e.Type == "notify_failed" {
			failed = append(failed, e)
		}
	}
	if len(failed) != 1 || strings.Contains(failed[0].Message, "secret-token-path") {
		t.Errorf("notify failures %+v (the webhook's path must not be logged)", failed)
	}
	wantError(t, h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Applying}), "StepFailed", "not a final state")
}

func TestCaughtErrorMessage(t *testing.T) {
	tests := []struct {
		in   CaughtError
		want string
	}{
		{CaughtError{Error: "PlanStale", Cause: `{"errorMessage":"plan stale: x","errorType":"PlanStale"}`}, "PlanStale: plan stale: x"},
		{CaughtError{Error: "States.Timeout", Cause: ""}, "States.Timeout"},
		{CaughtError{Error: "Rejected", Cause: "not now"}, "Rejected: not now"},
	}
	for _, tt := range tests {
		if got := tt.in.Message(); got != tt.want {
			t.Errorf("Message() = %q, want %q", got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fault.Errorf(fault.Conflict, "plan stale: environment prod is at version 3"), "PlanStale"},
		{fault.Errorf(fault.NotFound, "promotion x not found"), "StepFailed"},
		{errors.New("throttled"), "Transient"},
		{fmt.Errorf("wrapped: %w", &SoakNotMet{Msg: "m"}), "SoakNotMet"},
		{context.DeadlineExceeded, "Transient"},
	}
	for _, tt := range tests {
		if got := reflect.TypeOf(classify(tt.err)).Elem().Name(); got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestStateMachineErrorNames: every error the definition matches is one a step
// reports (or Step Functions, Lambda or the approval API does), and every step
// error is handled somewhere.
func TestStateMachineErrorNames(t *testing.T) {
	data, err := os.ReadFile("../../statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		States map[string]struct {
			Retry, Catch []struct {
				ErrorEquals []string
			}
		}
	}
	if err := json.Unmarshal(data, &sm); err != nil {
		t.Fatal(err)
	}
	known := append(ErrorNames(), RejectedError)
	used := map[string]bool{}
	for name, st := range sm.States {
		for _, r := range append(st.Retry, st.Catch...) {
			for _, e := range r.ErrorEquals {
				used[e] = true
				if !strings.HasPrefix(e, "States.") && !strings.HasPrefix(e, "Lambda.") && !slices.Contains(known, e) {
					t.Errorf("state %s matches %q, which no step reports", name, e)
				}
			}
		}
	}
	for _, e := range []string{"Transient", "PlanStale", RejectedError, "States.Timeout", "States.ALL"} {
		if !used[e] {
			t.Errorf("the definition never matches %s", e)
		}
	}
}

func TestManualRollbackIsAPromotion(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	v1 := h.rel("v1", "", nil, "a=model")
	h.deploy("prod", v1)
	h.deploy("prod", h.rel("v2", "", nil, "a=model", "b=model"))
	h.deploy("prod", h.rel("v3", "", nil, "a=seed"))
	env := h.getEnv("prod")
	env.Policy = policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana"}}
	h.must(h.store.SaveEnvironment(ctx, env))

	p, err := h.pl.RollbackTo(ctx, "prod", 1, "rb1", "ana")
	h.must(err)
	if p.ReleaseID != v1.ID() || p.Via != promotion.ViaRollback || p.State != promotion.Planning {
		t.Fatalf("rollback promotion %+v", p)
	}
	res, err := h.pl.Plan(ctx, Input{PromotionID: "rb1"})
	h.must(err)
	if res.Gate != GateManual || !res.Changes {
		t.Errorf("a rollback that changes a node's kind is planned and gated like any other: %+v", res)
	}
	prev, err := h.pl.RollbackTo(ctx, "prod", 0, "rb2", "ana") // 0: the previous version
	h.must(err)
	if live := h.getEnv("prod"); prev.ReleaseID == v1.ID() || prev.ReleaseID == live.Current.ReleaseID {
		t.Errorf("version 0 should mean version 2, got release %s", prev.ReleaseID)
	}
	for _, bad := range []int64{3, 7, -1} {
		if _, err := h.pl.RollbackTo(ctx, "prod", bad, fmt.Sprintf("bad%d", bad), "ana"); fault.ErrorCode(err) != fault.Invalid {
			t.Errorf("rollback to version %d: %v, want invalid", bad, err)
		}
	}
}

func TestDecidedNotification(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana", "bo"}})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	var decided []string
	for _, m := range h.messages {
		if strings.Contains(m, "approved by ana") {
			decided = append(decided, m)
		}
	}
	if len(decided) != 1 {
		t.Errorf("decided notifications %v, messages %v", decided, h.messages)
	}
}
