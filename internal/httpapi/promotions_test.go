package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

func TestEveryRouteNeedsAnIdentity(t *testing.T) {
	a := newAPI(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/me"}, {"GET", "/api/promotions?state=AWAITING_APPROVAL"}, {"POST", "/api/promotions"},
		{"GET", "/api/promotions/p1"}, {"POST", "/api/promotions/p1/approve"}, {"POST", "/api/promotions/p1/reject"},
		{"POST", "/api/promotions/p1/cancel"}, {"GET", "/api/environments"}, {"GET", "/api/environments/prod"},
		{"PUT", "/api/environments/prod"}, {"DELETE", "/api/environments/prod"}, {"GET", "/api/environments/prod/history"},
		{"GET", "/api/environments/prod/plan?source=dev"}, {"GET", "/api/environments/prod/policy"}, {"PUT", "/api/environments/prod/policy"},
		{"POST", "/api/environments/prod/extend"}, {"POST", "/api/environments/prod/freeze"},
		{"POST", "/api/environments/prod/unfreeze"}, {"POST", "/api/environments/prod/rollback"},
		{"POST", "/api/releases"}, {"GET", "/api/releases/sha256:x"},
	}
	for _, r := range routes {
		a.expectError(http.StatusUnauthorized, "unauthorized", r.method, r.path, "", "{}", "Bearer")
		a.tokens["mallory"] = "fy_not-a-token-anyone-has"
		a.expectError(http.StatusUnauthorized, "unauthorized", r.method, r.path, "mallory", "{}", "not known")
	}
	var me struct {
		Subject string
		Groups  []string
		Admin   bool
	}
	a.expect(http.StatusOK, "GET", "/api/me", "admin", nil, &me)
	if me.Subject != "admin" || !me.Admin || len(me.Groups) != 1 {
		t.Errorf("me = %+v", me)
	}
	a.expect(http.StatusOK, "GET", "/api/me", "ana", nil, &me)
	if me.Subject != "ana" || me.Admin {
		t.Errorf("me = %+v", me)
	}
}

func TestStartPromotion(t *testing.T) {
	a := newAPI(t)
	v1 := a.release("v1", "orders=model")
	p := a.start("dev", v1, "ci")
	if p.State != promotion.Succeeded || p.RequestedBy != "ci" || p.Via != promotion.ViaCI || a.env("dev").Version != 1 {
		t.Fatalf("promotion %+v, dev at version %d", p, a.env("dev").Version)
	}
	if !strings.HasPrefix(p.ID, "dev-20261101-100000-") {
		t.Errorf("generated id %q", p.ID)
	}
	t.Run("from a source environment", func(t *testing.T) {
		var q promotion.Promotion
		a.expect(http.StatusCreated, "POST", "/api/promotions", "ci", `{"environment":"prod","source":"dev","via":"cli"}`, &q)
		if q := a.promotion(q.ID); q.State != promotion.Succeeded || q.ReleaseID != v1 || q.Source != "dev" || q.Via != promotion.ViaCLI {
			t.Errorf("promotion %+v", q)
		}
	})
	t.Run("a chosen id makes the start idempotent", func(t *testing.T) {
		// A breaking release into prod waits for approval: it runs until cancelled.
		body := map[string]string{"id": "build-81", "environment": "prod", "release_id": a.release("v3", "orders=seed")}
		var first, again promotion.Promotion
		a.expect(http.StatusCreated, "POST", "/api/promotions", "ci", body, &first)
		a.expect(http.StatusCreated, "POST", "/api/promotions", "ci", body, &again)
		if first.ID != "build-81" || again.ID != "build-81" || again.CreatedAt != first.CreatedAt {
			t.Errorf("first %+v, again %+v", first, again)
		}
		a.s.Emulator.Settle()
		a.expect(http.StatusOK, "POST", "/api/promotions/build-81/cancel", "ci", nil, nil)
		a.s.Emulator.Settle()
		// Once it is over, a start with its id starts nothing, as Step Functions
		// never runs an execution name twice: 200 (not 201, as it answered before)
		// with the promotion as it ended.
		var ended promotion.Promotion
		a.expect(http.StatusOK, "POST", "/api/promotions", "ci", body, &ended)
		if ended.ID != "build-81" || ended.State != promotion.Cancelled || ended.FinishedAt == nil {
			t.Errorf("a start after the end: %+v", ended)
		}
		started := 0
		for _, e := range a.promotion("build-81").Events {
			if e.Type == promotion.EventStarted {
				started++
			}
		}
		if p := a.promotion("build-81"); p.State != promotion.Cancelled || started != 1 {
			t.Errorf("after starting it three times: %s, %d started events", p.State, started)
		}
		v2 := a.release("v2", "orders=model", "customers=model")
		a.expectError(http.StatusConflict, "conflict", "POST", "/api/promotions", "ci",
			map[string]string{"id": "build-81", "environment": "dev", "release_id": v2}, "build-81 exists already")
	})
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		says   string
	}{
		{"unknown environment", `{"environment":"qa","release_id":"` + v1 + `"}`, 404, "not_found", "qa"},
		{"unknown release", `{"environment":"dev","release_id":"sha256:00"}`, 404, "not_found", "upload it first"},
		{"release and source", `{"environment":"dev","release_id":"` + v1 + `","source":"prod"}`, 400, "invalid", "not both"},
		{"neither", `{"environment":"dev"}`, 400, "invalid", "release_id or source"},
		{"bad id", `{"id":"<b>x</b>","environment":"dev","release_id":"` + v1 + `"}`, 400, "invalid", "id:"},
		{"id with a dot", `{"id":"v1.2","environment":"dev","release_id":"` + v1 + `"}`, 400, "invalid", "A-Z a-z 0-9 _ -"},
		{"via rollback", `{"environment":"dev","release_id":"` + v1 + `","via":"rollback"}`, 400, "invalid", "via:"},
		{"unknown field", `{"environment":"dev","release_id":"` + v1 + `","force":true}`, 400, "invalid", `unknown field "force"`},
		{"trailing data", `{"environment":"dev","release_id":"` + v1 + `"} {}`, 400, "invalid", "after the JSON"},
		{"not JSON", `environment=dev`, 400, "invalid", "request body"},
		{"empty", ``, 400, "invalid", "empty"},
		{"too large", `{"environment":"` + strings.Repeat("d", 2<<20) + `"}`, 413, "invalid", "larger than 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.expectError(tt.status, tt.code, "POST", "/api/promotions", "ci", tt.body, tt.says)
		})
	}
}

func TestListPromotions(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	type page struct {
		Promotions    []promotion.Promotion
		NextPageToken string `json:"next_page_token"`
	}
	list := func(query string) page {
		t.Helper()
		var got page
		a.expect(http.StatusOK, "GET", "/api/promotions?"+query, "ana", nil, &got)
		return got
	}
	if got := list("state=AWAITING_APPROVAL"); len(got.Promotions) != 1 || got.Promotions[0].ID != p.ID {
		t.Errorf("pending: %+v", got.Promotions)
	}
	first := list("environment=prod&limit=1")
	if len(first.Promotions) != 1 || first.Promotions[0].ID != p.ID || first.NextPageToken == "" {
		t.Fatalf("first page: %+v", first)
	}
	second := list("environment=prod&limit=1&page_token=" + first.NextPageToken)
	if len(second.Promotions) != 1 || second.Promotions[0].State != promotion.Succeeded || second.NextPageToken != "" {
		t.Errorf("second page: %+v", second)
	}
	if got := list("environment=prod&state=SUCCEEDED"); len(got.Promotions) != 1 || got.Promotions[0].State != promotion.Succeeded {
		t.Errorf("succeeded: %+v", got.Promotions)
	}
	if got := list("environment=qa"); len(got.Promotions) != 0 {
		t.Errorf("an environment without promotions: %+v", got)
	}
	a.expectError(400, "invalid", "GET", "/api/promotions", "ana", nil, "name an environment")
	a.expectError(400, "invalid", "GET", "/api/promotions?environment=prod&limit=0", "ana", nil, "limit")
	a.expectError(400, "invalid", "GET", "/api/promotions?environment=prod&page_token=bogus", "ana", nil, "page token")
}

func TestGetPromotion(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	var view struct {
		Promotion promotion.Promotion
		Release   struct {
			Name      string
			NodeCount int `json:"node_count"`
		}
		Plan struct {
			Digest  string
			Summary struct{ Breaking int }
			Changes []struct{ Node, Category string }
		}
		Approval struct {
			Approvers    []string
			MinApprovals int        `json:"min_approvals"`
			ExpiresAt    *time.Time `json:"expires_at"`
			MayDecide    bool       `json:"may_decide"`
			WhyNot       string     `json:"why_not"`
			CommentMax   int        `json:"comment_max"`
		}
		MayCancel     bool   `json:"may_cancel"`
		CancelBlocked string `json:"cancel_blocked"`
	}
	a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, "ana", nil, &view)
	if view.Promotion.ID != p.ID || view.Release.Name != "v2" || view.Release.NodeCount != 1 || view.Plan.Digest != p.PlanDigest ||
		view.Plan.Summary.Breaking != 1 || len(view.Plan.Changes) != 1 || view.Plan.Changes[0].Category != "BREAKING" {
		t.Errorf("view %+v", view)
	}
	want := a.clock.Now().Add(time.Hour)
	if !view.Approval.MayDecide || view.Approval.MinApprovals != 1 || len(view.Approval.Approvers) != 3 ||
		view.Approval.ExpiresAt == nil || !view.Approval.ExpiresAt.Equal(want) {
		t.Errorf("approval %+v, want expiry %s", view.Approval, want)
	}
	a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, "cy", nil, &view)
	if view.Approval.MayDecide || !strings.Contains(view.Approval.WhyNot, "cy is not an approver") {
		t.Errorf("cy: %+v", view.Approval)
	}
	if view.Approval.CommentMax != 4000 || view.MayCancel || !strings.Contains(view.CancelBlocked, "only ci, who requested promotion "+p.ID+", or an admin") {
		t.Errorf("cy may not cancel: comment max %d, may cancel %v (%q)", view.Approval.CommentMax, view.MayCancel, view.CancelBlocked)
	}
	for _, who := range []string{"ci", "admin"} {
		view.MayCancel, view.CancelBlocked = false, ""
		a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, who, nil, &view)
		if !view.MayCancel || view.CancelBlocked != "" {
			t.Errorf("%s may cancel: %v (%q)", who, view.MayCancel, view.CancelBlocked)
		}
	}
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/cancel", "ci", nil, nil)
	a.expect(http.StatusOK, "GET", "/api/promotions/"+p.ID, "ci", nil, &view)
	if view.MayCancel || !strings.Contains(view.CancelBlocked, "CANCELLED and can no longer be cancelled") {
		t.Errorf("after the cancel: may cancel %v (%q)", view.MayCancel, view.CancelBlocked)
	}
	a.expectError(404, "not_found", "GET", "/api/promotions/nope", "ana", nil, "nope")
}

func TestApprove(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) { approve(t, newAPIOn(t, backend)) })
	}
}

func approve(t *testing.T, a *api) {
	p := a.awaiting()
	path := "/api/promotions/" + p.ID
	t.Run("GET changes nothing", func(t *testing.T) {
		code, _ := a.do("GET", path+"/approve", "ana", nil)
		if code == http.StatusOK || a.promotion(p.ID).State != promotion.AwaitingApproval || len(a.promotion(p.ID).Approvals) != 0 {
			t.Errorf("GET approve: %d, %s", code, a.promotion(p.ID).State)
		}
	})
	t.Run("not an approver", func(t *testing.T) {
		a.expectError(403, "forbidden", "POST", path+"/approve", "cy", decision(p.PlanDigest, ""), "cy is not an approver")
	})
	t.Run("the plan changed", func(t *testing.T) {
		a.expectError(409, "conflict", "POST", path+"/approve", "ana", decision("sha256:0123456789abcdef", ""), "plan changed", "0123456789ab")
	})
	t.Run("comment too long", func(t *testing.T) {
		a.expectError(400, "invalid", "POST", path+"/approve", "ana", decision(p.PlanDigest, strings.Repeat("x", 5000)), "comment")
	})
	if len(a.promotion(p.ID).Approvals) != 0 || a.sfn.success != 0 {
		t.Fatalf("refused decisions were recorded")
	}
	var decided promotion.Promotion
	a.expect(http.StatusOK, "POST", path+"/approve", "ana", decision(p.PlanDigest, "ship it"), &decided)
	if len(decided.Approvals) != 1 || decided.Approvals[0].Identity != "ana" || decided.Approvals[0].Comment != "ship it" {
		t.Errorf("decided %+v", decided.Approvals)
	}
	got := a.promotion(p.ID)
	if got.State != promotion.Succeeded || a.env("prod").Version != 2 || a.sfn.success != 1 {
		t.Fatalf("after approval: %s (%s), version %d, %d SendTaskSuccess", got.State, got.Error, a.env("prod").Version, a.sfn.success)
	}
	t.Run("a click after the end", func(t *testing.T) {
		a.expectError(410, "gone", "POST", path+"/approve", "bo", decision(p.PlanDigest, ""), "no longer awaiting approval", "SUCCEEDED since")
		a.expectError(410, "gone", "POST", path+"/approve", "ana", decision(p.PlanDigest, ""), "SUCCEEDED")
	})
	if a.sfn.success != 1 || len(a.promotion(p.ID).Approvals) != 1 {
		t.Errorf("late clicks answered the task or were recorded")
	}
}

func TestRepeatedClickIsOneDecision(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) { repeatedClick(t, newAPIOn(t, backend)) })
	}
}

func repeatedClick(t *testing.T, a *api) {
	pol := a.env("prod")
	pol.Policy.MinApprovals = 2
	if err := a.s.Store.SaveEnvironment(ctx, pol); err != nil {
		t.Fatal(err)
	}
	p := a.awaiting()
	path := "/api/promotions/" + p.ID + "/approve"
	a.expect(http.StatusOK, "POST", path, "ana", decision(p.PlanDigest, ""), nil)
	a.expectError(409, "conflict", "POST", path, "ana", decision(p.PlanDigest, ""), "ana approved this promotion at")
	if got := a.promotion(p.ID); got.ApprovalCount() != 1 || got.State != promotion.AwaitingApproval || a.sfn.success != 0 {
		t.Errorf("after a repeated click: %d approvals, %s, %d SendTaskSuccess", got.ApprovalCount(), got.State, a.sfn.success)
	}
	a.expect(http.StatusOK, "POST", path, "bo", decision(p.PlanDigest, ""), nil)
	if got := a.promotion(p.ID); got.State != promotion.Succeeded || a.sfn.success != 1 {
		t.Errorf("after the second approver: %s, %d SendTaskSuccess", got.State, a.sfn.success)
	}
}

func TestSelfApproval(t *testing.T) {
	a := newAPI(t)
	a.start("prod", a.release("v1", "orders=model"), "ana")
	p := a.start("prod", a.release("v2", "orders=seed"), "ana")
	a.expectError(403, "forbidden", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""),
		"ana requested this promotion", "self-approval")
	a.expectError(403, "forbidden", "POST", "/api/promotions/"+p.ID+"/reject", "ana", decision(p.PlanDigest, ""), "self-approval")
	env := a.env("prod")
	env.Policy.AllowSelfApproval = true
	if err := a.s.Store.SaveEnvironment(ctx, env); err != nil {
		t.Fatal(err)
	}
	// The waiting promotion is decided under the rules it was planned under.
	a.expectError(403, "forbidden", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), "self-approval")
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/cancel", "ana", nil, nil)
	p = a.start("prod", a.release("v3", "orders=view"), "ana")
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), nil)
	if got := a.promotion(p.ID); got.State != promotion.Succeeded {
		t.Errorf("self-approved where allowed: %s", got.State)
	}
}

func TestConcurrentApprovalsAnswerTheTaskOnce(t *testing.T) {
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) { concurrentApprovals(t, newAPIOn(t, backend)) })
	}
}

func concurrentApprovals(t *testing.T, a *api) {
	env := a.env("prod")
	env.Policy.MinApprovals = 2
	if err := a.s.Store.SaveEnvironment(ctx, env); err != nil {
		t.Fatal(err)
	}
	p := a.awaiting()
	codes := make([]int, crowd)
	var wg sync.WaitGroup
	for i := range crowd {
		wg.Go(func() {
			codes[i], _ = a.send("POST", "/api/promotions/"+p.ID+"/approve", fmt.Sprintf("a%02d", i+1), decision(p.PlanDigest, "lgtm"))
		})
	}
	wg.Wait()
	a.s.Emulator.Settle()
	ok, gone := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusGone:
			gone++
		default:
			t.Errorf("status %d", c)
		}
	}
	got := a.promotion(p.ID)
	if a.sfn.success != 1 || got.State != promotion.Succeeded || ok != 2 || gone != crowd-2 || got.ApprovalCount() != 2 ||
		got.Closed == nil || got.Closed.How != promotion.ClosedApproved {
		t.Errorf("%d SendTaskSuccess, state %s, %d ok, %d gone, %d approvals recorded", a.sfn.success, got.State, ok, gone, got.ApprovalCount())
	}
	t.Logf("%d approvals recorded, %d told the approval was over", ok, gone)
}

func TestReject(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	for _, blank := range []string{"", " \n "} {
		a.expectError(400, "invalid", "POST", "/api/promotions/"+p.ID+"/reject", "bo", decision(p.PlanDigest, blank), "comment: a rejection needs a reason")
	}
	if got := a.promotion(p.ID); got.State != promotion.AwaitingApproval || len(got.Approvals) != 0 || a.sfn.failures != 0 {
		t.Fatalf("a rejection without a reason was recorded: %s, %+v", got.State, got.Approvals)
	}
	a.expect(http.StatusOK, "POST", "/api/promotions/"+p.ID+"/reject", "bo", decision(p.PlanDigest, "orders must stay a model <b>now</b>"), nil)
	got := a.promotion(p.ID)
	if got.State != promotion.Rejected || a.env("prod").Version != 1 || a.env("prod").Lock != nil || a.sfn.failures != 1 {
		t.Fatalf("after rejection: %s, version %d, lock %+v", got.State, a.env("prod").Version, a.env("prod").Lock)
	}
	exec, err := a.s.Emulator.Describe(got.Execution)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range exec.Events {
		if e.Type == "TaskFailed" && fmt.Sprint(e.Details["cause"]) == "rejected by bo: orders must stay a model <b>now</b>" && e.Details["error"] == "Rejected" {
			found = true
		}
	}
	if !found || exec.Status != asl.Succeeded {
		t.Errorf("the execution (%s) did not get the rejection with its comment", exec.Status)
	}
	a.expectError(410, "gone", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), "REJECTED")
}

func TestExpired(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	a.clock.Add(time.Hour)
	a.expectError(410, "gone", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""),
		"expired at 2026-11-01T11:01:00Z")
	if c := a.promotion(p.ID).Closed; c == nil || c.How != promotion.ClosedExpired || !c.At.Equal(*p.ApprovalExpiresAt) {
		t.Errorf("a decision after the expiry did not close the decision as expired: %+v", c)
	}
	a.s.Emulator.Tick()
	a.s.Emulator.Settle()
	if got := a.promotion(p.ID); got.State != promotion.Expired {
		t.Fatalf("after the timeout: %s", got.State)
	}
	a.expectError(410, "gone", "POST", "/api/promotions/"+p.ID+"/reject", "ana", decision(p.PlanDigest, ""), "EXPIRED since 2026-11-01T11:01:00Z")
	if a.sfn.success+a.sfn.failures != 0 || len(a.promotion(p.ID).Approvals) != 0 {
		t.Errorf("a decision after expiry was sent or recorded")
	}
}

func TestCancel(t *testing.T) {
	a := newAPI(t)
	p := a.awaiting()
	path := "/api/promotions/" + p.ID + "/cancel"
	a.expectError(403, "forbidden", "POST", path, "ana", nil, "only ci")
	var got promotion.Promotion
	a.expect(http.StatusOK, "POST", path, "ci", nil, &got)
	exec, err := a.s.Emulator.Describe(got.Execution)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != promotion.Cancelled || a.env("prod").Lock != nil || exec.Status != asl.Aborted || a.env("prod").Version != 1 {
		t.Errorf("after cancel: %s, lock %+v, execution %s", got.State, a.env("prod").Lock, exec.Status)
	}
	a.expectError(410, "gone", "POST", path, "ci", nil, "can no longer be cancelled", "cancelled by ci at") // again: closed
	a.expectError(410, "gone", "POST", "/api/promotions/"+p.ID+"/approve", "ana", decision(p.PlanDigest, ""), "CANCELLED")
	t.Run("an admin may cancel, not after the apply", func(t *testing.T) {
		q := a.start("prod", a.release("v3", "orders=view"), "ci")
		a.expect(http.StatusOK, "POST", "/api/promotions/"+q.ID+"/cancel", "admin", `{}`, nil)
		done := a.start("dev", a.release("v4", "x=model"), "ci")
		a.expectError(409, "conflict", "POST", "/api/promotions/"+done.ID+"/cancel", "admin", nil, "SUCCEEDED", "can no longer be cancelled")
	})
}
