package control

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestManualRollbackIsAPromotion(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never})
	v1 := h.rel("v1", "a=model")
	h.deploy("prod", v1)
	h.deploy("prod", h.rel("v2", "a=model", "b=model"))
	h.deploy("prod", h.rel("v3", "a=seed"))
	env := h.getEnv("prod")
	env.Policy = policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana"}}
	h.must(h.store.SaveEnvironment(ctx, env))

	p, err := h.svc.recordRollback(ctx, "prod", 1, "rb1", "ana")
	h.must(err)
	if p.ReleaseID != v1.ID() || p.Via != promotion.ViaRollback || p.State != promotion.Planning {
		t.Fatalf("rollback promotion %+v", p)
	}
	res, err := h.pl.Plan(ctx, pipeline.Input{PromotionID: "rb1"})
	h.must(err)
	if res.Gate != pipeline.GateManual || !res.Changes {
		t.Errorf("a rollback that changes a node's kind is planned and gated like any other: %+v", res)
	}
	// Like any start, a rollback is refused at once while another promotion holds
	// the environment.
	_, err = h.svc.recordRollback(ctx, "prod", 0, "rb2", "ana")
	if fault.ErrorCode(err) != fault.Conflict || !strings.Contains(err.Error(), "locked by promotion rb1 (PLANNING)") {
		t.Fatalf("a rollback into a locked environment: %v", err)
	}
	_, err = h.svc.Cancel(ctx, policy.Identity{Subject: "ana"}, "rb1")
	h.must(err)
	prev, err := h.svc.recordRollback(ctx, "prod", 0, "rb2", "ana") // 0: the previous version
	h.must(err)
	if live := h.getEnv("prod"); prev.ReleaseID == v1.ID() || prev.ReleaseID == live.Current.ReleaseID {
		t.Errorf("version 0 should mean version 2, got release %s", prev.ReleaseID)
	}
	for _, bad := range []int64{3, 7, -1} {
		if _, err := h.svc.recordRollback(ctx, "prod", bad, fmt.Sprintf("bad%d", bad), "ana"); fault.ErrorCode(err) != fault.Invalid {
			t.Errorf("rollback to version %d: %v, want invalid", bad, err)
		}
	}
	if got := h.get("rb1"); len(got.Events) == 0 || got.Events[0].Type != "requested" ||
		got.Events[0].Message != fmt.Sprintf("rollback of prod to version 1 (release %s)", v1.ID()) {
		t.Errorf("rb1 events %+v", got.Events)
	}
}
