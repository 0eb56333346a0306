package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

func TestEnvironments(t *testing.T) {
	a := newAPI(t)
	a.start("dev", a.release("v1", "orders=model"), "ci")
	var list struct{ Environments []environment.Environment }
	a.expect(http.StatusOK, "GET", "/api/environments", "ana", nil, &list)
	if len(list.Environments) != 2 || list.Environments[0].Name != "dev" || list.Environments[0].Current == nil {
		t.Errorf("environments %+v", list.Environments)
	}
	var view struct {
		Environment environment.Environment
		History     []environment.VersionEntry
		Promotions  []promotion.Promotion
	}
	a.expect(http.StatusOK, "GET", "/api/environments/dev", "ana", nil, &view)
	if view.Environment.Version != 1 || len(view.History) != 1 || len(view.Promotions) != 1 || view.History[0].By != "ci" {
		t.Errorf("dev: %+v", view)
	}
	var history struct {
		History []environment.VersionEntry
	}
	a.expect(http.StatusOK, "GET", "/api/environments/dev/history?limit=5", "ana", nil, &history)
	if len(history.History) != 1 || history.History[0].Version != 1 {
		t.Errorf("history %+v", history)
	}
	a.expectError(404, "not_found", "GET", "/api/environments/qa", "ana", nil, "qa")
	a.expectError(404, "not_found", "GET", "/api/environments/qa/history", "ana", nil, "qa")
}

func TestPreviewPlan(t *testing.T) {
	a := newAPI(t)
	v1 := a.release("v1", "orders=model")
	a.start("dev", v1, "ci")
	v2 := a.release("v2", "orders=seed", "customers=model")
	var p struct {
		Target      string
		BaseVersion int64 `json:"base_version"`
		Summary     struct{ Breaking, Added int }
	}
	a.expect(http.StatusOK, "GET", "/api/environments/dev/plan?release_id="+v2, "ana", nil, &p)
	if p.Target != "dev" || p.BaseVersion != 1 || p.Summary.Breaking != 1 || p.Summary.Added != 1 {
		t.Errorf("preview %+v", p)
	}
	a.expect(http.StatusOK, "GET", "/api/environments/prod/plan?source=dev", "ana", nil, &p)
	if p.Target != "prod" || p.BaseVersion != 0 || p.Summary.Added != 1 {
		t.Errorf("preview from dev %+v", p)
	}
	if a.env("prod").Version != 0 {
		t.Errorf("a preview changed prod")
	}
	a.expectError(400, "invalid", "GET", "/api/environments/dev/plan", "ana", nil, "release_id or source")
	a.expectError(400, "invalid", "GET", "/api/environments/dev/plan?source=prod", "ana", nil, "runs nothing yet")
	a.expectError(404, "not_found", "GET", "/api/environments/dev/plan?release_id=sha256:00", "ana", nil)
}

func TestEnvironmentAdministration(t *testing.T) {
	a := newAPI(t)
	pol := map[string]any{"approval": "always", "approvers": []string{"group:sre"}, "min_approvals": 1}
	t.Run("only admins change environments", func(t *testing.T) {
		a.expectError(403, "forbidden", "PUT", "/api/environments/qa", "ana", map[string]any{"policy": pol}, "only admins", "ana")
		a.expectError(403, "forbidden", "PUT", "/api/environments/prod/policy", "ana", pol, "only admins")
		a.expectError(403, "forbidden", "DELETE", "/api/environments/prod", "ana", nil, "only admins")
		a.expectError(403, "forbidden", "POST", "/api/environments/prod/freeze", "ana",
			map[string]any{"reason": "x", "until": a.clock.Now().Add(time.Hour)}, "only admins")
		a.expectError(403, "forbidden", "POST", "/api/environments/prod/unfreeze", "ana", nil, "only admins")
	})
	var env environment.Environment
	a.expect(http.StatusCreated, "PUT", "/api/environments/qa", "admin", map[string]any{"policy": pol}, &env)
	if env.Name != "qa" || env.Policy.Approval != policy.Always || env.Revision != 1 {
		t.Errorf("created %+v", env)
	}
	a.expect(http.StatusOK, "PUT", "/api/environments/qa", "admin", map[string]any{"policy": map[string]any{"approval": "never"}}, &env)
	if env.Policy.Approval != policy.Never {
		t.Errorf("updated %+v", env.Policy)
	}
	var got policy.Policy
	a.expect(http.StatusOK, "PUT", "/api/environments/qa/policy", "admin", pol, &got)
	a.expect(http.StatusOK, "GET", "/api/environments/qa/policy", "ana", nil, &got)
	if got.Approval != policy.Always || len(got.Approvers) != 1 {
		t.Errorf("policy %+v", got)
	}
	a.expect(http.StatusOK, "PUT", "/api/environments/qa/policy", "admin", pol, nil) // the same again: nothing to record
	var recorded []string
	for _, c := range a.env("qa").Changes {
		recorded = append(recorded, c.By+" "+c.What)
	}
	want := []string{"admin created", `admin policy: approval: "always" → "never"; approvers: ["group:sre"] → unset; min_approvals: 1 → unset`,
		`admin policy: approval: "never" → "always"; approvers: unset → ["group:sre"]; min_approvals: unset → 1`}
	if !slices.Equal(recorded, want) {
		t.Errorf("changes recorded:\n%s\nwant\n%s", strings.Join(recorded, "\n"), strings.Join(want, "\n"))
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, says         string
	}{
		{"bad approval mode", "PUT", "/api/environments/qa/policy", `{"approval":"sometimes"}`, 400, "invalid", "approval: \"sometimes\""},
		{"bad smoke url", "PUT", "/api/environments/qa/policy", `{"smoke":[{"name":"h","url":"ftp://x"}]}`, 400, "invalid", "smoke[0].url"},
		{"unknown policy field", "PUT", "/api/environments/qa/policy", `{"aproval":"always"}`, 400, "invalid", `unknown field "aproval"`},
		{"bad duration", "PUT", "/api/environments/qa/policy", `{"approval_timeout":"soon"}`, 400, "invalid", "soon"},
		{"bad name", "PUT", "/api/environments/%3Cimg%20onerror%3Dx%3E", map[string]any{"policy": pol}, 400, "invalid", "not a valid environment name"},
		{"policy of nothing", "PUT", "/api/environments/nope/policy", pol, 404, "not_found", "nope"},
		{"ephemeral flip", "PUT", "/api/environments/qa", `{"policy":{},"ephemeral":true}`, 400, "invalid", "delete and create"},
		{"freeze without reason", "POST", "/api/environments/qa/freeze", `{"until":"2030-01-01T00:00:00Z"}`, 400, "invalid", "reason"},
		{"freeze in the past", "POST", "/api/environments/qa/freeze", `{"reason":"x","until":"2020-01-01T00:00:00Z"}`, 400, "invalid", "not in the future"},
		{"extend a lasting one", "POST", "/api/environments/qa/extend", nil, 400, "invalid", "not ephemeral"},
		{"rollback without history", "POST", "/api/environments/qa/rollback", nil, 400, "invalid", "no earlier version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.expectError(tt.status, tt.code, tt.method, tt.path, "admin", tt.body, tt.says)
		})
	}
	a.expect(http.StatusNoContent, "DELETE", "/api/environments/qa", "admin", nil, nil)
	a.expectError(404, "not_found", "GET", "/api/environments/qa", "ana", nil)
}

func TestFreeze(t *testing.T) {
	a := newAPI(t)
	until := a.clock.Now().Add(2 * time.Hour).UTC()
	var env environment.Environment
	a.expect(http.StatusOK, "POST", "/api/environments/dev/freeze", "admin", map[string]any{"reason": "quarter close", "until": until}, &env)
	if env.Freeze == nil || env.Freeze.Owner != "admin" || !env.Freeze.Until.Equal(until) ||
		len(env.Changes) != 1 || env.Changes[0].What != "frozen until 2026-11-01T12:00:00Z: quarter close" {
		t.Fatalf("freeze %+v, changes %+v", env.Freeze, env.Changes)
	}
	p := a.start("dev", a.release("v1", "orders=model"), "ci")
	if p.State != promotion.Failed || !strings.Contains(p.Error, "frozen by admin") || !strings.Contains(p.Error, "quarter close") || a.env("dev").Version != 0 {
		t.Errorf("promotion into a frozen environment: %s (%s)", p.State, p.Error)
	}
	var thawed environment.Environment
	a.expect(http.StatusOK, "POST", "/api/environments/dev/unfreeze", "admin", nil, &thawed)
	if thawed.Freeze != nil || a.env("dev").Freeze != nil || len(thawed.Changes) != 2 || thawed.Changes[1].What != "unfrozen" {
		t.Errorf("still frozen: %+v", thawed.Freeze)
	}
	if p := a.start("dev", a.release("v1", "orders=model"), "ci"); p.State != promotion.Succeeded {
		t.Errorf("after unfreeze: %s (%s)", p.State, p.Error)
	}
}

func TestExtend(t *testing.T) {
	a := newAPI(t)
	a.expect(http.StatusCreated, "PUT", "/api/environments/pr-7", "admin", `{"policy":{"approval":"never","ttl":"24h"},"ephemeral":true}`, nil)
	if e := a.env("pr-7"); e.ExpiresAt == nil || !e.ExpiresAt.Equal(a.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("expiry %v", e.ExpiresAt)
	}
	a.clock.Add(time.Hour)
	var env environment.Environment
	a.expect(http.StatusOK, "POST", "/api/environments/pr-7/extend", "ci", `{"ttl":"72h"}`, &env)
	if !env.ExpiresAt.Equal(a.clock.Now().Add(72*time.Hour)) || env.Changes[len(env.Changes)-1].By != "ci" {
		t.Errorf("extended to %v, changes %+v", env.ExpiresAt, env.Changes)
	}
	a.expect(http.StatusOK, "POST", "/api/environments/pr-7/extend", "ci", nil, &env)
	if !env.ExpiresAt.Equal(a.clock.Now().Add(24 * time.Hour)) {
		t.Errorf("extended by the policy's ttl to %v", env.ExpiresAt)
	}
	a.expectError(400, "invalid", "POST", "/api/environments/pr-7/extend", "ci", `{"ttl":"-1h"}`, "negative")
}

func TestRollback(t *testing.T) {
	a := newAPI(t)
	v1 := a.release("v1", "orders=model")
	a.start("dev", v1, "ci")
	a.start("dev", a.release("v2", "orders=model", "customers=model"), "ci")
	var p promotion.Promotion
	a.expect(http.StatusCreated, "POST", "/api/environments/dev/rollback", "ana", `{"to_version":1}`, &p)
	got := a.promotion(p.ID)
	if got.Via != promotion.ViaRollback || got.ReleaseID != v1 || got.RequestedBy != "ana" || got.State != promotion.Succeeded {
		t.Errorf("rollback promotion %+v", got)
	}
	if e := a.env("dev"); e.Version != 3 || e.Current.ReleaseID != v1 {
		t.Errorf("dev at version %d, release %s", e.Version, e.Current.ReleaseID)
	}
	a.expectError(400, "invalid", "POST", "/api/environments/dev/rollback", "ana", `{"to_version":3}`, "no earlier version 3")
	a.expectError(404, "not_found", "POST", "/api/environments/qa/rollback", "ana", nil, "qa")
}

func TestReleases(t *testing.T) {
	a := newAPI(t)
	var nodes []string
	for i := range 250 {
		nodes = append(nodes, fmt.Sprintf("model_%03d=model", i))
	}
	id := a.release("big", nodes...)
	var view struct {
		ID, Name   string
		NodeCount  int `json:"node_count"`
		Matched    int
		Nodes      []release.Node
		NextOffset int `json:"next_offset"`
	}
	a.expect(http.StatusOK, "GET", "/api/releases/"+id, "ana", nil, &view)
	if view.ID != id || view.Name != "big" || view.NodeCount != 250 || view.Matched != 250 || len(view.Nodes) != 100 || view.NextOffset != 100 {
		t.Errorf("first page: %d nodes, %d matched, next %d", len(view.Nodes), view.Matched, view.NextOffset)
	}
	view.NextOffset = 0
	a.expect(http.StatusOK, "GET", "/api/releases/"+id+"?q=MODEL_1&offset=5&limit=10", "ana", nil, &view)
	if view.Matched != 100 || len(view.Nodes) != 10 || view.Nodes[0].Name != "model_105" || view.NextOffset != 15 {
		t.Errorf("search: %d matched, first %s, next %d", view.Matched, view.Nodes[0].Name, view.NextOffset)
	}
	a.expectError(400, "invalid", "GET", "/api/releases/"+id+"?limit=5000", "ana", nil, "limit")
	a.expectError(404, "not_found", "GET", "/api/releases/sha256:00", "ana", nil)
	small := `{"name":"small","nodes":[{"name":"orders","kind":"model"}]}`
	a.expect(http.StatusCreated, "POST", "/api/releases", "ci", small, nil)
	a.expect(http.StatusOK, "POST", "/api/releases", "ci", small, nil) // stored already
	tests := []struct {
		name, body, says string
	}{
		{"HTML in a node name", `{"nodes":[{"name":"<img src=x onerror=alert(1)>","kind":"model"}]}`, "(nodes[0]): name"},
		{"duplicate names", `{"nodes":[{"name":"a","kind":"m"},{"name":"a","kind":"m"}]}`, "duplicate"},
		{"a cycle", `{"nodes":[{"name":"a","kind":"m","depends_on":["b"]},{"name":"b","kind":"m","depends_on":["a"]}]}`, "cycle"},
		{"malformed", `{"nodes":[`, "request body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.expectError(400, "invalid", "POST", "/api/releases", "ci", tt.body, tt.says)
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := bytes.Repeat([]byte(" "), 65<<20)
		a.expectError(413, "invalid", "POST", "/api/releases", "ci", string(big), "larger than")
	})
}
