package lambdaenv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ferrydev/ferry/internal/pipeline"
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

func TestStepLogsOnceWithoutTheToken(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	failing := Step(log, "approval", pipeline.NoOutput(func(context.Context, pipeline.Input) error {
		return &pipeline.Transient{Msg: "throttled"}
	}))
	_, err := failing(context.Background(), pipeline.Input{PromotionID: "p1", TaskToken: "SECRET-TOKEN"})
	if _, ok := err.(*pipeline.Transient); !ok {
		t.Fatalf("the step's own error type must come through unwrapped, got %T", err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.Contains(out, "SECRET-TOKEN") {
		t.Errorf("log %q: want one line, without the token", out)
	}
	for _, want := range []string{`"promotion_id":"p1"`, `"step":"approval"`, `"error_type":"Transient"`, `"level":"ERROR"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %s", out, want)
		}
	}
}

type fakeDescriber struct {
	status sfntypes.ExecutionStatus
	err    error
	asked  string
}

func (f *fakeDescriber) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.asked = aws.ToString(in.ExecutionArn)
	return &sfn.DescribeExecutionOutput{Status: f.status}, f.err
}

var _ describer = (*fakeDescriber)(nil)

func TestExecutionAlive(t *testing.T) {
	const sm = "arn:aws:states:us-east-1:1:stateMachine:ferry"
	tests := []struct {
		name string
		f    *fakeDescriber
		want bool
		err  bool
	}{
		{"running", &fakeDescriber{status: sfntypes.ExecutionStatusRunning}, true, false},
		{"ended", &fakeDescriber{status: sfntypes.ExecutionStatusAborted}, false, false},
		{"gone", &fakeDescriber{err: &sfntypes.ExecutionDoesNotExist{}}, false, false},
		{"unreachable", &fakeDescriber{err: errors.New("throttled")}, false, true},
	}
	for _, tt := range tests {
		got, err := ExecutionAlive(tt.f, sm)(context.Background(), "p1")
		if got != tt.want || (err != nil) != tt.err || tt.f.asked != "arn:aws:states:us-east-1:1:execution:ferry:p1" {
			t.Errorf("%s: %v, %v (asked %s)", tt.name, got, err, tt.f.asked)
		}
	}
}

// TestAPIThroughAPIGateway sends API Gateway events through the same adapter
// functions/api uses: people with JWT claims under /api, CI with its IAM caller
// under /ci/api, the page without sign-in.
func TestAPIThroughAPIGateway(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("TABLE_NAME", "ferry")
	t.Setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:ferry-promotion")
	t.Setenv("ADMINS", "group:platform, root@example.com")
	t.Setenv("GROUPS_CLAIM", "cognito:groups")
	cfg, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	handler, err := API(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	adapter := httpadapter.NewV2(handler)
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
