package stepfn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/asl"
	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/smoke"
	"github.com/ferrydev/ferry/internal/store"
)

// world is Ferry's promotion state machine running the real pipeline steps on the
// embedded store, in process, with a clock the test moves.
type world struct {
	t       *testing.T
	store   store.Store
	machine *asl.Machine
	now     time.Time
	healthy bool
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w := &world{t: t, store: s, now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), healthy: true}
	runner := smoke.New()
	runner.Sleep = func(context.Context, time.Duration) error { return nil }
	pl := &pipeline.Pipeline{Store: s, Now: func() time.Time { return w.now }, Checks: runner, Hooks: deployhook.New(),
		Notifier: notify.New(), Secret: deployhook.Secret, PageURL: "http://127.0.0.1/"}
	fns := Functions{
		"plan": Handle(pl.Plan), "approval": Handle(noOutput(pl.Approval)), "apply": Handle(noOutput(pl.Apply)),
		"smoke": Handle(pl.Smoke), "rollback": Handle(pl.Rollback), "finalize": Handle(noOutput(pl.Finalize)),
	}
	data, err := os.ReadFile("../../statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]string{}
	for _, fn := range []string{"plan", "approval", "apply", "smoke", "rollback", "finalize"} {
		subs[strings.ToUpper(fn[:1])+fn[1:]+"FunctionArn"] = "arn:aws:lambda:us-east-1:123456789012:function:" + fn
	}
	def, err := asl.Parse(data, subs)
	if err != nil {
		t.Fatal(err)
	}
	w.machine = &asl.Machine{Def: def, ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:ferry", Runtime: fns}
	health := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		if !w.healthy {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(health.Close)
	for _, env := range []string{"staging", "prod"} {
		pol := policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana", "bo"}, MinApprovals: 1,
			ApprovalTimeout: policy.Duration(time.Hour), Smoke: []policy.SmokeCheck{{Name: "health", URL: health.URL}}}
		if err := s.CreateEnvironment(context.Background(), &environment.Environment{Name: env, Policy: pol, CreatedAt: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func noOutput(fn func(context.Context, pipeline.Input) error) func(context.Context, pipeline.Input) (*struct{}, error) {
	return func(ctx context.Context, in pipeline.Input) (*struct{}, error) { return nil, fn(ctx, in) }
}

// promote starts an execution promoting a release of nodes into env.
func (w *world) promote(id, env string, nodes ...string) *asl.Execution {
	w.t.Helper()
	r := &release.Release{Name: id}
	for _, n := range nodes {
		name, kind, _ := strings.Cut(n, "=")
		r.Nodes = append(r.Nodes, release.Node{Name: name, Kind: kind})
	}
	ctx := context.Background()
	if err := release.Validate(id, r, nil); err != nil {
		w.t.Fatal(err)
	}
	if err := w.store.PutRelease(ctx, r); err != nil {
		w.t.Fatal(err)
	}
	if err := w.store.CreatePromotion(ctx, &promotion.Promotion{ID: id, Target: env, ReleaseID: r.ID(), RequestedBy: "ci",
		Via: promotion.ViaCI, State: promotion.Planning, CreatedAt: w.now, UpdatedAt: w.now}); err != nil {
		w.t.Fatal(err)
	}
	e := w.machine.NewExecution("arn:aws:states:us-east-1:123456789012:execution:ferry:"+id, id, map[string]any{"promotion_id": id}, w.now)
	w.machine.Advance(ctx, e, w.now)
	return e
}

// decide records a decision and answers the waiting task, as the approval API will.
func (w *world) decide(e *asl.Execution, id, who string, d promotion.Decision) {
	w.t.Helper()
	ctx := context.Background()
	p, err := w.store.RecordDecision(ctx, id, promotion.Approval{Identity: who, Decision: d, At: w.now})
	if err != nil {
		w.t.Fatal(err)
	}
	if d == promotion.Reject {
		err = w.machine.SendTaskFailure(e, p.TaskToken, &asl.Failure{Name: pipeline.RejectedError, Cause: "not ready"}, w.now)
	} else {
		err = w.machine.SendTaskSuccess(e, p.TaskToken, map[string]any{"approved_by": who}, w.now)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	w.machine.Advance(ctx, e, w.now)
}

func (w *world) state(id string) promotion.State {
	w.t.Helper()
	p, err := w.store.GetPromotion(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.State
}

func (w *world) env(name string) *environment.Environment {
	w.t.Helper()
	e, err := w.store.GetEnvironment(context.Background(), name)
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

func TestScenarios(t *testing.T) {
	t.Run("first promotion applies without approval", func(t *testing.T) {
		w := newWorld(t)
		e := w.promote("p1", "prod", "a=model")
		if e.Status != asl.Succeeded || w.state("p1") != promotion.Succeeded || w.env("prod").Version != 1 {
			t.Fatalf("execution %s, promotion %s, version %d", e.Status, w.state("p1"), w.env("prod").Version)
		}
		if w.env("prod").Lock != nil {
			t.Error("the lock outlived the promotion")
		}
	})
	t.Run("breaking change approved", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		e := w.promote("p2", "prod", "a=seed")
		if w.state("p2") != promotion.AwaitingApproval || e.Wait == nil {
			t.Fatalf("not waiting for approval: %s", w.state("p2"))
		}
		w.decide(e, "p2", "ana", promotion.Approve)
		if e.Status != asl.Succeeded || w.state("p2") != promotion.Succeeded || w.env("prod").Version != 2 {
			t.Errorf("execution %s, promotion %s, version %d", e.Status, w.state("p2"), w.env("prod").Version)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		e := w.promote("p2", "prod", "a=seed")
		w.decide(e, "p2", "bo", promotion.Reject)
		if w.state("p2") != promotion.Rejected || w.env("prod").Version != 1 || w.env("prod").Lock != nil {
			t.Errorf("promotion %s, version %d, lock %+v", w.state("p2"), w.env("prod").Version, w.env("prod").Lock)
		}
	})
	t.Run("approval times out", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		e := w.promote("p2", "prod", "a=seed")
		w.now = w.now.Add(61 * time.Minute)
		w.machine.Advance(context.Background(), e, w.now)
		if w.state("p2") != promotion.Expired || w.env("prod").Lock != nil {
			t.Errorf("promotion %s, lock %+v", w.state("p2"), w.env("prod").Lock)
		}
	})
	t.Run("no changes", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		w.promote("p2", "prod", "a=model")
		if w.state("p2") != promotion.NoChanges || w.env("prod").Version != 1 {
			t.Errorf("promotion %s, version %d", w.state("p2"), w.env("prod").Version)
		}
	})
	t.Run("smoke failure rolls back", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		w.healthy = false
		w.promote("p2", "prod", "a=model", "b=model")
		env := w.env("prod")
		if w.state("p2") != promotion.RolledBack || env.Version != 3 {
			t.Errorf("promotion %s, version %d", w.state("p2"), env.Version)
		}
		history, _, _ := w.store.History(context.Background(), "prod", store.Page{})
		if history[0].Kind != environment.Rollback || !strings.Contains(history[0].Reason, "smoke checks failed: health") {
			t.Errorf("latest version %+v", history[0])
		}
	})
	t.Run("a second promotion is refused while the lock is held", func(t *testing.T) {
		w := newWorld(t)
		w.promote("p1", "prod", "a=model")
		first := w.promote("p2", "prod", "a=seed") // waits for approval, holding the lock
		second := w.promote("p3", "prod", "b=model")
		p3, _ := w.store.GetPromotion(context.Background(), "p3")
		if w.state("p3") != promotion.Failed || !strings.Contains(p3.Error, "EnvironmentLocked") || !strings.Contains(p3.Error, "p2 (AWAITING_APPROVAL)") {
			t.Errorf("second promotion %s: %q", w.state("p3"), p3.Error)
		}
		if second.Status != asl.Succeeded || first.Wait == nil || w.env("prod").Lock.Holder != "p2" {
			t.Error("the refused promotion disturbed the one holding the lock")
		}
	})
}
