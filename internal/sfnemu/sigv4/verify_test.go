package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	keyID  = "AKIAFERRYLOCALTEST01"
	secret = "0123456789abcdefghijklmnopqrstuvwxyzABCD"
	body   = `{"maxResults":10}`
)

var signedAt = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func verifier(now time.Time) *Verifier {
	return &Verifier{Service: "states", Keys: map[string]string{keyID: secret}, Now: func() time.Time { return now }}
}

// signed is a request to /sfn signed by the AWS SDK for Go's signer as creds,
// at signedAt, for service.
func signed(t *testing.T, creds aws.Credentials, service string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/sfn", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, "eu-west-1", signedAt); err != nil {
		t.Fatal(err)
	}
	return r
}

func good() aws.Credentials { return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret} }

// TestAcceptsTheSDKsSignature: a request the SDK signed passes, and the next
// handler reads the whole body.
func TestAcceptsTheSDKsSignature(t *testing.T) {
	r := signed(t, good(), "states")
	if err := verifier(signedAt.Add(14 * time.Minute)).Verify(r); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r.Body); string(got) != body {
		t.Errorf("body after Verify: %q", got)
	}
}

// TestAWSVector checks the algorithm against AWS's published get-vanilla
// example of the SigV4 test suite.
func TestAWSVector(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	v := &Verifier{Service: "service", Keys: map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) }}
	if err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
}

// TestRefusals: each way a request can fail gets AWS's code and status.
func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name    string
		request func() *http.Request
		now     time.Time
		code    string
		status  int
		message string
	}{
		{"unsigned", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/sfn", strings.NewReader(body))
		}, signedAt, "MissingAuthenticationToken", 403, "Missing Authentication Token"},
		{"unknown key", func() *http.Request {
			return signed(t, aws.Credentials{AccessKeyID: "AKIAOTHER", SecretAccessKey: secret}, "states")
		}, signedAt, "UnrecognizedClientException", 400, "The security token included in the request is invalid."},
		{"session token", func() *http.Request {
			return signed(t, aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: "x"}, "states")
		}, signedAt, "UnrecognizedClientException", 400, "The security token included in the request is invalid."},
		{"wrong secret", func() *http.Request {
			return signed(t, aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret + "x"}, "states")
		}, signedAt, "InvalidSignatureException", 400, "The request signature we calculated does not match"},
		{"body changed", func() *http.Request {
			r := signed(t, good(), "states")
			r.Body = io.NopCloser(strings.NewReader(`{"maxResults":11}`))
			return r
		}, signedAt, "InvalidSignatureException", 400, "does not match"},
		{"signed header changed", func() *http.Request {
			r := signed(t, good(), "states")
			r.Header.Set("X-Amz-Target", "AWSStepFunctions.SendTaskSuccess")
			return r
		}, signedAt, "InvalidSignatureException", 400, "does not match"},
		{"path changed", func() *http.Request {
			r := signed(t, good(), "states")
			r.URL.Path = "/other"
			return r
		}, signedAt, "InvalidSignatureException", 400, "does not match"},
		{"host changed", func() *http.Request {
			r := signed(t, good(), "states")
			r.Host = "127.0.0.1:8081"
			return r
		}, signedAt, "InvalidSignatureException", 400, "does not match"},
		{"payload hash claimed", func() *http.Request {
			r := signed(t, good(), "states")
			r.Body = io.NopCloser(strings.NewReader(`{}`))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return r
		}, signedAt, "InvalidSignatureException", 400, "does not match"},
		{"expired", func() *http.Request { return signed(t, good(), "states") }, signedAt.Add(16 * time.Minute),
			"InvalidSignatureException", 400, "Signature expired: 20261202T090000Z is now earlier than 20261202T090100Z (20261202T091600Z - 15 min.)"},
		{"not yet current", func() *http.Request { return signed(t, good(), "states") }, signedAt.Add(-16 * time.Minute),
			"InvalidSignatureException", 400, "Signature not yet current: 20261202T090000Z is still later than"},
		{"other service", func() *http.Request { return signed(t, good(), "lambda") }, signedAt,
			"InvalidSignatureException", 400, "Credential should be scoped to correct service: 'states'."},
		{"scope date", func() *http.Request {
			r := signed(t, good(), "states")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261202/", "/20261201/", 1))
			return r
		}, signedAt, "InvalidSignatureException", 400, "Date in Credential scope does not match"},
		{"other algorithm", func() *http.Request {
			r := signed(t, good(), "states")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1", 1))
			return r
		}, signedAt, "IncompleteSignature", 400, "Unsupported AWS 'algorithm'"},
		{"no signature", func() *http.Request {
			r := signed(t, good(), "states")
			auth, _, _ := strings.Cut(r.Header.Get("Authorization"), ", Signature=")
			r.Header.Set("Authorization", auth)
			return r
		}, signedAt, "IncompleteSignature", 400, "requires 'Credential', 'SignedHeaders' and 'Signature'"},
		{"no date", func() *http.Request {
			r := signed(t, good(), "states")
			r.Header.Del("X-Amz-Date")
			return r
		}, signedAt, "IncompleteSignature", 400, "X-Amz-Date"},
		{"host unsigned", func() *http.Request {
			r := signed(t, good(), "states")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;", "", 1))
			return r
		}, signedAt, "IncompleteSignature", 400, "'host' must be a 'SignedHeader'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			reached := false
			verifier(c.now).Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })).ServeHTTP(rec, c.request())
			var raw map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if reached || rec.Code != c.status || raw["__type"] != c.code || rec.Header().Get("X-Amzn-ErrorType") != c.code ||
				!strings.Contains(raw["message"], c.message) {
				t.Errorf("reached %v; %d %s %q; want %d %s %q", reached, rec.Code, raw["__type"], raw["message"], c.status, c.code, c.message)
			}
		})
	}
}

// TestCanonicalURI: paths normalize as the SDKs sign them.
func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/sfn": "/sfn", "/sfn/": "/sfn/", "//sfn//x/": "/sfn/x/", "/a/./b/../c": "/a/c", "/a%20b": "/a%2520b",
	} {
		if got := canonicalURI(in); got != want {
			t.Errorf("canonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCanonicalQuery: parameters sorted and encoded.
func TestCanonicalQuery(t *testing.T) {
	if got := canonicalQuery("b=2&a=x%20y&a=1&c"); got != "a=1&a=x%20y&b=2&c=" {
		t.Errorf("canonicalQuery: %q", got)
	}
}

// TestErrorIsAnError: Verify's refusal is an *Error.
func TestErrorIsAnError(t *testing.T) {
	err := verifier(signedAt).Verify(httptest.NewRequest(http.MethodPost, "/sfn", nil))
	var e *Error
	if !errors.As(err, &e) || e.Code != "MissingAuthenticationToken" || err.Error() != "MissingAuthenticationToken: Missing Authentication Token" {
		t.Errorf("%#v", err)
	}
}
