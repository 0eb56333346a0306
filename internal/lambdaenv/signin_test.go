package lambdaenv

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

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

	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("TABLE_NAME", "ferry")
	t.Setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:ferry-promotion")
	t.Setenv("UPLOAD_BUCKET", "ferry-uploads-123")
	t.Setenv("OIDC_ISSUER", iss.URL)
	t.Setenv("OIDC_CLIENT_ID", "ferry-page")
	cfg, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	handler, err := API(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpadapter.NewV2(handler).ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/api/auth/config",
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
