package secretref

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// fakeAWS answers GetParameter and GetSecretValue in the AWS JSON protocol the
// SDK speaks, on 127.0.0.1, from values by name; any other name is refused as
// AWS refuses what a role may not read, with a message naming the resource.
func fakeAWS(t *testing.T, values map[string]string) Resolver {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name, SecretId string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		name := in.Name + in.SecretId
		v, ok := values[name]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"__type": "AccessDeniedException",
				"message": "User is not authorized to perform this action on resource " + name})
			return
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.GetParameter":
			json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]string{"Name": name, "Value": v}})
		case "secretsmanager.GetSecretValue":
			json.NewEncoder(w).Encode(map[string]string{"Name": name, "SecretString": v})
		default:
			http.Error(w, "unexpected "+r.Header.Get("X-Amz-Target"), http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL)}
	return Resolver{SSM: ssm.NewFromConfig(cfg), SecretsManager: secretsmanager.NewFromConfig(cfg)}
}

func TestResolve(t *testing.T) {
	t.Setenv("FERRY_TEST_SECRET", "from-env")
	t.Setenv("FERRY_TEST_EMPTY", "")
	r := fakeAWS(t, map[string]string{"/ferry/slack-url": "https://hooks.slack.com/services/T/B/x", "ferry/hook": "s3cret", "/ferry/empty": ""})
	for _, tt := range []struct{ ref, want, err string }{
		{"env:FERRY_TEST_SECRET", "from-env", ""},
		{"ssm:/ferry/slack-url", "https://hooks.slack.com/services/T/B/x", ""},
		{"secretsmanager:ferry/hook", "s3cret", ""},
		{"env:FERRY_TEST_EMPTY", "", "names nothing that is set"},
		{"env:FERRY_TEST_UNSET", "", "names nothing that is set"},
		{"ssm:/ferry/empty", "", "names nothing that is set"},
		{"ssm:/other/secret", "", "AccessDeniedException"},
		{"secretsmanager:other", "", "AccessDeniedException"},
		{"ssm:relative", "", "is not one"},
		{"vault:x", "", "is not one"},
		{"plain", "", "is not one"},
	} {
		got, err := r.Resolve(context.Background(), tt.ref)
		if string(got) != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %q", tt.ref, got, err, tt.want, tt.err)
		}
		if _, name, _ := strings.Cut(tt.ref, ":"); err != nil && name != "" && strings.Contains(err.Error(), name) {
			t.Errorf("Resolve(%q): the error %q repeats the reference", tt.ref, err)
		}
	}
}

// TestWithoutAWS: ferry local has no AWS clients and says so for AWS references.
func TestWithoutAWS(t *testing.T) {
	for _, ref := range []string{"ssm:/ferry/x", "secretsmanager:ferry/x"} {
		if _, err := (Resolver{}).Resolve(context.Background(), ref); err == nil || !strings.Contains(err.Error(), "in AWS only") {
			t.Errorf("Resolve(%q) without AWS: %v", ref, err)
		}
	}
}

func TestParse(t *testing.T) {
	for ref, want := range map[string]bool{"env:X": true, "ssm:/a": true, "secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:ferry/x": true,
		"ssm:/": false, "ssm:a": false, "env:": false, "https://hooks.slack.com/x": false, "": false} {
		if _, _, ok := Parse(ref); ok != want {
			t.Errorf("Parse(%q) ok = %v, want %v", ref, ok, want)
		}
	}
}
