package local

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// The tests below run the scheduled cleanup continuously (every few
// milliseconds, on the real clock) against promotions that take much longer:
// cleanup must end only what Step Functions confirms is over, and never a
// promotion that is merely slow.

// cleanupEvery is the interval these tests run the cleanup at.
const cleanupEvery = 5 * time.Millisecond

// endBound bounds how long a promotion may take to end; it is a correctness
// bound (something that never ends fails the test), not a speed target.
const endBound = 30 * time.Second

// busyCleanup is a system on the real clock whose cleanup never rests.
type busyCleanup struct {
	t   *testing.T
	s   *System
	seq int
}

// bootBusy starts a system in dir, on table with DynamoDB (embedded when ""), with
// the cleanup running every cleanupEvery.
func bootBusy(t *testing.T, dir, table string) *busyCleanup {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dir, Tick: 20 * time.Millisecond, CleanupEvery: cleanupEvery}
	if table != "" {
		cfg.DynamoEndpoint, cfg.Table = os.Getenv("FERRY_DYNAMODB_ENDPOINT"), table
	}
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &busyCleanup{t: t, s: s}
}

// table names a fresh DynamoDB table for backend, or "" for the embedded store.
func table(backend string) string {
	if backend != "dynamo" {
		return ""
	}
	return fmt.Sprintf("ferry-cleanup-%d", time.Now().UnixNano())
}

// environment creates env with pol.
func (b *busyCleanup) environment(env string, pol policy.Policy) {
	b.t.Helper()
	if err := b.s.Store.CreateEnvironment(ctx, &environment.Environment{Name: env, Policy: pol, CreatedAt: time.Now()}); err != nil {
		b.t.Fatal(err)
	}
}

// promote stores a fresh one-node release and promotes it into env.
func (b *busyCleanup) promote(env string) string {
	b.t.Helper()
	b.seq++
	id := fmt.Sprintf("c%d", b.seq)
	r := storeRelease(b.t, b.s.Store, &release.Release{Name: id}, fmt.Sprintf("a=model-%d", b.seq))
	if err := b.s.Promote(ctx, id, env, r.ID(), "ci", promotion.ViaCI); err != nil {
		b.t.Fatal(err)
	}
	return id
}

// reaches waits until promotion id is in state (or has ended) and returns it.
func (b *busyCleanup) reaches(id string, state promotion.State) *promotion.Promotion {
	b.t.Helper()
	for deadline := time.Now().Add(endBound); ; time.Sleep(10 * time.Millisecond) {
		p, err := b.s.Store.GetPromotion(ctx, id)
		if err != nil {
			b.t.Fatal(err)
		}
		if p.State == state || p.State.Final() || time.Now().After(deadline) {
			return p
		}
	}
}

// byCleanup lists what the cleanup recorded on promotion p.
func byCleanup(p *promotion.Promotion) []string {
	var said []string
	for _, e := range p.Events {
		if e.Actor == "cleanup" {
			said = append(said, e.Message)
		}
	}
	return said
}

func TestCleanupNeverEndsASlowPromotion(t *testing.T) {
	for _, backend := range stores(t) {
		t.Run(backend, func(t *testing.T) {
			b := bootBusy(t, t.TempDir(), table(backend))
			defer b.s.Close()
			slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(700 * time.Millisecond) }))
			defer slow.Close()
			b.environment("prod", policy.Policy{Approval: policy.Never,
				Smoke: []policy.SmokeCheck{{Name: "slow", URL: slow.URL, Timeout: policy.Duration(5 * time.Second)}}})
			b.environment("staging", policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})

			for range 3 {
				id := b.promote("prod")
				if p := b.reaches(id, promotion.Succeeded); p.State != promotion.Succeeded || len(byCleanup(p)) > 0 {
					t.Fatalf("a promotion whose smoke check is slow: %s %q; cleanup said %q", p.State, p.Error, byCleanup(p))
				}
			}
			waiting := b.promote("staging")
			b.reaches(waiting, promotion.AwaitingApproval)
			time.Sleep(100 * cleanupEvery) // many cleanups while it waits
			p := b.reaches(waiting, promotion.AwaitingApproval)
			if env, err := b.s.Store.GetEnvironment(ctx, "staging"); err != nil || p.State != promotion.AwaitingApproval || env.Lock == nil {
				t.Fatalf("a promotion waiting for approval: %s, lock %+v (%v)", p.State, env.Lock, err)
			}
			if _, err := b.s.Control.Decide(ctx, policy.Identity{Subject: "ana"}, waiting, promotion.Approve,
				control.DecisionRequest{PlanDigest: p.PlanDigest}); err != nil {
				t.Fatal(err)
			}
			if p := b.reaches(waiting, promotion.Succeeded); p.State != promotion.Succeeded || len(byCleanup(p)) > 0 {
				t.Fatalf("after its approval: %s %q; cleanup said %q", p.State, p.Error, byCleanup(p))
			}
		})
	}
}

func TestCleanupEndsAStoppedExecution(t *testing.T) {
	for _, backend := range stores(t) {
		t.Run(backend, func(t *testing.T) {
			b := bootBusy(t, t.TempDir(), table(backend))
			defer b.s.Close()
			b.environment("prod", policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
			id := b.promote("prod")
			b.reaches(id, promotion.AwaitingApproval)
			if _, err := b.s.SFNClient().StopExecution(ctx, &sfn.StopExecutionInput{
				ExecutionArn: aws.String(control.ExecutionARN(b.s.StateMachineARN, id)), Cause: aws.String("stopped by hand")}); err != nil {
				t.Fatal(err)
			}
			wantEndedByCleanup(t, b, id, "ABORTED")
		})
	}
}

// TestCleanupEndsAPromotionWhoseJournalIsGone: a ferry local on a new data
// directory but the same DynamoDB table has no execution for a promotion that
// waited in the old one; cleanup ends it.
func TestCleanupEndsAPromotionWhoseJournalIsGone(t *testing.T) {
	if len(stores(t)) < 2 {
		t.Skip("needs DynamoDB Local (FERRY_DYNAMODB_ENDPOINT): run it through infra/with-dynamodb-local.sh")
	}
	tbl := table("dynamo")
	first := bootBusy(t, t.TempDir(), tbl)
	first.environment("prod", policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, ApprovalTimeout: policy.Duration(time.Hour)})
	id := first.promote("prod")
	if p := first.reaches(id, promotion.AwaitingApproval); p.State != promotion.AwaitingApproval {
		t.Fatalf("%s %q", p.State, p.Error)
	}
	if err := first.s.Close(); err != nil {
		t.Fatal(err)
	}
	b := bootBusy(t, t.TempDir(), tbl)
	defer b.s.Close()
	wantEndedByCleanup(t, b, id, "gone")
}

// wantEndedByCleanup checks that promotion id ends FAILED by the cleanup, with
// a reason that says what Step Functions said (says), and its lock released
// (right after the end is recorded).
func wantEndedByCleanup(t *testing.T, b *busyCleanup, id, says string) {
	t.Helper()
	p := b.reaches(id, promotion.Failed)
	var env *environment.Environment
	for deadline := time.Now().Add(endBound); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if env, err = b.s.Store.GetEnvironment(ctx, p.Target); err != nil {
			t.Fatal(err)
		}
		if env.Lock == nil || time.Now().After(deadline) {
			break
		}
	}
	p = b.reaches(id, promotion.Failed) // read again: its events are written before the lock is released
	if p.State != promotion.Failed || !strings.Contains(p.Error, says) || len(byCleanup(p)) != 1 || env.Lock != nil || p.FinishedAt == nil {
		t.Errorf("promotion %s: %s %q, cleanup said %q, lock %+v", id, p.State, p.Error, byCleanup(p), env.Lock)
	}
}

// TestCleanupStartsAPromotionWhoseStartDied: a start that died after recording
// the promotion and reserving its lock, before StartExecution, is started by the
// cleanup rather than failed: nothing ran, so there is nothing to overrule.
func TestCleanupStartsAPromotionWhoseStartDied(t *testing.T) {
	for _, backend := range stores(t) {
		t.Run(backend, func(t *testing.T) {
			b := bootBusy(t, t.TempDir(), table(backend))
			defer b.s.Close()
			b.environment("prod", policy.Policy{Approval: policy.Never})
			r := storeRelease(t, b.s.Store, &release.Release{Name: "v1"}, "a=model")
			now := time.Now().Add(-2 * time.Minute) // its start is over: the cleanup starts it
			const id = "died-before-its-execution"
			if _, err := b.s.Store.AcquireLock(ctx, "prod", id, now, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := b.s.Store.CreatePromotion(ctx, &promotion.Promotion{ID: id, Target: "prod", ReleaseID: r.ID(), RequestedBy: "ci",
				Via: promotion.ViaCI, State: promotion.Planning, Execution: control.ExecutionARN(b.s.StateMachineARN, id),
				CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			p := b.reaches(id, promotion.Succeeded)
			started := 0
			for _, e := range p.Events {
				if e.Type == promotion.EventStarted {
					started++
				}
			}
			if p.State != promotion.Succeeded || started != 1 || len(byCleanup(p)) > 0 {
				t.Errorf("%s %q, %d started events, cleanup said %q", p.State, p.Error, started, byCleanup(p))
			}
		})
	}
}
