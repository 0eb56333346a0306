package lambdaenv

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func TestFromEnv(t *testing.T) {
	t.Setenv("TABLE_NAME", "")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Errorf("without TABLE_NAME: %v", err)
	}
	t.Setenv("TABLE_NAME", "ferry")
	t.Setenv("PAGE_URL", "https://ferry.example")
	if cfg, err := FromEnv(); err != nil || cfg.Table != "ferry" || cfg.PageURL != "https://ferry.example" {
		t.Errorf("FromEnv = %+v, %v", cfg, err)
	}
}

// TestAPIThroughAPIGateway sends API Gateway events through the same adapter
// functions/api uses: people with JWT claims under /api, CI with its IAM caller
// under /ci/api, the page without sign-in.
func TestAPIThroughAPIGateway(t *testing.T) {
	adapter := apiFunction(t, map[string]string{"ADMINS": "group:platform, root@example.com", "GROUPS_CLAIM": "cognito:groups"})
	tests := []struct {
		name, path string
		auth       *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		status     int
		says       string
	}{
		{"a person", "/api/me", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"email": "ana@example.com", "cognito:groups": "[platform]"}}}, 200, `{"admin":true,"groups":["platform"],"subject":"ana@example.com"}`},
		{"CI", "/ci/api/me", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			UserARN: "arn:aws:sts::123456789012:assumed-role/ci/run"}}, 200, `"subject":"arn:aws:sts::123456789012:assumed-role/ci/run"`},
		{"no authorizer", "/api/me", nil, 401, `"code":"unauthorized"`},
		{"the page", "/", nil, 200, "<title>Ferry</title>"},
	}
	// A release upload is a presigned PUT to the bucket, made without a call to AWS.
	t.Run("an upload URL", func(t *testing.T) {
		resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/ci/api/uploads",
			RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: "arn:aws:sts::123456789012:assumed-role/ci/run"}},
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/ci/api/uploads"}}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 201 || !strings.Contains(resp.Body, `"url":"https://ferry-uploads-123.s3.us-east-1.amazonaws.com/uploads/up-`) ||
			!strings.Contains(resp.Body, "X-Amz-Signature=") || !regexp.MustCompile(`X-Amz-Expires=(899|900)\b`).MatchString(resp.Body) {
			t.Errorf("%d %s", resp.StatusCode, resp.Body)
		}
	})
	// The page's assets come from /assets/<version>/ (a route of their own,
	// without sign-in), gzipped: binary, so the adapter sends them base64.
	t.Run("an asset", func(t *testing.T) {
		get := func(path string, headers map[string]string) events.APIGatewayV2HTTPResponse {
			resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: path, Headers: headers,
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}}})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		app := regexp.MustCompile(`src="(assets/[0-9a-f]+/app\.js)"`).FindStringSubmatch(get("/", nil).Body)
		if app == nil {
			t.Fatal("the page loads no versioned app.js")
		}
		resp := get("/"+app[1], map[string]string{"accept-encoding": "gzip"})
		zipped, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil || resp.StatusCode != 200 || !resp.IsBase64Encoded || resp.Headers["Content-Encoding"] != "gzip" ||
			resp.Headers["Cache-Control"] != "public, max-age=31536000, immutable" {
			t.Fatalf("%d %v base64 %v (%v)", resp.StatusCode, resp.Headers, resp.IsBase64Encoded, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		if js, err := io.ReadAll(zr); err != nil || !bytes.Contains(js, []byte("import ")) {
			t.Errorf("app.js gunzipped: %v\n%.200s", err, js)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: tt.path,
				RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: tt.auth,
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: tt.path}}})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.says) || resp.Headers["Content-Security-Policy"] == "" {
				t.Errorf("%d %v %s", resp.StatusCode, resp.Headers, resp.Body)
			}
		})
	}
}

// TestStepBuildsEveryFunction builds each step's handler as its function's main
// does and hands it to aws-lambda-go, which must accept its shape: a payload it
// cannot decode is refused by the runtime's decoding, before the step runs.
func TestStepBuildsEveryFunction(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	cfg := Config{Table: "ferry"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, name := range []string{"plan", "approval", "apply", "smoke", "rollback", "finalize"} {
		h, err := Step(name)(context.Background(), cfg, log)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = lambda.NewHandler(h).Invoke(context.Background(), []byte(`{"promotion_id": 5}`))
		if err == nil || !strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("%s: a payload that is not an Input: %v", name, err)
		}
	}
	if _, err := Step("deploy")(context.Background(), cfg, log); err == nil || !strings.Contains(err.Error(), `no step "deploy"`) {
		t.Errorf("an unknown step: %v", err)
	}
}

// apiFunction is the api function as functions/api builds it from the
// template's environment (plus env), behind API Gateway's adapter.
func apiFunction(t *testing.T, env map[string]string) *httpadapter.HandlerAdapterV2 {
	t.Helper()
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("TABLE_NAME", "ferry")
	t.Setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:ferry-promotion")
	t.Setenv("UPLOAD_BUCKET", "ferry-uploads-123")
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	handler, err := API(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return httpadapter.NewV2(handler)
}
