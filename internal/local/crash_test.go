package local

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/apiclient"
	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/sfnemu/boltjournal"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
	"github.com/ferrydev/ferry/internal/store"
)

// The crash matrix. A child process, this test binary re-executed (TestMain sees
// crashChildEnv), runs ferry local (Start) on a data directory with crash hooks
// (crashhooks_test.go) that kill it with SIGKILL at one chosen point; the test
// drives a promotion through the HTTP API as a user would (start, approve), the
// process dies, and the test starts the system again on the same directory (and
// table), retries what the user would retry (the same start, the approval), and
// checks: the promotion reaches the expected end within a bound, the environment
// runs the old or the new release exactly (deployment and history agree), one
// history version per switch, the lock released, the execution over and no task
// token left waiting.
//
// The points are every one a clean run passes (its census): before and after each
// step's function, each journal write, each store write, and around
// StartExecution, SendTaskSuccess and SendTaskFailure. Three scenarios: an
// approved promotion whose smoke checks pass (plan, approval, apply, smoke,
// finalize), one whose smoke checks fail (rollback), and a rejected one; the last
// two add the points from where they part from the first.

const (
	crashChildEnv  = "FERRY_CRASH_CHILD" // the data directory: run as the child
	crashAtEnv     = "FERRY_CRASH_AT"    // point#n
	crashTableEnv  = "FERRY_CRASH_TABLE" // the DynamoDB table, when on DynamoDB
	crashBound     = time.Minute         // how long a promotion may take to end after a restart
	ciToken        = "ci-token-0123456789"
	approverToken  = "ana-token-0123456789"
	crashEnv       = "prod"
	crashPromotion = "p2"
)

var crashUsers = identity.Config{Users: []identity.User{{Name: "ci", Token: ciToken}, {Name: "ana", Token: approverToken}}, Admins: []string{"ci"}}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild runs ferry local on dir with the crash point of crashAtEnv armed,
// says where it listens on stdout, and serves until it is killed.
func crashChild(dir string) {
	cfg := crashConfig(dir, os.Getenv(crashTableEnv))
	cfg.seams = newCrasher(os.Getenv(crashAtEnv)).seams()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting:", err)
		os.Exit(1)
	}
	fmt.Println("serving", s.URL)
	select {}
}

// crashConfig is the configuration every process of a case runs with.
func crashConfig(dir, table string) Config {
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dir, Tick: 20 * time.Millisecond, CleanupEvery: time.Hour, Identity: crashUsers,
		Log: discardLog()}
	if table != "" {
		cfg.DynamoEndpoint, cfg.Table = os.Getenv("FERRY_DYNAMODB_ENDPOINT"), table
	}
	return cfg
}

// newAPIClient is the one place the harness builds its API clients.
func newAPIClient(url, token string) *apiclient.Client {
	c := apiclient.New(url, token)
	c.HTTP.Timeout = 10 * time.Second
	return c
}

// scenario is one promotion the matrix crashes: the reviewer's decision, whether
// its smoke checks pass, and the end it must reach: the promotion's state, the
// environment's version, whether it runs the candidate, and how many switches
// the promotion made.
type scenario struct {
	name      string
	decision  promotion.Decision
	healthy   bool
	want      promotion.State
	version   int64
	candidate bool
	switches  int
}

var (
	approvedScenario = scenario{name: "approved", decision: promotion.Approve, healthy: true,
		want: promotion.Succeeded, version: 2, candidate: true, switches: 1}
	rollbackScenario = scenario{name: "rollback", decision: promotion.Approve, healthy: false,
		want: promotion.RolledBack, version: 3, switches: 2}
	rejectedScenario = scenario{name: "rejected", decision: promotion.Reject, healthy: true,
		want: promotion.Rejected, version: 1}
)

// crashCase is one data directory (and table) with a base release deployed and a
// candidate release stored.
type crashCase struct {
	t               *testing.T
	dir, table      string
	base, candidate string // release ids
	health          *httptest.Server
}

// newCrashCase deploys the base release (version 1) in-process, without crash
// hooks, and stores the candidate, whose promotion needs an approval.
func newCrashCase(t *testing.T, backend string, sc scenario) *crashCase {
	t.Helper()
	cc := &crashCase{t: t, dir: t.TempDir()}
	if backend == "dynamo" {
		cc.table = fmt.Sprintf("ferry-crash-%d", time.Now().UnixNano())
	}
	var broken atomic.Bool
	cc.health = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if broken.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(cc.health.Close)
	s, err := Start(ctx, crashConfig(cc.dir, cc.table))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pol := policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana"}, MinApprovals: 1, ApprovalTimeout: policy.Duration(time.Hour),
		Smoke: []policy.SmokeCheck{{Name: "health", URL: cc.health.URL, RetryDelay: policy.Duration(time.Millisecond)}}}
	if err := s.Store.CreateEnvironment(ctx, &environment.Environment{Name: crashEnv, Policy: pol, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cc.base = storeRelease(t, s.Store, &release.Release{Name: "base"}, "a=model").ID()
	cc.candidate = storeRelease(t, s.Store, &release.Release{Name: "candidate"}, "a=seed").ID() // a model becomes a seed: breaking, needs an approval
	if err := s.Promote(ctx, "p1", crashEnv, cc.base, "ci", promotion.ViaCI); err != nil {
		t.Fatal(err)
	}
	s.Emulator.Settle()
	if p, err := s.Store.GetPromotion(ctx, "p1"); err != nil || p.State != promotion.Succeeded {
		t.Fatalf("the base promotion: %+v %v", p, err)
	}
	broken.Store(!sc.healthy)
	return cc
}

// drive does what a user does until the promotion ends or ctx does: starts it
// (again: the same id makes a retried start harmless) and decides on it when it
// waits. Errors are the process going away; it returns the last state seen.
func (cc *crashCase) drive(ctx context.Context, url string, decision promotion.Decision) promotion.State {
	ci, ana := newAPIClient(url, ciToken), newAPIClient(url, approverToken)
	var last promotion.State
	started := false
	for ctx.Err() == nil {
		if !started {
			_, err := ci.Start(ctx, wire.StartRequest{ID: crashPromotion, Environment: crashEnv, ReleaseID: cc.candidate, Via: promotion.ViaCLI})
			started = err == nil
		} else if view, err := ci.Promotion(ctx, crashPromotion); err == nil {
			last = view.Promotion.State
			if last.Final() {
				return last
			}
			if last == promotion.AwaitingApproval && len(view.Promotion.Approvals) == 0 {
				_, _ = ana.Decide(ctx, crashPromotion, decision, wire.DecisionRequest{PlanDigest: view.Promotion.PlanDigest, Comment: "crash test"})
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
	return last
}

// crashOutcome is one row of the matrix.
type crashOutcome struct {
	point, store string
	reached      bool // the process died at the point (else it was killed after the promotion ended)
	state        promotion.State
	version      int64
	switches     int
	locked       bool
	problems     []string
}

// runChild runs the child with point armed while driving the promotion, until the
// child dies or the promotion ends (then the child is killed); it reports
// whether the child died at the point by itself.
func (cc *crashCase) runChild(point string, sc scenario) bool {
	t := cc.t
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+cc.dir, crashAtEnv+"="+point, crashTableEnv+"="+cc.table)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	urls := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		urls <- strings.TrimSpace(strings.TrimPrefix(line, "serving "))
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); close(exited) }()
	var url string
	select {
	case url = <-urls:
	case <-time.After(crashBound):
		t.Fatal("the child did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), crashBound)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	if url != "" {
		cc.drive(ctx, url, sc.decision)
	}
	select { // the promotion may look over before its last steps run: give them a moment
	case <-exited:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("the child ended by itself, not at %s: %v", point, cmd.ProcessState)
		}
		return true
	case <-time.After(3 * time.Second):
	}
	_ = cmd.Process.Kill() // SIGKILL: the point was not reached, stop it after the end
	<-exited
	return false
}

// restart starts the system again on the case's data, drives the promotion to its
// end and checks what the matrix asserts.
func (cc *crashCase) restart(point, backend string, sc scenario, reached bool) crashOutcome {
	t := cc.t
	o := crashOutcome{point: point, store: backend, reached: reached}
	problem := func(format string, args ...any) { o.problems = append(o.problems, fmt.Sprintf(format, args...)) }
	s, err := Start(ctx, crashConfig(cc.dir, cc.table))
	if err != nil {
		t.Fatalf("restarting after %s: %v", point, err)
	}
	dctx, cancel := context.WithTimeout(ctx, crashBound)
	o.state = cc.drive(dctx, s.URL, sc.decision)
	cancel()
	if !o.state.Final() {
		problem("not final within %s: %s", crashBound, o.state)
	} else if o.state != sc.want {
		p, _ := s.Store.GetPromotion(ctx, crashPromotion)
		problem("ended %s, want %s (%s)", o.state, sc.want, p.Error)
	}
	if status := cc.executionEnds(s); status == asl.Running {
		problem("the execution still runs %s after the restart", crashBound)
	}
	s.Emulator.Settle()
	env, err := s.Store.GetEnvironment(ctx, crashEnv)
	if err != nil {
		t.Fatal(err)
	}
	o.version, o.locked = env.Version, env.Lock != nil
	if o.locked {
		problem("lock held by %s", env.Lock.Holder)
	}
	cc.checkEnvironment(s, env, sc, &o, problem)
	if err := s.Close(); err != nil {
		problem("closing: %v", err)
	}
	cc.checkTokens(problem)
	return o
}

// executionEnds polls DescribeExecution, through the Step Functions API, until the
// promotion's execution is over or crashBound has passed, and returns its status.
func (cc *crashCase) executionEnds(s *System) asl.Status {
	client := s.SFNClient()
	arn := control.ExecutionARN(s.StateMachineARN, crashPromotion)
	for deadline := time.Now().Add(crashBound); ; time.Sleep(10 * time.Millisecond) {
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			cc.t.Fatalf("describing the execution: %v", err)
		}
		if status := asl.Status(out.Status); status != asl.Running || time.Now().After(deadline) {
			return status
		}
	}
}

// checkEnvironment: the environment runs the old or the new release exactly, its
// history has each version once, and the promotion switched it at most once
// each way.
func (cc *crashCase) checkEnvironment(s *System, env *environment.Environment, sc scenario, o *crashOutcome, problem func(string, ...any)) {
	history, _, err := s.Store.History(ctx, crashEnv, store.Page{Limit: store.MaxLimit})
	if err != nil {
		cc.t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, h := range history {
		seen[h.Version]++
		if h.PromotionID == crashPromotion {
			o.switches++
		}
	}
	for v := int64(1); v <= env.Version; v++ {
		if seen[v] != 1 {
			problem("history has version %d %d times", v, seen[v])
		}
	}
	if len(history) != int(env.Version) {
		problem("history has %d entries for version %d", len(history), env.Version)
	}
	wantRelease := cc.base
	if sc.candidate {
		wantRelease = cc.candidate
	}
	if o.state == sc.want && (env.Version != sc.version || env.Current == nil || env.Current.ReleaseID != wantRelease || o.switches != sc.switches) {
		problem("at version %d, release %v, %d switches", env.Version, env.Current, o.switches)
	}
	if env.Current == nil || (env.Current.ReleaseID != cc.base && env.Current.ReleaseID != cc.candidate) || env.Current.Version != env.Version {
		problem("runs %+v", env.Current)
		return
	}
	r, err := s.Store.GetRelease(ctx, env.Current.ReleaseID)
	if err != nil {
		cc.t.Fatal(err)
	}
	refs, err := s.Store.Deployment(ctx, crashEnv, env.Version)
	if err != nil {
		problem("deployment of version %d: %v", env.Version, err)
		return
	}
	if len(refs) != len(r.Nodes) {
		problem("deployment has %d nodes, the release %d", len(refs), len(r.Nodes))
		return
	}
	for i, n := range r.Nodes {
		if refs[i].Name != n.Name || refs[i].Fingerprint != n.Fingerprint {
			problem("deployment node %+v, release node %s %s", refs[i], n.Name, n.Fingerprint)
		}
	}
}

// checkTokens: after the system closed, the journal holds no task token still
// waiting for an answer.
func (cc *crashCase) checkTokens(problem func(string, ...any)) {
	j, err := boltjournal.Open(cc.dir)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer j.Close()
	snap, err := j.Load()
	if err != nil {
		cc.t.Fatal(err)
	}
	for tok, rec := range snap.Tokens {
		if rec.State == stepfn.TokenPending {
			problem("task token %.8s… still waits", tok)
		}
	}
	for _, e := range snap.Executions {
		if e.Execution.Status == asl.Running {
			problem("execution %s still running in the journal", e.Execution.Name)
		}
	}
}

// census runs a scenario without a crash, in this process, with the hooks
// counting, and returns the points it passed in order.
func census(t *testing.T, backend string, sc scenario) []string {
	cc := newCrashCase(t, backend, sc)
	c := newCrasher("")
	cfg := crashConfig(cc.dir, cc.table)
	cfg.seams = c.seams()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, crashBound)
	defer cancel()
	if got := cc.drive(dctx, s.URL, sc.decision); got != sc.want {
		t.Fatalf("the %s scenario without a crash ended %s", sc.name, got)
	}
	s.Emulator.Settle()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return c.points()
}

// divergence returns the points of trail from the first one the approved
// scenario does not pass: before it, the two runs are the same.
func divergence(trail, approved []string) []string {
	for i, p := range trail {
		if !slices.Contains(approved, p) {
			return trail[i:]
		}
	}
	return nil
}

// TestCrashMatrix kills ferry local at every crash point of both scenarios, on
// each store, and checks the recovery (see the comment at the top of the file).
func TestCrashMatrix(t *testing.T) {
	start := time.Now()
	var rows []crashOutcome
	for _, backend := range stores(t) {
		name := "embedded"
		if backend != "" {
			name = backend
		}
		approved := census(t, backend, approvedScenario)
		plans := []struct {
			sc     scenario
			points []string
		}{{approvedScenario, approved}}
		for _, sc := range []scenario{rollbackScenario, rejectedScenario} {
			plans = append(plans, struct {
				sc     scenario
				points []string
			}{sc, divergence(census(t, backend, sc), approved)})
		}
		for _, plan := range plans {
			for _, point := range plan.points {
				t.Run(name+"/"+plan.sc.name+"/"+point, func(t *testing.T) {
					cc := newCrashCase(t, backend, plan.sc)
					reached := cc.runChild(point, plan.sc)
					o := cc.restart(point, name, plan.sc, reached)
					rows = append(rows, o)
					for _, p := range o.problems {
						t.Error(p)
					}
				})
			}
		}
	}
	t.Log(crashTable(rows))
	t.Logf("%d crash points in %s", len(rows), time.Since(start).Round(time.Second))
	if report := os.Getenv("FERRY_CRASH_REPORT"); report != "" {
		if err := os.WriteFile(report, []byte(crashTable(rows)), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// crashTable renders the matrix as a Markdown table.
func crashTable(rows []crashOutcome) string {
	var b strings.Builder
	b.WriteString("\n| crash point | store | died there | end | version | switches | lock | checks |\n|---|---|---|---|---|---|---|---|\n")
	for _, o := range rows {
		checks := "ok"
		if len(o.problems) > 0 {
			checks = strings.Join(o.problems, "; ")
		}
		lock := "released"
		if o.locked {
			lock = "HELD"
		}
		fmt.Fprintf(&b, "| %s | %s | %v | %s | %d | %d | %s | %s |\n", o.point, o.store, o.reached, o.state, o.version, o.switches, lock, checks)
	}
	return b.String()
}

// discardLog drops the system's logs: the matrix reports what matters.
func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
