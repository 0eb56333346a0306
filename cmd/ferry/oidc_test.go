package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/identity/jwttest"
)

// TestLocalOIDC runs ferry local --oidc-issuer against a test issuer: a JWT it
// minted signs in, with the users file's admins applying to its groups; a
// wrong-audience one is refused, naming why; the users file's tokens still work;
// the page learns the provider without signing in.
func TestLocalOIDC(t *testing.T) {
	iss := jwttest.New(t)
	l := startLocal(t, "--addr", "127.0.0.1:0", "--demo", "--oidc-issuer", iss.URL, "--oidc-audience", "ferry-page,ferry-cli")
	out := l.stdout.String()
	base := regexp.MustCompile(`Approval page: (http://\S+)/`).FindStringSubmatch(out)[1]
	adminToken := regexp.MustCompile(`(?m)^\s+admin\s+(fy_[0-9a-f]+)`).FindStringSubmatch(out)[1]
	if !strings.Contains(out, "Sign in with the OpenID provider "+iss.URL+" (client id ferry-page, redirect URI "+base+"/)") {
		t.Errorf("the start-up banner does not name the provider:\n%s", out)
	}
	mint := func(aud string, groups ...string) string {
		return iss.Mint(t, map[string]any{"iss": iss.URL, "sub": "u-7", "email": "dana@example.com", "aud": aud,
			"groups": groups, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	}
	get := func(path, token string) (int, string, http.Header) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	tests := []struct {
		name, token string
		status      int
		says        string
	}{
		{"a JWT from the issuer", mint("ferry-page"), 200, `{"admin":false,"groups":null,"subject":"dana@example.com"}`},
		{"a JWT for the second audience, in the admins group", mint("ferry-cli", "admins"), 200, `{"admin":true,"groups":["admins"],"subject":"dana@example.com"}`},
		{"a JWT for another audience", mint("someone-else"), 401, `the token's audience \"someone-else\" is not any of \"ferry-page\", \"ferry-cli\"`},
		{"a token of the users file", adminToken, 200, `"subject":"admin"`},
		{"neither", "fy_00000000000000000000", 401, "the token is not known"},
	}
	for _, tt := range tests {
		status, body, _ := get("/api/me", tt.token)
		if status != tt.status || !strings.Contains(body, tt.says) {
			t.Errorf("%s: GET /api/me = %d %s, want %d %s", tt.name, status, body, tt.status, tt.says)
		}
	}
	status, body, header := get("/api/auth/config", "")
	var cfg struct {
		OIDC struct {
			Issuer   string `json:"issuer"`
			ClientID string `json:"client_id"`
		} `json:"oidc"`
	}
	if err := json.Unmarshal([]byte(body), &cfg); status != 200 || err != nil || cfg.OIDC.Issuer != iss.URL || cfg.OIDC.ClientID != "ferry-page" {
		t.Errorf("GET /api/auth/config = %d %s", status, body)
	}
	if csp := header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' "+iss.URL+";") {
		t.Errorf("the CSP does not let the page reach the issuer: %s", csp)
	}
}

// TestLocalOIDCFlags: the issuer and the audience go together, and an issuer
// that does not answer stops ferry local at start, naming it.
func TestLocalOIDCFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"--oidc-issuer", "https://id.example"}, "--oidc-issuer and --oidc-audience go together"},
		{[]string{"--oidc-audience", "ferry"}, "--oidc-issuer and --oidc-audience go together"},
		{[]string{"--oidc-issuer", "id.example", "--oidc-audience", "ferry"}, `--oidc-issuer "id.example": give the issuer's URL`},
		{[]string{"--oidc-issuer", "http://127.0.0.1:1", "--oidc-audience", "ferry"}, "reading the discovery document of http://127.0.0.1:1"},
	} {
		var stdout, stderr syncBuffer
		args := append([]string{"local", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tt.args...)
		if code := run(context.Background(), args, &stdout, &stderr); code != exitError || !strings.Contains(stderr.String(), tt.says) {
			t.Errorf("ferry %s: exit %d, stderr %q; want %q", strings.Join(args, " "), code, stderr.String(), tt.says)
		}
	}
}
