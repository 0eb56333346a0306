package awstest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// Approvers of every environment the tests create.
const (
	ana = "ana@example.com"
	bo  = "bo@example.com"
)

// TestAWS deploys Ferry on this machine (see the package doc) and runs, in one
// deployment: each function under RIE with the events AWS sends it, then the
// promotion flows through moto's Step Functions interpreter. It logs each
// function's cold start under RIE and the flow table.
func TestAWS(t *testing.T) {
	w := newWorld(t)
	t.Run("steps", w.testSteps)
	t.Run("api", w.testAPI)
	t.Run("cleanup", w.testCleanup)
	t.Run("flows", w.testFlows)

	names := make([]string, 0, len(w.funcs))
	for name := range w.funcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Logf("cold start under RIE: %-8s %s", name, w.funcs[name].coldStart())
	}
}

// environmentPolicy is the policy of the tests' environments: breaking changes
// need one of two approvers, and a smoke check at the smoke server's path.
func (w *world) environmentPolicy(smokePath string, approvalTimeout time.Duration) policy.Policy {
	return policy.Policy{Approval: policy.Breaking, Approvers: []string{ana, bo}, ApprovalTimeout: policy.Duration(approvalTimeout),
		Smoke: []policy.SmokeCheck{{Name: "health", URL: w.smoke + smokePath, RetryDelay: policy.Duration(time.Millisecond)}}}
}

// createEnvironment stores an environment with pol.
func (w *world) createEnvironment(t *testing.T, name string, pol policy.Policy) {
	t.Helper()
	if err := w.store.CreateEnvironment(w.ctx, &environment.Environment{Name: name, Policy: pol, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// storeRelease stores a release of nodes given as name=kind and returns its id.
func (w *world) storeRelease(t *testing.T, name string, nodes ...string) string {
	t.Helper()
	r := &release.Release{Name: name}
	for _, n := range nodes {
		node, kind, _ := strings.Cut(n, "=")
		r.Nodes = append(r.Nodes, release.Node{Name: node, Kind: kind})
	}
	if err := release.Validate(r.Name, r, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.store.PutRelease(w.ctx, r); err != nil {
		t.Fatal(err)
	}
	return r.ID()
}

func (w *world) promotion(t *testing.T, id string) *promotion.Promotion {
	t.Helper()
	p, err := w.store.GetPromotion(w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) environment(t *testing.T, name string) *environment.Environment {
	t.Helper()
	e, err := w.store.GetEnvironment(w.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recordPromotion records a promotion of rel into env holding env's lock, as
// the api function's start does, without starting an execution.
func (w *world) recordPromotion(t *testing.T, id, env, rel string) {
	t.Helper()
	now := time.Now()
	if _, err := w.store.AcquireLock(w.ctx, env, id, now, pipeline.LockMargin); err != nil {
		t.Fatal(err)
	}
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: rel, RequestedBy: ci().userARN, Via: promotion.ViaCI,
		State: promotion.Planning, Execution: control.ExecutionARN(w.stateMachineARN, id), CreatedAt: now, UpdatedAt: now}
	if err := w.store.CreatePromotion(w.ctx, p); err != nil {
		t.Fatal(err)
	}
}

// step invokes a step function with the state machine's payload and wants an
// answer; the answer is decoded into out when given.
func (w *world) step(t *testing.T, name string, payload, out any) {
	t.Helper()
	raw, lerr := w.fn(t, name).invoke(t, payload)
	if lerr != nil {
		t.Fatalf("%s failed: %s: %s", name, lerr.Type, lerr.Message)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s answered %s: %v", name, raw, err)
		}
	}
}

// stepError invokes a step function and wants it to fail with the Lambda error
// name want, one the state machine matches.
func (w *world) stepError(t *testing.T, name string, payload any, want string) *lambdaError {
	t.Helper()
	if !slices.Contains(pipeline.ErrorNames(), want) {
		t.Fatalf("%s is no step error name", want)
	}
	raw, lerr := w.fn(t, name).invoke(t, payload)
	if lerr == nil {
		t.Fatalf("%s answered %s, want the error %s", name, raw, want)
	}
	if lerr.Type != want {
		t.Fatalf("%s failed with %s (%s), want %s", name, lerr.Type, lerr.Message, want)
	}
	return lerr
}

// planResult is the Plan step's answer, as the definition's ResultSelector reads it.
type planResult struct {
	Changes                bool    `json:"changes"`
	Gate                   string  `json:"gate"`
	ApprovalTimeoutSeconds float64 `json:"approval_timeout_seconds"`
}

// testSteps invokes the step functions with the payloads the state machine
// sends them, in its order, and checks their answers and error names.
func (w *world) testSteps(t *testing.T) {
	w.createEnvironment(t, "steps", w.environmentPolicy("/ok", time.Hour))
	first := w.storeRelease(t, "steps-1", "a=model")

	// A first promotion: no approval, applied, checked, finalized.
	w.recordPromotion(t, "steps-1", "steps", first)
	var plan planResult
	w.step(t, "plan", map[string]any{"promotion_id": "steps-1"}, &plan)
	if !plan.Changes || plan.Gate == "manual" || plan.ApprovalTimeoutSeconds != 3600 {
		t.Fatalf("plan answered %+v, want changes without approval and a timeout of 3600 s", plan)
	}
	w.step(t, "apply", map[string]any{"promotion_id": "steps-1"}, nil)
	var smoke struct {
		Passed bool `json:"passed"`
	}
	w.step(t, "smoke", map[string]any{"promotion_id": "steps-1"}, &smoke)
	if !smoke.Passed {
		t.Fatal("smoke did not pass")
	}
	w.step(t, "finalize", map[string]any{"promotion_id": "steps-1", "plan": plan, "smoke": smoke, "outcome": "SUCCEEDED"}, nil)
	if p, e := w.promotion(t, "steps-1"), w.environment(t, "steps"); p.State != promotion.Succeeded || e.Version != 1 || e.Lock != nil {
		t.Fatalf("after finalize: promotion %s (%s), version %d, lock %+v", p.State, p.Error, e.Version, e.Lock)
	}

	// A breaking change: the approval step keeps the token; apply without an
	// approval fails with NotApproved, which the definition sends to Failed.
	w.recordPromotion(t, "steps-2", "steps", w.storeRelease(t, "steps-2", "a=seed"))
	w.step(t, "plan", map[string]any{"promotion_id": "steps-2"}, &plan)
	if !plan.Changes || plan.Gate != "manual" {
		t.Fatalf("plan answered %+v, want a manual gate", plan)
	}
	w.step(t, "approval", map[string]any{"promotion_id": "steps-2", "task_token": "token-steps-2"}, nil)
	if p := w.promotion(t, "steps-2"); p.State != promotion.AwaitingApproval || p.TaskToken != "token-steps-2" {
		t.Fatalf("after the approval step: %s, token %q", p.State, p.TaskToken)
	}
	lerr := w.stepError(t, "apply", map[string]any{"promotion_id": "steps-2"}, "NotApproved")
	w.step(t, "finalize", map[string]any{"promotion_id": "steps-2", "plan": plan, "outcome": "FAILED",
		"error": map[string]string{"Error": lerr.Type, "Cause": fmt.Sprintf(`{"errorMessage":%q,"errorType":%q}`, lerr.Message, lerr.Type)}}, nil)
	if p, e := w.promotion(t, "steps-2"), w.environment(t, "steps"); p.State != promotion.Failed || !strings.Contains(p.Error, "not approved") ||
		e.Version != 1 || e.Lock != nil {
		t.Fatalf("after finalize: promotion %s (%s), version %d, lock %+v", p.State, p.Error, e.Version, e.Lock)
	}

	// A frozen environment: Plan fails with EnvironmentFrozen.
	e := w.environment(t, "steps")
	e.Freeze = &environment.Freeze{Owner: admin, Reason: "launch", Until: time.Now().Add(time.Hour)}
	if err := w.store.SaveEnvironment(w.ctx, e); err != nil {
		t.Fatal(err)
	}
	w.recordPromotion(t, "steps-3", "steps", w.storeRelease(t, "steps-3", "a=model", "b=model"))
	lerr = w.stepError(t, "plan", map[string]any{"promotion_id": "steps-3"}, "EnvironmentFrozen")
	w.step(t, "finalize", map[string]any{"promotion_id": "steps-3", "outcome": "FAILED",
		"error": map[string]string{"Error": lerr.Type, "Cause": fmt.Sprintf(`{"errorMessage":%q,"errorType":%q}`, lerr.Message, lerr.Type)}}, nil)
	if p, e := w.promotion(t, "steps-3"), w.environment(t, "steps"); p.State != promotion.Failed || !strings.Contains(p.Error, "frozen") || e.Lock != nil {
		t.Fatalf("after finalize: promotion %s (%s), lock %+v", p.State, p.Error, e.Lock)
	}

	// A promotion that does not exist is a terminal failure, not retried.
	w.stepError(t, "plan", map[string]any{"promotion_id": "never-recorded"}, "StepFailed")
}

// testAPI sends the api function API Gateway HTTP API (v2) events from both
// authorizers, and checks what it answers.
func (w *world) testAPI(t *testing.T) {
	var me wire.Me
	w.mustAPI(t, person(admin), "GET", "/api/me", nil, &me, 200)
	if me.Subject != admin || !me.Admin {
		t.Errorf("JWT caller: %+v, want the admin from ADMINS", me)
	}
	w.mustAPI(t, ci(), "GET", "/api/me", nil, &me, 200)
	if me.Subject != ci().userARN || me.Admin {
		t.Errorf("IAM caller: %+v, want the CI user, no admin", me)
	}
	// An admin creates an environment through the API; CI may not.
	body := wire.EnvironmentRequest{Policy: w.environmentPolicy("/ok", time.Hour)}
	w.mustAPI(t, ci(), "PUT", "/api/environments/api-env", body, nil, 403)
	w.mustAPI(t, person(admin), "PUT", "/api/environments/api-env", body, nil, 201)
	if status, text := w.api(t, person(ana), "GET", "/api/promotions/never", nil, nil); status != 404 || !strings.Contains(text, "not_found") {
		t.Errorf("an unknown promotion: %d %s", status, text)
	}
	// The page is served to anyone (the route has no authorizer).
	event := httpEvent(person(ana), "GET", "/", nil)
	delete(event["requestContext"].(map[string]any), "authorizer")
	event["routeKey"], event["rawPath"] = "GET /", "/"
	raw, lerr := w.fn(t, "api").invoke(t, event)
	var res httpResponse
	if lerr != nil || json.Unmarshal(raw, &res) != nil || res.StatusCode != 200 || !strings.Contains(res.Headers["Content-Type"]+res.Headers["content-type"], "text/html") {
		t.Errorf("the page: %+v %v", res.StatusCode, lerr)
	}
}

// testCleanup: an execution that ended behind the pipeline's back (stopped in
// moto directly) leaves its promotion holding the lock; the cleanup function,
// invoked with the scheduled event, asks moto and releases it.
func (w *world) testCleanup(t *testing.T) {
	w.createEnvironment(t, "cleanup", w.environmentPolicy("/ok", time.Hour))
	w.start(t, "cleanup-1", "cleanup", w.storeRelease(t, "cleanup-1", "a=model"))
	w.waitExecution(t, "cleanup-1")
	id := "cleanup-2"
	w.start(t, id, "cleanup", w.storeRelease(t, id, "a=seed"))
	w.waitState(t, id, promotion.AwaitingApproval)
	if _, err := w.sfn.StopExecution(w.ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(control.ExecutionARN(w.stateMachineARN, id)),
		Error: aws.String("Killed"), Cause: aws.String("by hand")}); err != nil {
		t.Fatal(err)
	}
	var report pipeline.CleanupReport
	w.step(t, "cleanup", scheduledEvent(), &report)
	if p, e := w.promotion(t, id), w.environment(t, "cleanup"); len(report.Unlocked) != 1 || e.Lock != nil || p.State != promotion.Failed {
		t.Errorf("report %+v, lock %+v, promotion %s", report, e.Lock, p.State)
	}
}

// start starts a promotion through the api function, as CI does (IAM).
func (w *world) start(t *testing.T, id, env, rel string) {
	t.Helper()
	w.mustAPI(t, ci(), "POST", "/api/promotions", wire.StartRequest{ID: id, Environment: env, ReleaseID: rel, Via: promotion.ViaCI}, nil, 201)
}

// waitState waits until the promotion is in state, for at most a minute.
func (w *world) waitState(t *testing.T, id string, state promotion.State) {
	t.Helper()
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(100 * time.Millisecond) {
		if p := w.promotion(t, id); p.State == state {
			return
		} else if p.State.Final() {
			t.Fatalf("promotion %s ended %s (%s), want %s", id, p.State, p.Error, state)
		}
	}
	t.Fatalf("promotion %s is %s after a minute, want %s", id, w.promotion(t, id).State, state)
}

// waitExecution waits until the promotion's execution in moto ends, for at
// most a minute, and returns its status.
func (w *world) waitExecution(t *testing.T, id string) sfntypes.ExecutionStatus {
	t.Helper()
	arn := aws.String(control.ExecutionARN(w.stateMachineARN, id))
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(100 * time.Millisecond) {
		out, err := w.sfn.DescribeExecution(w.ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out.Status
		}
	}
	t.Fatalf("execution %s still runs after a minute", id)
	return ""
}
