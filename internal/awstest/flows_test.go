package awstest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// flow is one promotion through moto's interpreter: each runs in its own
// environment, after a first promotion there (no approval needed) has put
// a=model live as version 1.
type flow struct {
	name string
	// smokePath is the smoke check's path on the smoke server: /ok passes.
	smokePath       string
	approvalTimeout time.Duration
	// nodes is the promoted release.
	nodes []string
	// act does what people do while the execution runs; nil for nothing.
	act func(w *world, t *testing.T, env, id string)
	// want is the promotion's end state, execution moto's status for it, and
	// version the environment's version afterwards.
	want      promotion.State
	execution sfntypes.ExecutionStatus
	version   int64
	// errorHas is in the promotion's error; "" for none.
	errorHas string
	// latest is the kind of the environment's latest version entry.
	latest environment.SwitchKind
}

// decide approves or rejects through the api function, as a reviewer on the page
// does (JWT), with the plan digest they saw.
func decide(action, who string) func(w *world, t *testing.T, env, id string) {
	return func(w *world, t *testing.T, env, id string) {
		w.waitState(t, id, promotion.AwaitingApproval)
		req := wire.DecisionRequest{Comment: "looked at it", PlanDigest: w.promotion(t, id).PlanDigest}
		w.mustAPI(t, person(who), "POST", "/api/promotions/"+id+"/"+action, req, nil, 200)
	}
}

func flows() []flow {
	return []flow{
		{name: "approve", smokePath: "/ok", approvalTimeout: time.Hour, nodes: []string{"a=seed"},
			act: decide("approve", ana), want: promotion.Succeeded, execution: sfntypes.ExecutionStatusSucceeded, version: 2},
		{name: "reject", smokePath: "/ok", approvalTimeout: time.Hour, nodes: []string{"a=seed"},
			act: decide("reject", bo), want: promotion.Rejected, execution: sfntypes.ExecutionStatusSucceeded, version: 1},
		{name: "expiry", smokePath: "/ok", approvalTimeout: 3 * time.Second, nodes: []string{"a=seed"},
			want: promotion.Expired, execution: sfntypes.ExecutionStatusSucceeded, version: 1},
		{name: "frozen", smokePath: "/ok", approvalTimeout: time.Hour, nodes: []string{"a=seed"},
			act: func(w *world, t *testing.T, env, id string) {
				// Frozen while it waits: the approval goes through, Apply refuses.
				w.waitState(t, id, promotion.AwaitingApproval)
				w.mustAPI(t, person(admin), "POST", "/api/environments/"+env+"/freeze",
					wire.FreezeRequest{Reason: "launch", Until: time.Now().Add(time.Hour)}, nil, 200)
				decide("approve", ana)(w, t, env, id)
			},
			want: promotion.Failed, execution: sfntypes.ExecutionStatusSucceeded, version: 1, errorHas: "EnvironmentFrozen"},
		{name: "smoke failure", smokePath: "/down", approvalTimeout: time.Hour, nodes: []string{"a=model", "b=model"},
			want: promotion.RolledBack, execution: sfntypes.ExecutionStatusSucceeded, version: 3, latest: environment.Rollback},
		{name: "no changes", smokePath: "/ok", approvalTimeout: time.Hour, nodes: []string{"a=model"},
			want: promotion.NoChanges, execution: sfntypes.ExecutionStatusSucceeded, version: 1},
		{name: "cancel", smokePath: "/ok", approvalTimeout: time.Hour, nodes: []string{"a=seed"},
			act: func(w *world, t *testing.T, env, id string) {
				w.waitState(t, id, promotion.AwaitingApproval)
				w.mustAPI(t, ci(), "POST", "/api/promotions/"+id+"/cancel", nil, nil, 200)
			},
			want: promotion.Cancelled, execution: sfntypes.ExecutionStatusAborted, version: 1},
	}
}

// testFlows runs every flow, side by side, and logs the table of what they
// ended with.
func (w *world) testFlows(t *testing.T) {
	var mu sync.Mutex
	table := map[string]string{}
	t.Run("each", func(t *testing.T) {
		for _, f := range flows() {
			t.Run(f.name, func(t *testing.T) {
				t.Parallel()
				row := w.runFlow(t, f)
				mu.Lock()
				table[f.name] = row
				mu.Unlock()
			})
		}
	})
	t.Logf("moto flow table:\n%-14s %-13s %-10s %s", "flow", "promotion", "execution", "version")
	for _, f := range flows() {
		t.Logf("%-14s %s", f.name, table[f.name])
	}
}

// runFlow runs one flow and checks its end; it returns its row of the table.
func (w *world) runFlow(t *testing.T, f flow) string {
	env := "flow-" + strings.ReplaceAll(f.name, " ", "-")
	// The first promotion's smoke check passes; the flow's own is set after it.
	w.createEnvironment(t, env, w.environmentPolicy("/ok", f.approvalTimeout))
	base := env + "-1"
	first := w.storeRelease(t, base, "a=model")
	w.start(t, base, env, first)
	if status := w.waitExecution(t, base); status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("the first promotion's execution: %s", status)
	}
	if p := w.promotion(t, base); p.State != promotion.Succeeded {
		t.Fatalf("the first promotion: %s (%s)", p.State, p.Error)
	}
	if f.smokePath != "/ok" {
		e := w.environment(t, env)
		e.Policy = w.environmentPolicy(f.smokePath, f.approvalTimeout)
		if err := w.store.SaveEnvironment(w.ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	id := env + "-2"
	w.start(t, id, env, w.storeRelease(t, id, f.nodes...))
	if f.act != nil {
		f.act(w, t, env, id)
	}
	status := w.waitExecution(t, id)
	p, e := w.promotion(t, id), w.environment(t, env)
	if p.State != f.want || status != f.execution || e.Version != f.version || e.Lock != nil {
		t.Errorf("promotion %s (%s), execution %s, version %d, lock %+v; want %s, %s, version %d, no lock",
			p.State, p.Error, status, e.Version, e.Lock, f.want, f.execution, f.version)
	}
	if f.errorHas != "" && !strings.Contains(p.Error, f.errorHas) {
		t.Errorf("promotion error %q, want it to mention %q", p.Error, f.errorHas)
	}
	if f.latest != "" {
		history, _, err := w.store.History(w.ctx, env, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if history[0].Kind != f.latest {
			t.Errorf("the latest version is a %s (%s), want a %s", history[0].Kind, history[0].Reason, f.latest)
		}
	}
	return fmt.Sprintf("%-13s %-10s %d", p.State, status, e.Version)
}
