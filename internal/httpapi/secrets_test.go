package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPolicySecretsStayWithAdmins sets a policy whose webhook and deploy hook
// URLs carry secrets in their paths, runs promotions whose deploy hook and
// notifications fail, and checks that nothing a non-admin reads, and no log
// line, holds a secret, while admins read the policy whole.
func TestPolicySecretsStayWithAdmins(t *testing.T) {
	a := newAPI(t)
	const secret = "s3cr3tPath"
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden) // the deploy hook and the webhook refuse
	}))
	defer hooks.Close()
	webhook := hooks.URL + "/services/T1/B2/" + secret
	hook := hooks.URL + "/deploy/" + secret + "?token=" + secret
	ref := "env:FERRY_TEST_HOOK_" + strings.ToUpper(secret)
	policyJSON := `{"approval":"never","notify":[{"url":"` + webhook + `"}],"deploy_hook":{"url":"` + hook + `","secret_ref":"` + ref + `"},"ttl":"24h"}`
	a.expect(http.StatusCreated, "PUT", "/api/environments/pr-9", "admin", `{"policy":`+policyJSON+`,"ephemeral":true}`, nil)
	// A change of the secrets only is recorded without them.
	a.expect(http.StatusOK, "PUT", "/api/environments/pr-9/policy", "admin", strings.ReplaceAll(policyJSON, "B2", "B3"), nil)

	// The secret reference names no variable: the deploy hook cannot sign.
	failed := a.start("pr-9", a.release("v1", "orders=model"), "ci")
	// The hook answers 403.
	t.Setenv(strings.TrimPrefix(ref, "env:"), "signing-key")
	refused := a.start("pr-9", a.release("v2", "orders=model", "customers=model"), "ci")
	for _, p := range []string{failed.Error, refused.Error} {
		if p == "" {
			t.Fatalf("a promotion with a failing deploy hook did not fail: %+v", refused)
		}
	}
	if !strings.Contains(refused.Error, "answered 403") {
		t.Errorf("the promotion's error does not say what the hook answered: %s", refused.Error)
	}

	var seen strings.Builder
	for _, path := range []string{"/api/environments", "/api/environments/pr-9", "/api/environments/pr-9/policy",
		"/api/environments/pr-9/history", "/api/promotions/" + failed.ID, "/api/promotions/" + refused.ID,
		"/api/promotions?environment=pr-9"} {
		seen.Write(a.expect(http.StatusOK, "GET", path, "ana", nil, nil))
	}
	seen.Write(a.expect(http.StatusOK, "POST", "/api/environments/pr-9/extend", "ana", nil, nil))
	for _, s := range []string{secret, ref, "B2", "B3"} {
		if strings.Contains(seen.String(), s) {
			t.Errorf("a non-admin reads %q", s)
		}
		if strings.Contains(a.logs.String(), s) {
			t.Errorf("the log holds %q", s)
		}
	}
	host := strings.TrimPrefix(hooks.URL, "http://")
	for _, want := range []string{`"url":"http://` + host + `/…"`, `"secret_ref":"env:…"`, "notify: changed (its secrets are not recorded)"} {
		if !strings.Contains(seen.String(), want) {
			t.Errorf("a non-admin does not read %s", want)
		}
	}
	whole := string(a.expect(http.StatusOK, "GET", "/api/environments/pr-9/policy", "admin", nil, nil))
	if !strings.Contains(whole, strings.ReplaceAll(webhook, "B2", "B3")) || !strings.Contains(whole, ref) {
		t.Errorf("an admin does not read the policy whole: %s", whole)
	}
	for _, body := range []string{`{"notify":[{"url":"hooks.example/` + secret + `"}]}`,
		`{"deploy_hook":{"url":"http://hooks.example/` + secret + `","secret_ref":"env:X"}}`} {
		answer := string(a.expect(http.StatusBadRequest, "PUT", "/api/environments/pr-9/policy", "admin", body, nil))
		if !strings.Contains(answer, "url") || strings.Contains(answer, secret) {
			t.Errorf("a validation error about a secret URL: %s", answer)
		}
	}
}
