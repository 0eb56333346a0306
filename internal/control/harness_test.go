package control

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

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/secretref"
	"github.com/ferrydev/ferry/internal/smoke"
	"github.com/ferrydev/ferry/internal/store"
)

// harness is the operations and the pipeline's steps on one real embedded store,
// with a clock the test moves, a webhook that records notifications, and Step
// Functions answering that no execution exists (the test runs the steps itself).
type harness struct {
	t        *testing.T
	store    store.Store
	now      time.Time
	pl       *pipeline.Pipeline
	svc      *Service
	sfn      *stoppingSFN
	mu       sync.Mutex
	messages []string
	webhook  string
	seq      int
}

// stoppingSFN answers StopExecution, counting the calls, as Step Functions does
// for an execution that does not exist.
type stoppingSFN struct {
	StepFunctions
	stopped []string
}

func (f *stoppingSFN) StopExecution(_ context.Context, in *sfn.StopExecutionInput, _ ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	f.stopped = append(f.stopped, *in.ExecutionArn)
	return nil, &smithy.GenericAPIError{Code: "ExecutionDoesNotExist"}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := &harness{t: t, store: s, now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), sfn: &stoppingSFN{}}
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
	clock := func() time.Time { return h.now }
	h.pl = &pipeline.Pipeline{Store: s, Now: clock, Checks: runner, Hooks: hooks,
		Notifier: notify.New(), Secret: secretref.Resolver{}.Resolve, PageURL: "https://ferry.example/"}
	h.svc = &Service{Store: s, Now: clock, SFN: h.sfn, StateMachineARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:ferry",
		Notifier: notify.New(), PageURL: "https://ferry.example/", Admins: []string{"group:admins"}}
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

// rel stores a release whose nodes are name=kind pairs.
func (h *harness) rel(label string, nodes ...string) *release.Release {
	h.t.Helper()
	r := &release.Release{Name: label}
	for _, n := range nodes {
		name, kind, _ := strings.Cut(n, "=")
		r.Nodes = append(r.Nodes, release.Node{Name: name, Kind: kind})
	}
	h.must(release.Validate(label, r, nil))
	h.must(h.store.PutRelease(ctx, r))
	return r
}

// promotion records a promotion of r into env requested by ci-bot, as Start does
// before it starts the execution.
func (h *harness) promotion(env string, r *release.Release) string {
	h.t.Helper()
	h.seq++
	id := fmt.Sprintf("p%d", h.seq)
	h.must(h.store.CreatePromotion(ctx, &promotion.Promotion{ID: id, Target: env, ReleaseID: r.ID(),
		RequestedBy: "ci-bot", Via: promotion.ViaCI, State: promotion.Planning, CreatedAt: h.now, UpdatedAt: h.now}))
	return id
}

// deploy runs a promotion that needs no approval to its end and returns its id.
func (h *harness) deploy(env string, r *release.Release) string {
	h.t.Helper()
	id := h.promotion(env, r)
	res, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	if res.Gate != pipeline.GateAuto {
		h.must(h.pl.Approval(ctx, pipeline.Input{PromotionID: id, TaskToken: "token"}))
		_, err := h.store.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", As: "ana", Decision: promotion.Approve,
			PlanDigest: h.get(id).PlanDigest, At: h.now})
		h.must(err)
	}
	h.must(h.pl.Apply(ctx, pipeline.Input{PromotionID: id}))
	sm, err := h.pl.Smoke(ctx, pipeline.Input{PromotionID: id})
	h.must(err)
	if !sm.Passed {
		h.t.Fatal("smoke failed while deploying")
	}
	h.must(h.pl.Finalize(ctx, pipeline.Input{PromotionID: id, Outcome: promotion.Succeeded}))
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

// wantStepError fails unless err is of the pipeline's step error type named want
// and mentions texts.
func wantStepError(t *testing.T, err error, want string, texts ...string) {
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
