package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fakeclock"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/local"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

var ctx = context.Background()

// countingSFN counts the task answers the API sends Step Functions.
type countingSFN struct {
	control.StepFunctions
	mu                sync.Mutex
	success, failures int
}

func (c *countingSFN) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	c.mu.Lock()
	c.success++
	c.mu.Unlock()
	return c.StepFunctions.SendTaskSuccess(ctx, in, opts...)
}

func (c *countingSFN) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	c.mu.Lock()
	c.failures++
	c.mu.Unlock()
	return c.StepFunctions.SendTaskFailure(ctx, in, opts...)
}

// syncBuffer is a buffer written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// crowd is how many extra approvers the identity config has, a01 to a20.
const crowd = 20

// api is a running ferry local with environments dev (no approval) and prod
// (approval for breaking changes by ana, bo or the crowd group), and users
// admin, ana, bo, cy, ci and a01..a20.
type api struct {
	t      *testing.T
	s      *local.System
	clock  *fakeclock.Clock
	tokens map[string]string
	sfn    *countingSFN
	// seen keeps every response body and log line, to look for the task tokens
	// the test found in the store.
	seen, logs syncBuffer
	taskTokens map[string]bool
	// checkTokens makes the test fail when it saw no task token.
	checkTokens bool
	// before is what an attack must leave of prod.
	before envRecord
}

func newAPI(t *testing.T) *api {
	t.Helper()
	return newAPIOn(t, "")
}

// backends lists where the decision tests run: the embedded store, and DynamoDB
// Local when make test provides it (in CI it must).
func backends(t *testing.T) []string {
	out := []string{"embedded"}
	switch {
	case os.Getenv("FERRY_DYNAMODB_ENDPOINT") != "":
		out = append(out, "dynamo")
	case os.Getenv("CI") == "true":
		t.Fatal("FERRY_DYNAMODB_ENDPOINT is not set: CI must run the decision tests on DynamoDB Local too")
	}
	return out
}

// newAPIOn is newAPI on a backend: "dynamo" keeps the state in a fresh table of
// DynamoDB Local, anything else in the embedded store.
func newAPIOn(t *testing.T, backend string) *api {
	t.Helper()
	a := &api{t: t, clock: fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)), tokens: map[string]string{}, taskTokens: map[string]bool{}}
	cfg := identity.Config{Admins: []string{"group:admins"}}
	add := func(name string, groups ...string) {
		a.tokens[name] = identity.NewToken()
		cfg.Users = append(cfg.Users, identity.User{Name: name, Groups: groups, Token: a.tokens[name]})
	}
	add("admin", "admins")
	add("ana")
	add("bo")
	add("cy", "sre")
	add("ci")
	for i := 1; i <= crowd; i++ {
		add(fmt.Sprintf("a%02d", i), "crowd")
	}
	lc := local.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Now: a.clock.Now, Tick: time.Hour,
		Identity: cfg, Log: slog.New(slog.NewTextHandler(&a.logs, nil))}
	if backend == "dynamo" {
		lc.DynamoEndpoint, lc.Table = os.Getenv("FERRY_DYNAMODB_ENDPOINT"), fmt.Sprintf("ferry-api-%d", time.Now().UnixNano())
	}
	s, err := local.Start(ctx, lc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a.s = s
	a.sfn = &countingSFN{StepFunctions: s.Control.SFN}
	s.Control.SFN = a.sfn
	for name, pol := range map[string]policy.Policy{
		"dev":  {Approval: policy.Never},
		"prod": {Approval: policy.Breaking, Approvers: []string{"ana", "bo", "group:crowd"}, ApprovalTimeout: policy.Duration(time.Hour)},
	} {
		if err := s.Store.CreateEnvironment(ctx, &environment.Environment{Name: name, Policy: pol, CreatedAt: a.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(a.checkNoTaskToken)
	return a
}

// do sends a request as user ("" for none) with body (a string is sent as is,
// anything else as JSON) and returns the status and body. It lets the emulator
// finish what the request started.
func (a *api) do(method, path, user string, body any) (int, []byte) {
	a.t.Helper()
	code, data := a.send(method, path, user, body)
	a.s.Emulator.Settle()
	return code, data
}

// send is do without waiting for the emulator, for requests sent concurrently
// (the emulator's Settle must not race its own start of work).
func (a *api) send(method, path, user string, body any) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.s.URL+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+a.tokens[user])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	a.seen.Write(data)
	return resp.StatusCode, data
}

// expect sends a request and fails unless the status is want; it decodes the
// body into out when given.
func (a *api) expect(want int, method, path, user string, body, out any) []byte {
	a.t.Helper()
	code, data := a.do(method, path, user, body)
	if code != want {
		a.t.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, user, code, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return data
}

// expectError sends a request and checks the error's status, code and that its
// message contains each of parts.
func (a *api) expectError(status int, code, method, path, user string, body any, parts ...string) {
	a.t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	a.expect(status, method, path, user, body, &e)
	if e.Error.Code != code {
		a.t.Errorf("%s %s: code %q, want %q (%s)", method, path, e.Error.Code, code, e.Error.Message)
	}
	if strings.HasPrefix(e.Error.Message, code+":") {
		a.t.Errorf("%s %s: message %q repeats its code", method, path, e.Error.Message)
	}
	for _, p := range parts {
		if !strings.Contains(e.Error.Message, p) {
			a.t.Errorf("%s %s: message %q does not say %q", method, path, e.Error.Message, p)
		}
	}
}

// release uploads a release of name=kind nodes and returns its id.
func (a *api) release(label string, nodes ...string) string {
	a.t.Helper()
	var list []map[string]string
	for _, n := range nodes {
		name, kind, _ := strings.Cut(n, "=")
		list = append(list, map[string]string{"name": name, "kind": kind})
	}
	var h struct{ ID string }
	code, data := a.do("POST", "/api/releases", "ci", map[string]any{"name": label, "nodes": list})
	if code != http.StatusCreated && code != http.StatusOK {
		a.t.Fatalf("uploading release %s: %d %s", label, code, data)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		a.t.Fatal(err)
	}
	return h.ID
}

// start promotes a release into env as user.
func (a *api) start(env, releaseID, user string) *promotion.Promotion {
	a.t.Helper()
	var p promotion.Promotion
	a.expect(http.StatusCreated, "POST", "/api/promotions", user, map[string]string{"environment": env, "release_id": releaseID}, &p)
	return a.promotion(p.ID)
}

// awaiting makes prod run one release and starts a breaking one, requested by
// ci, that waits for approval.
func (a *api) awaiting() *promotion.Promotion {
	a.t.Helper()
	a.start("prod", a.release("v1", "orders=model"), "ci")
	a.clock.Add(time.Minute)
	p := a.start("prod", a.release("v2", "orders=seed"), "ci")
	if p.State != promotion.AwaitingApproval || p.TaskToken == "" {
		a.t.Fatalf("promotion %s is %s, not awaiting approval", p.ID, p.State)
	}
	a.checkTokens = true
	return p
}

func (a *api) promotion(id string) *promotion.Promotion {
	a.t.Helper()
	p, err := a.s.Store.GetPromotion(ctx, id)
	if err != nil {
		a.t.Fatal(err)
	}
	if p.TaskToken != "" {
		a.taskTokens[p.TaskToken] = true
	}
	return p
}

func (a *api) env(name string) *environment.Environment {
	a.t.Helper()
	e, err := a.s.Store.GetEnvironment(ctx, name)
	if err != nil {
		a.t.Fatal(err)
	}
	return e
}

func decision(digest, comment string) wire.DecisionRequest {
	return wire.DecisionRequest{PlanDigest: digest, Comment: comment}
}

// checkNoTaskToken fails when a task token the test saw in the store appears in
// any response or log line.
func (a *api) checkNoTaskToken() {
	seen, logs := a.seen.String(), a.logs.String()
	for tok := range a.taskTokens {
		if strings.Contains(seen, tok) || strings.Contains(logs, tok) {
			a.t.Errorf("a task token leaked into a response or the log")
		}
	}
	if a.checkTokens && len(a.taskTokens) == 0 {
		a.t.Errorf("the test saw no task token to look for")
	}
}
