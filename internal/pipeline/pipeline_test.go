package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/secretref"
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
		Notifier: notify.New(), Secret: secretref.Resolver{}.Resolve, PageURL: "https://ferry.example/"}
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
		_, err := h.store.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", As: "ana", Decision: promotion.Approve,
			PlanDigest: h.get(id).PlanDigest, At: h.now})
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
	if got := lambdaerr.Name(err); got != want {
		t.Fatalf("error %T (%v), want %s: the state machine matches the type name", err, err, want)
	}
	for _, s := range texts {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}
