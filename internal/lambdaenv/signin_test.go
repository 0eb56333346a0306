package lambdaenv

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ferrydev/ferry/internal/identity/jwttest"
)

// TestSignIn: the api function tells the page the provider, without sign-in,
// and allows its origins in the CSP; a provider it cannot read at start is
// logged and the issuer's origin alone is allowed.
func TestSignIn(t *testing.T) {
	iss := jwttest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if got := signIn(context.Background(), Config{}, log); got != nil {
		t.Errorf("without OIDC_ISSUER: %+v", got)
	}
	if got := signIn(context.Background(), Config{OIDCIssuer: iss.URL, OIDCClientID: "ferry"}, log); got == nil ||
		got.TokenEndpoint != iss.URL+"/token" || got.ClientID != "ferry" {
		t.Errorf("signIn = %+v", got)
	}
	if got := signIn(context.Background(), Config{OIDCIssuer: "http://127.0.0.1:1", OIDCClientID: "ferry"}, log); got == nil ||
		got.TokenEndpoint != "" || !strings.Contains(logs.String(), "cannot read the OpenID provider's discovery document") {
		t.Errorf("an unreachable issuer: %+v; logs %s", got, logs.String())
	}

	adapter := apiFunction(t, map[string]string{"OIDC_ISSUER": iss.URL, "OIDC_CLIENT_ID": "ferry-page"})
	resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/api/auth/config",
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/auth/config"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"oidc":{"issuer":"` + iss.URL + `","client_id":"ferry-page"}}`; resp.StatusCode != 200 || strings.TrimSpace(resp.Body) != want {
		t.Errorf("GET /api/auth/config = %d %s, want %s", resp.StatusCode, resp.Body, want)
	}
	if csp := resp.Headers["Content-Security-Policy"]; !strings.Contains(csp, "connect-src 'self' "+iss.URL+";") {
		t.Errorf("CSP %s", csp)
	}
}
