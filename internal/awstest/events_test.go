package awstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// caller is who API Gateway says sent a request: a person signed in through the
// JWT authorizer (routes under /api), or CI through the IAM authorizer (routes
// under /ci/api).
type caller struct {
	email   string // JWT: the email claim
	userARN string // IAM: the caller's ARN
}

// person and ci are the callers of the tests.
func person(email string) caller { return caller{email: email} }

func ci() caller { return caller{userARN: fmt.Sprintf("arn:aws:iam::%s:user/ci", account)} }

// httpEvent is an API Gateway HTTP API payload format 2.0 event for a request
// to path (under /api/) by c, written out as AWS documents it rather than with
// the Go types the function decodes it with.
func httpEvent(c caller, method, path string, body any) map[string]any {
	route, authorizer := "ANY /api/{proxy+}", map[string]any{}
	if c.userARN != "" {
		route, path = "ANY /ci/api/{proxy+}", "/ci"+path
		authorizer["iam"] = map[string]any{"accessKey": "AKIAEXAMPLE", "accountId": account, "callerId": "AIDAEXAMPLE",
			"principalOrgId": nil, "userArn": c.userARN, "userId": "AIDAEXAMPLE"}
	} else {
		authorizer["jwt"] = map[string]any{"claims": map[string]string{"email": c.email, "sub": "sub-" + c.email,
			"iss": "https://issuer.example.com", "aud": "ferry"}, "scopes": nil}
	}
	now := time.Now().UTC()
	event := map[string]any{
		"version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
		"headers": map[string]string{"accept": "application/json", "content-type": "application/json",
			"host": "api.example.com", "user-agent": "ferry-awstest", "x-forwarded-proto": "https"},
		"pathParameters": map[string]string{"proxy": strings.TrimPrefix(strings.TrimPrefix(path, "/ci"), "/api/")},
		"requestContext": map[string]any{
			"accountId": account, "apiId": "local", "authorizer": authorizer,
			"domainName": "api.example.com", "domainPrefix": "api",
			"http":      map[string]string{"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "ferry-awstest"},
			"requestId": fmt.Sprintf("req-%d", now.UnixNano()), "routeKey": route, "stage": "$default",
			"time": now.Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": now.UnixMilli(),
		},
		"isBase64Encoded": false,
	}
	if body != nil {
		b, _ := json.Marshal(body)
		event["body"] = string(b)
	}
	return event
}

// httpResponse is the function's answer to API Gateway.
type httpResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// api sends a request to the api function as API Gateway would, and returns the
// status and body; into, when not nil, receives the JSON body of a 2xx answer.
func (w *world) api(t *testing.T, c caller, method, path string, body, into any) (int, string) {
	t.Helper()
	raw, lerr := w.fn(t, "api").invoke(t, httpEvent(c, method, path, body))
	if lerr != nil {
		t.Fatalf("%s %s: the api function failed: %s: %s", method, path, lerr.Type, lerr.Message)
	}
	var res httpResponse
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("%s %s: not an API Gateway v2 response: %v: %s", method, path, err, raw)
	}
	text := res.Body
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		text = string(b)
	}
	if into != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal([]byte(text), into); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, text)
		}
	}
	return res.StatusCode, text
}

// mustAPI is api expecting the status want.
func (w *world) mustAPI(t *testing.T, c caller, method, path string, body, into any, want int) {
	t.Helper()
	if status, text := w.api(t, c, method, path, body, into); status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, text)
	}
}

// scheduledEvent is the EventBridge event a Schedule rule sends.
func scheduledEvent() map[string]any {
	return map[string]any{
		"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
		"source": "aws.events", "account": account, "time": time.Now().UTC().Format(time.RFC3339), "region": region,
		"resources": []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/ferry-CleanupFunctionEvery15Minutes", region, account)},
		"detail":    map[string]any{},
	}
}
