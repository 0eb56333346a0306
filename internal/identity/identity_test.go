package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

func TestTokens(t *testing.T) {
	ana := User{Name: "ana", Groups: []string{"sre"}, Token: NewToken()}
	tokens, err := NewTokens(Config{Users: []User{ana, {Name: "bo", Token: NewToken()}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		want   policy.Identity
		code   string
	}{
		{"known token", "Bearer " + ana.Token, policy.Identity{Subject: "ana", Groups: []string{"sre"}}, ""},
		{"the scheme in lower case", "bearer " + ana.Token, policy.Identity{Subject: "ana", Groups: []string{"sre"}}, ""},
		{"no header", "", policy.Identity{}, fault.Unauthorized},
		{"no token", "Bearer ", policy.Identity{}, fault.Unauthorized},
		{"basic auth", "Basic YW5hOnB3", policy.Identity{}, fault.Unauthorized},
		{"unknown token", "Bearer fy_0000000000000000", policy.Identity{}, fault.Unauthorized},
		{"a token's prefix", "Bearer " + ana.Token[:10], policy.Identity{}, fault.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/me", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := tokens.Identify(r)
			if fault.ErrorCode(err) != tt.code || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Identify = %+v, %v", got, err)
			}
		})
	}
	for name, cfg := range map[string]Config{
		"short token":    {Users: []User{{Name: "a", Token: "short"}}},
		"no name":        {Users: []User{{Token: NewToken()}}},
		"repeated token": {Users: []User{{Name: "a", Token: ana.Token}, {Name: "b", Token: ana.Token}}},
		"repeated name":  {Users: []User{{Name: "a", Token: NewToken()}, {Name: "a", Token: NewToken()}}},
	} {
		if _, err := NewTokens(cfg); fault.ErrorCode(err) != fault.Invalid {
			t.Errorf("%s: NewTokens = %v", name, err)
		}
	}
}

func TestConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	cfg := Config{Users: []User{{Name: "ana", Token: NewToken()}}, Admins: []string{"group:admins"}}
	if err := WriteConfig(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(path)
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Errorf("LoadConfig = %+v, %v", got, err)
	}
}

// TestGateway runs the identity through the same adapter functions/api uses,
// from the API Gateway event Lambda receives.
func TestGateway(t *testing.T) {
	tests := []struct {
		name       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		gateway    Gateway
		want       policy.Identity
		code       string
	}{
		{"jwt email and groups", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": "u-1", "email": "ana@example.com", "groups": "[reviewers sre]"}}},
			Gateway{}, policy.Identity{Subject: "ana@example.com", Groups: []string{"reviewers", "sre"}}, ""},
		{"configured claims", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": "u-1", "email": "ana@example.com", "cognito:groups": `["admins"]`}}},
			Gateway{SubjectClaim: "sub", GroupsClaim: "cognito:groups"}, policy.Identity{Subject: "u-1", Groups: []string{"admins"}}, ""},
		{"iam caller", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			UserARN: "arn:aws:sts::123456789012:assumed-role/ci/run-81"}},
			Gateway{}, policy.Identity{Subject: "arn:aws:sts::123456789012:assumed-role/ci/run-81"}, ""},
		{"no subject", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"groups": "[sre]"}}}, Gateway{}, policy.Identity{}, fault.Unauthorized},
		{"no authorizer", nil, Gateway{}, policy.Identity{}, fault.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got policy.Identity
			var err error
			adapter := httpadapter.NewV2(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, err = tt.gateway.Identify(r)
				w.WriteHeader(http.StatusNoContent)
			}))
			event := events.APIGatewayV2HTTPRequest{RawPath: "/api/me", RequestContext: events.APIGatewayV2HTTPRequestContext{
				Authorizer: tt.authorizer, HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/me"}}}
			if _, perr := adapter.ProxyWithContext(context.Background(), event); perr != nil {
				t.Fatal(perr)
			}
			if fault.ErrorCode(err) != tt.code || !reflect.DeepEqual(got, tt.want) {
				b, _ := json.Marshal(got)
				t.Errorf("Identify = %s, %v", b, err)
			}
		})
	}
}
