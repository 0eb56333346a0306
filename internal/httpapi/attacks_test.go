package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/store"
)

// The attacks: an approval nobody can get around. Each runs on both stores
// against a prod promotion that needs 2 approvals and has none, and checks that
// it ends FAILED with a reason that says so, with an event and a notification,
// while prod's version and history stay as they were.

func TestReplayedTaskTokenApprovesNothing(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a, hook := newAPIOn(t, backend), notifications(t)
			p := a.unapproved(hook.url)
			client := a.s.SFNClient()
			token := taskToken(t, client, p.Execution)
			if _, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token),
				Output: aws.String(`{"approved_by":["ana","bo"]}`)}); err != nil {
				t.Fatal(err)
			}
			a.s.Emulator.Settle()
			a.refused(p, hook)
			exec, err := a.s.Emulator.Describe(p.Execution)
			if err != nil {
				t.Fatal(err)
			}
			caught := false
			for _, e := range exec.Events {
				caught = caught || (e.Type == "TaskFailed" && e.Details["error"] == "NotApproved")
			}
			if !caught || exec.Status != asl.Succeeded {
				t.Errorf("the execution (%s) did not end through Apply's NotApproved", exec.Status)
			}
		})
	}
}

func TestHandMadeStateMachineAppliesNothing(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a, hook := newAPIOn(t, backend), notifications(t)
			p := a.unapproved(hook.url)
			client := a.s.SFNClient()
			def := fmt.Sprintf(`{"StartAt":"Apply","States":{"Apply":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",`+
				`"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:apply","Payload":{"promotion_id":%q}},"End":true}}}`, p.ID)
			sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("not-ferry"),
				Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/x")})
			if err != nil {
				t.Fatal(err)
			}
			run, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			a.s.Emulator.Settle()
			d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: run.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "NotApproved" {
				t.Errorf("the hand-made execution %s with error %q, want FAILED with NotApproved", d.Status, aws.ToString(d.Error))
			}
			a.refused(p, hook)
		})
	}
}

func TestDirectInvokeOfApplyAppliesNothing(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			a, hook := newAPIOn(t, backend), notifications(t)
			p := a.unapproved(hook.url)
			apply := a.s.Pipeline.Handlers(slog.New(slog.NewTextHandler(io.Discard, nil)))["apply"]
			_, err := apply(ctx, pipeline.Input{PromotionID: p.ID})
			if _, ok := err.(*pipeline.NotApproved); !ok {
				t.Errorf("the apply function answered %T %v, want *pipeline.NotApproved", err, err)
			}
			a.refused(p, hook)
		})
	}
}

// hookRecorder is a webhook that keeps the notifications it receives.
type hookRecorder struct {
	url  string
	mu   sync.Mutex
	seen []string
}

func notifications(t *testing.T) *hookRecorder {
	h := &hookRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var m notify.Message
		_ = json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		h.seen = append(h.seen, m.Text)
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hooks/ferry"
	return h
}

func (h *hookRecorder) said(text string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.seen {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

// unapproved makes prod need 2 approvals and notify webhook, and leaves a
// promotion waiting for them, with none recorded.
func (a *api) unapproved(webhook string) *promotion.Promotion {
	a.t.Helper()
	env := a.env("prod")
	env.Policy.MinApprovals = 2
	env.Policy.Notify = []policy.Webhook{{URL: webhook}}
	if err := a.s.Store.SaveEnvironment(ctx, env); err != nil {
		a.t.Fatal(err)
	}
	p := a.awaiting()
	a.before = a.record("prod")
	return p
}

// envRecord is what an attack must leave unchanged: the environment's version,
// current deployment and history.
type envRecord struct {
	Version int64
	Current *environment.Deployment
	History []environment.VersionEntry
}

func (a *api) record(name string) envRecord {
	a.t.Helper()
	e := a.env(name)
	h, _, err := a.s.Store.History(ctx, name, store.Page{})
	if err != nil {
		a.t.Fatal(err)
	}
	return envRecord{Version: e.Version, Current: e.Current, History: h}
}

// refused checks the end of an attack on p: FAILED with the reason, an event and
// a notification saying it, prod unchanged and unlocked, no approval recorded,
// and the reviewers told it is over.
func (a *api) refused(p *promotion.Promotion, hook *hookRecorder) {
	a.t.Helper()
	reason := "not approved: 0 of 2 approvals recorded for plan " + p.PlanDigest
	got := a.promotion(p.ID)
	if got.State != promotion.Failed || !strings.Contains(got.Error, reason) || got.FinishedAt == nil {
		a.t.Errorf("promotion %s with error %q, want FAILED saying %q", got.State, got.Error, reason)
	}
	found := false
	for _, e := range got.Events {
		found = found || (e.Type == promotion.EventFinished && strings.Contains(e.Message, "ended FAILED: "+reason))
	}
	if !found {
		a.t.Errorf("no finished event says %q: %+v", reason, got.Events)
	}
	if !hook.said(reason) {
		a.t.Errorf("no notification says %q: %q", reason, hook.seen)
	}
	if after := a.record("prod"); !reflect.DeepEqual(after, a.before) {
		a.t.Errorf("prod changed: %+v, was %+v", after, a.before)
	}
	if e := a.env("prod"); e.Lock != nil || len(got.Approvals) != 0 {
		a.t.Errorf("lock %+v, approvals %+v", e.Lock, got.Approvals)
	}
	a.expectError(410, "gone", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), "FAILED")
}

// taskToken reads the approval's task token from the execution's history, as
// anyone who may call GetExecutionHistory can.
func taskToken(t *testing.T, client *sfn.Client, execution string) string {
	t.Helper()
	h, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execution)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.Events {
		if ev.Type != types.HistoryEventTypeTaskScheduled {
			continue
		}
		var params struct {
			Payload struct {
				TaskToken string `json:"task_token"`
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(ev.TaskScheduledEventDetails.Parameters)), &params); err != nil {
			t.Fatal(err)
		}
		if params.Payload.TaskToken != "" {
			return params.Payload.TaskToken
		}
	}
	t.Fatal("no task token in the execution's history")
	return ""
}
