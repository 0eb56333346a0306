package local

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fakeclock"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

var ctx = context.Background()

// boot starts a system in dir on loopback; with dynamo, on DynamoDB Local.
func boot(tb testing.TB, dir string, c *fakeclock.Clock, dynamoTable string) *System {
	tb.Helper()
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dir, Now: c.Now, Tick: time.Hour}
	if dynamoTable != "" {
		cfg.DynamoEndpoint, cfg.Table = os.Getenv("FERRY_DYNAMODB_ENDPOINT"), dynamoTable
	}
	s, err := Start(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// stores lists the stores the scenarios run on: always the embedded one, and
// DynamoDB Local when make test provides it (in CI it must).
func stores(t *testing.T) []string {
	out := []string{""}
	switch {
	case os.Getenv("FERRY_DYNAMODB_ENDPOINT") != "":
		out = append(out, "dynamo")
	case os.Getenv("CI") == "true":
		t.Fatal("FERRY_DYNAMODB_ENDPOINT is not set: CI must run the scenarios on DynamoDB Local too")
	}
	return out
}

// world is a system with environments staging and prod, a smoke endpoint the test
// can break, and helpers to promote and decide.
type world struct {
	t       *testing.T
	s       *System
	clock   *fakeclock.Clock
	healthy bool
	seq     int
}

func newWorld(t *testing.T, backend string) *world {
	t.Helper()
	w := &world{t: t, clock: fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)), healthy: true}
	table := ""
	if backend == "dynamo" {
		table = fmt.Sprintf("ferry-local-%d", time.Now().UnixNano())
	}
	w.s = boot(t, t.TempDir(), w.clock, table)
	t.Cleanup(func() { w.s.Close() })
	health := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		if !w.healthy {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(health.Close)
	for _, env := range []string{"staging", "prod"} {
		pol := policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana", "bo"}, ApprovalTimeout: policy.Duration(time.Hour),
			Smoke: []policy.SmokeCheck{{Name: "health", URL: health.URL, RetryDelay: policy.Duration(time.Millisecond)}}}
		if err := w.s.Store.CreateEnvironment(ctx, &environment.Environment{Name: env, Policy: pol, CreatedAt: w.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// promote stores a release of name=kind nodes and promotes it into env.
func (w *world) promote(env string, nodes ...string) string {
	w.t.Helper()
	return w.promoteWithMessage(env, "", nodes...)
}

// promoteWithMessage promotes a release whose source commit has message.
func (w *world) promoteWithMessage(env, message string, nodes ...string) string {
	w.t.Helper()
	w.seq++
	id := fmt.Sprintf("p%d", w.seq)
	r := storeRelease(w.t, w.s.Store, &release.Release{Name: id, Source: &release.Source{Message: message}}, nodes...)
	if err := w.s.Promote(ctx, id, env, r.ID(), "ci", promotion.ViaCI); err != nil {
		w.t.Fatal(err)
	}
	w.s.Emulator.Settle()
	return id
}

// storeRelease stores r with nodes given as name=kind.
func storeRelease(t *testing.T, st store.Store, r *release.Release, nodes ...string) *release.Release {
	t.Helper()
	for _, n := range nodes {
		name, kind, _ := strings.Cut(n, "=")
		r.Nodes = append(r.Nodes, release.Node{Name: name, Kind: kind})
	}
	if err := release.Validate(r.Name, r, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

// decide decides on a promotion through the API's operation, which answers the
// waiting task through the Step Functions API on a rejection or at the quorum.
func (w *world) decide(id, who string, d promotion.Decision) {
	w.t.Helper()
	req := control.DecisionRequest{PlanDigest: w.promotion(id).PlanDigest, Comment: "looked at it"}
	if _, err := w.s.Control.Decide(ctx, policy.Identity{Subject: who}, id, d, req); err != nil {
		w.t.Fatal(err)
	}
	w.s.Emulator.Settle()
}

func (w *world) promotion(id string) *promotion.Promotion {
	w.t.Helper()
	p, err := w.s.Store.GetPromotion(ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) env(name string) *environment.Environment {
	w.t.Helper()
	e, err := w.s.Store.GetEnvironment(ctx, name)
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

func TestScenarios(t *testing.T) {
	for _, backend := range stores(t) {
		name := "embedded"
		if backend != "" {
			name = backend
		}
		t.Run(name, func(t *testing.T) {
			t.Run("first promotion applies without approval", func(t *testing.T) {
				w := newWorld(t, backend)
				id := w.promote("prod", "a=model")
				if p := w.promotion(id); p.State != promotion.Succeeded || w.env("prod").Version != 1 || w.env("prod").Lock != nil {
					t.Fatalf("promotion %s, version %d, lock %+v", p.State, w.env("prod").Version, w.env("prod").Lock)
				}
			})
			t.Run("approved", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=seed")
				if w.promotion(id).State != promotion.AwaitingApproval {
					t.Fatalf("not awaiting approval: %s", w.promotion(id).State)
				}
				w.decide(id, "ana", promotion.Approve)
				if p := w.promotion(id); p.State != promotion.Succeeded || w.env("prod").Version != 2 {
					t.Errorf("promotion %s (%s), version %d", p.State, p.Error, w.env("prod").Version)
				}
			})
			t.Run("two of three approvers", func(t *testing.T) {
				w := newWorld(t, backend)
				env := w.env("prod")
				env.Policy.Approvers, env.Policy.MinApprovals = []string{"ana", "bo", "cy"}, 2
				if err := w.s.Store.SaveEnvironment(ctx, env); err != nil {
					t.Fatal(err)
				}
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=seed")
				w.decide(id, "ana", promotion.Approve)
				if p := w.promotion(id); p.State != promotion.AwaitingApproval || p.ApprovalCount() != 1 {
					t.Fatalf("after one approval: %s, %d", p.State, p.ApprovalCount())
				}
				w.decide(id, "cy", promotion.Approve)
				if p := w.promotion(id); p.State != promotion.Succeeded || p.ApprovalCount() != 2 {
					t.Errorf("after two approvals: %s (%s)", p.State, p.Error)
				}
			})
			t.Run("held release waits though nothing breaks", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promoteWithMessage("prod", "Add b [HOLD] until the launch", "a=model", "b=model")
				if p := w.promotion(id); p.State != promotion.AwaitingApproval {
					t.Fatalf("a held release did not wait: %s", p.State)
				}
				w.decide(id, "bo", promotion.Approve)
				if p := w.promotion(id); p.State != promotion.Succeeded {
					t.Errorf("after approval: %s (%s)", p.State, p.Error)
				}
			})
			t.Run("rejected", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=seed")
				w.decide(id, "bo", promotion.Reject)
				if p := w.promotion(id); p.State != promotion.Rejected || w.env("prod").Version != 1 || w.env("prod").Lock != nil {
					t.Errorf("promotion %s, version %d", p.State, w.env("prod").Version)
				}
			})
			t.Run("approval times out", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=seed")
				w.clock.Add(61 * time.Minute)
				w.s.Emulator.Tick()
				w.s.Emulator.Settle()
				if p := w.promotion(id); p.State != promotion.Expired || w.env("prod").Lock != nil {
					t.Errorf("promotion %s, lock %+v", p.State, w.env("prod").Lock)
				}
			})
			t.Run("no changes", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=model")
				if p := w.promotion(id); p.State != promotion.NoChanges || w.env("prod").Version != 1 {
					t.Errorf("promotion %s, version %d", p.State, w.env("prod").Version)
				}
			})
			t.Run("smoke failure rolls back", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				w.healthy = false
				id := w.promote("prod", "a=model", "b=model")
				history, _, err := w.s.Store.History(ctx, "prod", store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				if p := w.promotion(id); p.State != promotion.RolledBack || w.env("prod").Version != 3 ||
					history[0].Kind != environment.Rollback || !strings.Contains(history[0].Reason, "smoke checks failed: health") {
					t.Errorf("promotion %s, version %d, latest %+v", p.State, w.env("prod").Version, history[0])
				}
			})
			t.Run("a second start is refused at once while the lock is held", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				waiting := w.promote("prod", "a=seed")
				err := w.s.Promote(ctx, "refused", "prod", w.promotion(waiting).ReleaseID, "ci", promotion.ViaCI)
				if fault.ErrorCode(err) != fault.Conflict || !strings.Contains(err.Error(), waiting+" (AWAITING_APPROVAL) since") {
					t.Errorf("second start: %v, want a conflict naming the holder", err)
				}
				if _, err := w.s.Store.GetPromotion(ctx, "refused"); fault.ErrorCode(err) != fault.NotFound {
					t.Errorf("the refused start recorded a promotion: %v", err)
				}
				if w.env("prod").Lock.Holder != waiting || w.promotion(waiting).State != promotion.AwaitingApproval {
					t.Error("the refused promotion disturbed the one holding the lock")
				}
			})
			t.Run("stale plan", func(t *testing.T) {
				w := newWorld(t, backend)
				w.promote("prod", "a=model")
				id := w.promote("prod", "a=seed") // planned against version 1, waiting
				other := &promotion.Promotion{ID: "ops", Target: "prod", ReleaseID: w.promotion(id).ReleaseID, RequestedBy: "ops",
					State: promotion.Applying, CreatedAt: w.clock.Now()}
				if err := w.s.Store.CreatePromotion(ctx, other); err != nil {
					t.Fatal(err)
				}
				if _, err := w.s.Store.Switch(ctx, store.SwitchRequest{Environment: "prod", BaseVersion: 1, ReleaseID: other.ReleaseID,
					PromotionID: "ops", State: promotion.Succeeded, Kind: environment.Promote, By: "ops", At: w.clock.Now()}); err != nil {
					t.Fatal(err)
				}
				w.decide(id, "ana", promotion.Approve)
				if p := w.promotion(id); p.State != promotion.Failed || !strings.Contains(p.Error, "PlanStale") || w.env("prod").Version != 2 {
					t.Errorf("promotion %s %q, version %d", p.State, p.Error, w.env("prod").Version)
				}
			})
		})
	}
}

// TestDemoAndRestart: --demo leaves a promotion waiting in staging; it survives a
// restart of the whole system and is approved after it.
func TestDemoAndRestart(t *testing.T) {
	dir := t.TempDir()
	c := fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	s := boot(t, dir, c, "")
	if err := Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, s); err != nil { // a second run leaves the demo alone
		t.Fatal(err)
	}
	w := &world{t: t, s: s, clock: c}
	if p := w.promotion("demo-v1-4-0-dev"); p.State != promotion.Succeeded {
		t.Errorf("dev promotion %s (%s)", p.State, p.Error)
	}
	if p := w.promotion("demo-v1-4-0-staging"); p.State != promotion.AwaitingApproval {
		t.Fatalf("staging promotion %s (%s)", p.State, p.Error)
	}
	refs, err := s.Store.Deployment(ctx, "prod", 1)
	if err != nil || len(refs) == 0 || refs[0].BuiltIn != "dev" {
		t.Errorf("prod's seeded deployment %+v, %v", refs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	c.Add(10 * time.Minute)
	s = boot(t, dir, c, "")
	defer s.Close()
	w.s = s
	w.decide("demo-v1-4-0-staging", "ana", promotion.Approve)
	if p := w.promotion("demo-v1-4-0-staging"); p.State != promotion.Succeeded || w.env("staging").Version != 2 {
		t.Errorf("after the restart: %s (%s), version %d", p.State, p.Error, w.env("staging").Version)
	}
	if err := s.Emulator.JournalErr(); err != nil {
		t.Error(err)
	}
}

// TestCleanupReleasesADeadExecutionsLock: an execution stopped behind the
// pipeline's back leaves its lock; cleanup, asking the emulator, releases it.
func TestCleanupReleasesADeadExecutionsLock(t *testing.T) {
	w := newWorld(t, "")
	w.promote("prod", "a=model")
	id := w.promote("prod", "a=seed") // waits for approval, holding the lock
	arn := control.ExecutionARN(w.s.StateMachineARN, id)
	if _, err := w.s.Emulator.Stop(arn, "Killed", "by hand"); err != nil {
		t.Fatal(err)
	}
	report, err := w.s.Control.Cleanup(ctx, w.s.Pipeline)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Unlocked) != 1 || w.env("prod").Lock != nil || w.promotion(id).State != promotion.Failed {
		t.Errorf("report %+v, lock %+v, promotion %s", report, w.env("prod").Lock, w.promotion(id).State)
	}
}

func TestPromoteAnUnknownRelease(t *testing.T) {
	w := newWorld(t, "")
	err := w.s.Promote(ctx, "p1", "prod", "sha256:never-stored", "ci", promotion.ViaCI)
	if fault.ErrorCode(err) != fault.NotFound {
		t.Fatalf("error %v, want not_found", err)
	}
	if _, err := w.s.Store.GetPromotion(ctx, "p1"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("a refused promotion was recorded: %v", err)
	}
}
