package local

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/ferrydev/ferry/internal/fakeclock"
)

// bootAuth starts a system on loopback for the authentication tests.
func bootAuth(t *testing.T) *System {
	t.Helper()
	s := boot(t, t.TempDir(), fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)), "")
	t.Cleanup(func() { s.Close() })
	return s
}

// tamper is an HTTP client that changes the body of a request after the SDK
// signed it, as someone between the client and the listener would.
type tamper struct{}

func (tamper) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	body = bytes.Replace(body, []byte(`"maxResults":7`), []byte(`"maxResults":8`), 1)
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return http.DefaultClient.Do(r)
}

// TestSFNNeedsASignature: the Go SDK's client signed with the system's
// credentials is served; unsigned, unknown-key, wrong-secret and tampered
// requests get AWS's error codes, which the SDK reports as typed API errors.
func TestSFNNeedsASignature(t *testing.T) {
	s := bootAuth(t)
	if out, err := s.SFNClient().ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil || len(out.StateMachines) != 1 {
		t.Fatalf("signed: %+v, %v", out, err)
	}
	// The JavaScript SDK posts to the endpoint's path with a trailing slash.
	slash := NewSFNClient(s.SFNEndpoint+"/", s.SFNCredentials)
	if _, err := slash.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("signed, to /sfn/: %v", err)
	}
	client := func(creds aws.CredentialsProvider, opts ...func(*sfn.Options)) *sfn.Client {
		return sfn.New(sfn.Options{Region: "eu-central-1", BaseEndpoint: aws.String(s.SFNEndpoint), Credentials: creds,
			RetryMaxAttempts: 1}, opts...)
	}
	key, secret := s.SFNCredentials.AccessKeyID, s.SFNCredentials.SecretAccessKey
	for _, c := range []struct {
		name   string
		client *sfn.Client
		code   string
		status int
	}{
		{"unsigned", client(aws.AnonymousCredentials{}), "MissingAuthenticationToken", 403},
		{"unknown key", client(credentials.NewStaticCredentialsProvider("AKIAFERRYLOCALOTHER1", secret, "")), "UnrecognizedClientException", 400},
		{"session token", client(credentials.NewStaticCredentialsProvider(key, secret, "token")), "UnrecognizedClientException", 400},
		{"wrong secret", client(credentials.NewStaticCredentialsProvider(key, secret[1:]+"x", "")), "InvalidSignatureException", 400},
		{"body changed after signing", client(credentials.NewStaticCredentialsProvider(key, secret, ""),
			func(o *sfn.Options) { o.HTTPClient = tamper{} }), "InvalidSignatureException", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 7})
			var api smithy.APIError
			var resp interface{ HTTPStatusCode() int }
			if !errors.As(err, &api) || api.ErrorCode() != c.code || !errors.As(err, &resp) || resp.HTTPStatusCode() != c.status {
				t.Errorf("got %v; want %s, HTTP %d", err, c.code, c.status)
			}
		})
	}
}

// TestSFNCredentialsFile: the credentials are made once per data directory,
// readable by the owner only, and kept across restarts; a file others may read is
// refused.
func TestSFNCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	clock := fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	first := boot(t, dir, clock, "")
	creds := first.SFNCredentials
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^AKIAFERRYLOCAL[A-Z0-9]{6}$`).MatchString(creds.AccessKeyID) ||
		!regexp.MustCompile(`^[A-Za-z0-9]{40}$`).MatchString(creds.SecretAccessKey) {
		t.Errorf("credentials %+v", creds)
	}
	path := filepath.Join(dir, CredentialsFile)
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the file's mode: %v, %v", info, err)
	}
	again := boot(t, dir, clock, "")
	if again.SFNCredentials != creds {
		t.Errorf("a restart changed the credentials: %+v, then %+v", creds, again.SFNCredentials)
	}
	if _, err := again.SFNClient().ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Errorf("after the restart: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if other := boot(t, t.TempDir(), clock, ""); other.SFNCredentials == creds {
		t.Error("two data directories got the same credentials")
	} else {
		other.Close()
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Start(ctx, Config{Addr: "127.0.0.1:0", DataDir: dir}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		if s != nil {
			s.Close()
		}
		t.Errorf("a credentials file others may read: %v", err)
	}
}

// TestHostHeader: every route answers only requests addressed to a loopback name
// or the listener's address, not a name a page on another site could make
// resolve to 127.0.0.1.
func TestHostHeader(t *testing.T) {
	s := bootAuth(t)
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	for _, c := range []struct {
		method, path, host string
		refused            bool
	}{
		{"GET", "/api/environments", "evil.example", true},
		{"GET", "/api/environments", "evil.example:" + port, true},
		{"GET", "/", "rebind.attacker.example:" + port, true},
		{"POST", "/sfn", "evil.example:" + port, true},
		{"GET", "/api/environments", "127.0.0.1:" + port, false},
		{"GET", "/api/environments", "localhost:" + port, false},
		{"GET", "/api/environments", "LOCALHOST.:" + port, false},
		{"GET", "/api/environments", "127.9.9.9", false},
		{"GET", "/api/environments", "[::1]:" + port, false},
		{"GET", "/", "127.0.0.1:" + port, false},
	} {
		req, err := http.NewRequest(c.method, s.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = c.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if refused := resp.StatusCode == http.StatusMisdirectedRequest; refused != c.refused {
			t.Errorf("%s %s with Host %s: %d", c.method, c.path, c.host, resp.StatusCode)
		}
	}
}

// TestHostGuard: which Host values each listening address accepts.
func TestHostGuard(t *testing.T) {
	name, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr, host string
		ok         bool
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "localhost", true},
		{"127.0.0.1:8080", "10.0.0.1:8080", false},
		{"127.0.0.1:8080", name, false},
		{"localhost:8080", "localhost:8080", true},
		{"192.0.2.7:8080", "192.0.2.7:8080", true},
		{"192.0.2.7:8080", "192.0.2.8:8080", false},
		{"ferry.internal.example:8080", "ferry.internal.example:8080", true},
		{"ferry.internal.example:8080", "other.example:8080", false},
		{"0.0.0.0:8080", name + ":8080", true},
		{"0.0.0.0:8080", "127.0.0.1:8080", true},
		{"0.0.0.0:8080", "192.0.2.200:8080", false},
		{":8080", "evil.example", false},
	} {
		if got := newHostGuard(c.addr).allows(c.host); got != c.ok {
			t.Errorf("listening on %s, Host %s: allowed %v", c.addr, c.host, got)
		}
	}
}

// TestRemoteNeedsConsent: a non-loopback address is refused unless AllowRemote.
func TestRemoteNeedsConsent(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if s, err := Start(ctx, Config{Addr: addr, DataDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
			if s != nil {
				s.Close()
			}
			t.Errorf("%s: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		if ok, err := loopbackOnly(ctx, addr); !ok || err != nil {
			t.Errorf("%s: %v, %v", addr, ok, err)
		}
	}
}
