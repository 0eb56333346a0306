package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
)

// TestBoard: lanes come in upstream order with release names, what waits, the
// freeze and the drift from each upstream; a cycle and a missing upstream each
// head a pipeline, saying so.
func TestBoard(t *testing.T) {
	a := newAPI(t)
	put := func(name string, pol map[string]any) {
		a.t.Helper()
		a.expect(http.StatusCreated, "PUT", "/api/environments/"+name, "admin", map[string]any{"policy": pol}, nil)
	}
	put("staging", map[string]any{"approval": "never", "upstream": "dev"})
	a.expect(http.StatusOK, "PUT", "/api/environments/prod/policy", "admin",
		map[string]any{"approval": "breaking", "approvers": []string{"ana", "bo"}, "upstream": "staging"}, nil)
	put("loop-b", map[string]any{"approval": "never", "upstream": "loop-a"})
	put("loop-a", map[string]any{"approval": "never", "upstream": "loop-b"})
	put("after-loop", map[string]any{"approval": "never", "upstream": "loop-b"})
	put("orphan", map[string]any{"approval": "never", "upstream": "gone"})
	put("solo", map[string]any{"approval": "never"})
	v1, v2 := a.release("v1.0.0", "orders=model"), a.release("v2.0.0", "orders=seed", "customers=model")
	for _, env := range []string{"dev", "staging", "prod"} {
		a.start(env, v1, "ci")
	}
	a.start("dev", v2, "ci")
	waiting := a.start("prod", v2, "ci")
	a.expect(http.StatusOK, "POST", "/api/environments/staging/freeze", "admin",
		map[string]any{"reason": "audit", "until": a.clock.Now().Add(time.Hour)}, nil)

	var b wire.Board
	a.expect(http.StatusOK, "GET", "/api/board", "ana", nil, &b)
	var got [][]string
	for _, p := range b.Pipelines {
		var names []string
		for _, l := range p.Lanes {
			names = append(names, fmt.Sprintf("%s/%d%s", l.Name, l.Depth, l.UpstreamProblem))
		}
		got = append(got, names)
	}
	want := [][]string{{"dev/0", "staging/1", "prod/2"}, {"loop-a/0cycle", "loop-b/1", "after-loop/2"}, {"orphan/0missing"}, {"solo/0"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pipelines %v, want %v", got, want)
	}
	dev, staging, prod := b.Pipelines[0].Lanes[0], b.Pipelines[0].Lanes[1], b.Pipelines[0].Lanes[2]
	if dev.Current == nil || dev.Current.ReleaseName != "v2.0.0" || dev.Drift != nil || len(dev.Waiting) != 0 {
		t.Errorf("dev %+v", dev)
	}
	if d := staging.Drift; d == nil || d.State != wire.DriftDiffers || d.From != "dev" || d.ReleaseName != "v2.0.0" ||
		d.Summary == nil || d.Summary.Breaking != 1 || d.Summary.Added != 1 {
		t.Errorf("staging's drift %+v", d)
	}
	if staging.Freeze == nil || staging.Freeze.Reason != "audit" || staging.Current.ReleaseName != "v1.0.0" {
		t.Errorf("staging %+v", staging)
	}
	if d := prod.Drift; d == nil || d.State != wire.DriftInSync || d.Summary != nil {
		t.Errorf("prod's drift %+v", d)
	}
	if len(prod.Waiting) != 1 || prod.Waiting[0].ID != waiting.ID || prod.Waiting[0].ReleaseName != "v2.0.0" ||
		prod.Waiting[0].State != "AWAITING_APPROVAL" || prod.Waiting[0].MinApprovals != 1 || prod.Lock == nil || prod.Lock.Holder != waiting.ID {
		t.Errorf("prod %+v", prod)
	}
	if loop := b.Pipelines[1].Lanes; loop[0].Drift != nil || loop[1].Drift == nil || loop[1].Drift.State != wire.DriftUpstreamEmpty {
		t.Errorf("the loop's drifts %+v, %+v", loop[0].Drift, loop[1].Drift)
	}

	a.clock.Add(2 * time.Hour)
	var later wire.Board
	a.expect(http.StatusOK, "GET", "/api/board", "ana", nil, &later)
	if f := later.Pipelines[0].Lanes[1].Freeze; f != nil {
		t.Errorf("a freeze that ended is shown: %+v", f)
	}
}

// TestBoardBoundsItsPlans: one read computes at most one drift; the rest say
// so and come with the next reads.
func TestBoardBoundsItsPlans(t *testing.T) {
	a := newAPI(t)
	a.start("dev", a.release("head", "orders=model"), "ci")
	const lanes = 6
	for i := range lanes {
		name := fmt.Sprintf("lane-%d", i)
		a.expect(http.StatusCreated, "PUT", "/api/environments/"+name, "admin",
			map[string]any{"policy": map[string]any{"approval": "never", "upstream": "dev"}}, nil)
		a.start(name, a.release(name, fmt.Sprintf("n%d=model", i)), "ci")
	}
	states := func() []string {
		var b wire.Board
		a.expect(http.StatusOK, "GET", "/api/board", "ana", nil, &b)
		var out []string
		for _, l := range b.Pipelines[0].Lanes[1:] {
			out = append(out, l.Drift.State)
		}
		return out
	}
	for read := range lanes {
		got := states()
		if n := len(slices.DeleteFunc(got, func(s string) bool { return s != wire.DriftNotComputed })); n != lanes-1-read {
			t.Errorf("read %d: %v", read+1, got)
		}
	}
}

// TestBoardLargeDrift: releases too large to plan on the board say so, unless
// a promotion waiting in the lane planned that very drift.
func TestBoardLargeDrift(t *testing.T) {
	a := newAPI(t)
	nodes := func(kind string) []string {
		out := make([]string, 10_001)
		for i := range out {
			out[i] = fmt.Sprintf("n%05d=%s", i, kind)
		}
		return out
	}
	a.start("dev", a.release("big-2", nodes("view")...), "ci")
	a.expect(http.StatusOK, "PUT", "/api/environments/prod/policy", "admin",
		map[string]any{"approval": "breaking", "approvers": []string{"ana"}, "upstream": "dev"}, nil)
	a.start("prod", a.release("big-1", nodes("model")...), "ci")
	drift := func() *wire.Drift {
		var b wire.Board
		a.expect(http.StatusOK, "GET", "/api/board", "ana", nil, &b)
		return b.Pipelines[0].Lanes[1].Drift
	}
	if d := drift(); d.State != wire.DriftTooLarge || d.Nodes != 20_002 || d.Summary != nil {
		t.Errorf("before: %+v", d)
	}
	p := a.start("prod", a.env("dev").Current.ReleaseID, "ci")
	if d := drift(); d.State != wire.DriftDiffers || d.Summary == nil || *d.Summary != *p.Summary || d.Summary.Breaking != 10_001 {
		t.Errorf("with %s waiting: %+v", p.ID, d)
	}
}

// TestPendingStanding: the pending list says, per caller, whether one may
// decide and why not, what is still needed, and what expires soon.
func TestPendingStanding(t *testing.T) {
	a := newAPI(t)
	a.expect(http.StatusOK, "PUT", "/api/environments/prod/policy", "admin", map[string]any{"approval": "breaking",
		"approvers": []string{"ana", "bo", "ci", "group:sre"}, "min_approvals": 2, "approval_timeout": "1h"}, nil)
	p := a.awaiting()
	standing := func(user string) wire.Standing {
		a.t.Helper()
		var list wire.ListedPromotions
		a.expect(http.StatusOK, "GET", "/api/promotions?state=AWAITING_APPROVAL", user, nil, &list)
		if len(list.Promotions) != 1 || list.Promotions[0].ID != p.ID || list.Promotions[0].Standing == nil || list.Promotions[0].ReleaseName != "v2" {
			a.t.Fatalf("pending as %s: %+v", user, list.Promotions)
		}
		return *list.Promotions[0].Standing
	}
	check := func(user string, may bool, whyNot string, needed int, approvers ...string) {
		t.Helper()
		st := standing(user)
		if st.MayDecide != may || st.WhyNot != whyNot || st.Needed != needed || st.MinApprovals != 2 || !slices.Equal(st.Approvers, approvers) {
			t.Errorf("as %s: %+v", user, st)
		}
		if !may && st.WhyNotDetail == "" {
			t.Errorf("as %s: no detail", user)
		}
	}
	check("ana", true, "", 2, "ana", "bo", "group:sre")
	check("ci", false, "you requested it", 2, "ana", "bo", "group:sre")
	check("admin", false, "you are not an approver", 2, "ana", "bo", "group:sre")
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), nil)
	check("ana", false, "you already approved", 1, "bo", "group:sre")
	check("cy", true, "", 1, "bo", "group:sre")
	if st := standing("cy"); st.ExpiresSoon || !slices.Equal(st.Approved, []string{"ana"}) {
		t.Errorf("an hour before the expiry: %+v", st)
	}
	a.clock.Add(time.Minute)
	if st := standing("cy"); !st.ExpiresSoon {
		t.Errorf("59 minutes before the expiry: %+v", st)
	}
}
