package identity

import (
	"context"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/identity/jwttest"
	"github.com/ferrydev/ferry/internal/policy"
)

// TestJWT checks the verifier against API Gateway's JWT authorizer rules, with
// tokens of a local issuer serving its discovery document and keys.
func TestJWT(t *testing.T) {
	iss := jwttest.New(t)
	other := jwttest.New(t) // same kid, another key
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	v, err := NewJWT(context.Background(), JWTConfig{Issuer: iss.URL, Audiences: []string{"ferry-page", "ferry-cli"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if v.TokenEndpoint != iss.URL+"/token" {
		t.Errorf("TokenEndpoint = %q", v.TokenEndpoint)
	}
	claims := func(change map[string]any) map[string]any {
		c := map[string]any{"iss": iss.URL, "sub": "u-1", "email": "ana@example.com", "aud": "ferry-page",
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
		for k, v := range change {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	ana := policy.Identity{Subject: "ana@example.com"}
	tests := []struct {
		name  string
		token string
		want  policy.Identity
		says  string
	}{
		{"good token", iss.Mint(t, claims(nil)), ana, ""},
		{"audience in a list", iss.Mint(t, claims(map[string]any{"aud": []string{"api", "ferry-cli"}})), ana, ""},
		{"groups claim", iss.Mint(t, claims(map[string]any{"groups": []string{"reviewers", "sre"}})),
			policy.Identity{Subject: "ana@example.com", Groups: []string{"reviewers", "sre"}}, ""},
		{"no email: the subject", iss.Mint(t, claims(map[string]any{"email": nil})), policy.Identity{Subject: "u-1"}, ""},
		{"client_id when there is no aud", iss.Mint(t, claims(map[string]any{"aud": nil, "client_id": "ferry-cli"})), ana, ""},
		{"wrong issuer", iss.Mint(t, claims(map[string]any{"iss": "https://evil.example"})), policy.Identity{},
			`the token was issued by "https://evil.example", not by "` + iss.URL + `"`},
		{"wrong audience", iss.Mint(t, claims(map[string]any{"aud": "someone-else"})), policy.Identity{},
			`the token's audience "someone-else" is not any of "ferry-page", "ferry-cli"`},
		{"client_id is not read when there is aud", iss.Mint(t, claims(map[string]any{"aud": "someone-else", "client_id": "ferry-page"})), policy.Identity{},
			`the token's audience "someone-else" is not`},
		{"wrong client_id", iss.Mint(t, claims(map[string]any{"aud": nil, "client_id": "x"})), policy.Identity{},
			`the token has no audience and its client_id "x" is not`},
		{"expired", iss.Mint(t, claims(map[string]any{"exp": now.Add(-time.Second).Unix()})), policy.Identity{},
			"the token expired at 2026-12-02T11:59:59Z"},
		{"no expiry", iss.Mint(t, claims(map[string]any{"exp": nil})), policy.Identity{}, "the token has no expiry (exp)"},
		{"not yet valid", iss.Mint(t, claims(map[string]any{"nbf": now.Add(time.Minute).Unix()})), policy.Identity{},
			"the token is not valid before 2026-12-02T12:01:00Z, which is still to come"},
		{"issued in the future", iss.Mint(t, claims(map[string]any{"iat": now.Add(time.Minute).Unix()})), policy.Identity{},
			"the token says it was issued at 2026-12-02T12:01:00Z"},
		{"bad signature", other.Mint(t, claims(nil)), policy.Identity{},
			`the token's signature does not verify with the key "test-key-1" of ` + iss.URL},
		{"tampered payload", tamper(iss.Mint(t, claims(nil)), iss.Mint(t, claims(map[string]any{"email": "eve@example.com"}))), policy.Identity{},
			"the token's signature does not verify"},
		{"unknown kid", iss.MintWithHeader(t, map[string]any{"alg": "RS256", "kid": "rotated-away"}, claims(nil)), policy.Identity{},
			`the token's signature does not verify with the key "rotated-away"`},
		{"no kid", iss.MintWithHeader(t, map[string]any{"alg": "RS256"}, claims(nil)), policy.Identity{}, "the token's header names no key (kid)"},
		{"alg none", unsigned(iss.Mint(t, claims(nil))), policy.Identity{}, `the token is signed with "none"; only RS256, RS384, RS512 are accepted`},
		{"HS256", iss.MintWithHeader(t, map[string]any{"alg": "HS256", "kid": jwttest.KeyID}, claims(nil)), policy.Identity{}, `signed with "HS256"`},
		{"not a JWT", "fy_0123456789abcdef", policy.Identity{}, "the token is not a JWT"},
		{"no subject", iss.Mint(t, claims(map[string]any{"email": nil, "sub": nil})), policy.Identity{}, "the token has no subject claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/me", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			got, err := v.Identify(r)
			if tt.says == "" && err != nil || tt.says != "" && (fault.ErrorCode(err) != fault.Unauthorized || !strings.Contains(fault.ErrorMessage(err), tt.says)) {
				t.Errorf("Identify: %v, want %q", err, tt.says)
			}
			if got.Subject != tt.want.Subject || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("Identify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestJWTConfiguredClaimsAndBareToken(t *testing.T) {
	iss := jwttest.New(t)
	v, err := NewJWT(context.Background(), JWTConfig{Issuer: iss.URL, Audiences: []string{"ferry"}, SubjectClaim: "sub", GroupsClaim: "cognito:groups"})
	if err != nil {
		t.Fatal(err)
	}
	token := iss.Mint(t, map[string]any{"iss": iss.URL, "sub": "u-1", "email": "ana@example.com", "aud": "ferry",
		"cognito:groups": []string{"admins"}, "exp": time.Now().Add(time.Hour).Unix()})
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.Header.Set("Authorization", token) // API Gateway takes the token without "Bearer " too
	got, err := v.Identify(r)
	if want := (policy.Identity{Subject: "u-1", Groups: []string{"admins"}}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Identify = %+v, %v; want %+v", got, err, want)
	}
}

func TestNewJWT(t *testing.T) {
	iss := jwttest.New(t)
	for name, cfg := range map[string]JWTConfig{
		"another issuer's document": {Issuer: iss.URL + "/", Audiences: []string{"a"}},
		"nobody there":              {Issuer: "http://127.0.0.1:1", Audiences: []string{"a"}},
		"no audience":               {Issuer: iss.URL},
	} {
		if _, err := NewJWT(context.Background(), cfg); err == nil {
			t.Errorf("%s: NewJWT accepted %+v", name, cfg)
		}
	}
}

// TestTokensThenJWT checks ferry local's order: the users file's token first,
// then a JWT; a token that is neither says it is not known.
func TestTokensThenJWT(t *testing.T) {
	iss := jwttest.New(t)
	v, err := NewJWT(context.Background(), JWTConfig{Issuer: iss.URL, Audiences: []string{"ferry"}})
	if err != nil {
		t.Fatal(err)
	}
	ci := User{Name: "ci", Token: NewToken()}
	tokens, err := NewTokens(Config{Users: []User{ci}})
	if err != nil {
		t.Fatal(err)
	}
	auth := TokensThenJWT{Tokens: tokens, JWT: v}
	jwt := iss.Mint(t, map[string]any{"iss": iss.URL, "sub": "u-9", "aud": "ferry", "exp": time.Now().Add(time.Hour).Unix()})
	for _, tt := range []struct{ token, want, says string }{
		{ci.Token, "ci", ""},
		{jwt, "u-9", ""},
		{"fy_0000000000000000", "", "the token is not known"},
		{jwt[:len(jwt)-4] + "AAAA", "", "signature does not verify"},
	} {
		r := httptest.NewRequest("GET", "/api/me", nil)
		r.Header.Set("Authorization", "Bearer "+tt.token)
		got, err := auth.Identify(r)
		if got.Subject != tt.want || tt.says != "" && !strings.Contains(fault.ErrorMessage(err), tt.says) {
			t.Errorf("Identify(%.12s…) = %+v, %v", tt.token, got, err)
		}
	}
}

// tamper puts b's payload under a's header and signature.
func tamper(a, b string) string {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	return pa[0] + "." + pb[1] + "." + pa[2]
}

// unsigned turns a token into an alg "none" one with no signature.
func unsigned(token string) string {
	parts := strings.Split(token, ".")
	return "eyJhbGciOiJub25lIiwia2lkIjoidGVzdC1rZXktMSJ9." + parts[1] + "."
}

// TestJWTKeyReadsBounded sends tokens naming keys the provider does not have,
// as an attacker may, many times: the provider's keys are read once when the
// first token comes and again only after a minute, while tokens of its real
// key keep verifying.
func TestJWTKeyReadsBounded(t *testing.T) {
	iss := jwttest.New(t)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	v, err := NewJWT(context.Background(), JWTConfig{Issuer: iss.URL, Audiences: []string{"ferry-page"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": iss.URL, "sub": "u-1", "aud": "ferry-page", "exp": now.Add(time.Hour).Unix()}
	identify := func(token string) error {
		r := httptest.NewRequest("GET", "/api/me", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		_, err := v.Identify(r)
		return err
	}
	good := iss.Mint(t, claims)
	for i := range 50 {
		forged := iss.MintWithHeader(t, map[string]any{"alg": "RS256", "kid": "forged-" + strings.Repeat("x", i)}, claims)
		if err := identify(forged); err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("a token of an unknown key: %v", err)
		}
		if err := identify(good); err != nil {
			t.Fatalf("the real key's token, after %d forged ones: %v", i+1, err)
		}
	}
	if n := iss.KeyReads.Load(); n != 1 {
		t.Errorf("50 forged tokens within a minute read the keys %d times, want 1", n)
	}
	now = now.Add(refetchEvery)
	_ = identify(iss.MintWithHeader(t, map[string]any{"alg": "RS256", "kid": "rotated-in"}, claims))
	if n := iss.KeyReads.Load(); n != 2 {
		t.Errorf("a minute later, a new key id read the keys %d times in all, want 2", n)
	}
}
