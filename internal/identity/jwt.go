package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

// JWTConfig says which JWTs a JWT verifier accepts: API Gateway's JWT
// authorizer configuration, and the claims Gateway reads.
type JWTConfig struct {
	// Issuer is the OpenID provider's issuer URL, exactly as tokens name it.
	Issuer string
	// Audiences are the accepted audiences (client ids): a token's aud must
	// contain one of them, or, when it has no aud, its client_id must be one.
	Audiences []string
	// SubjectClaim and GroupsClaim are Gateway's: "email" then "sub", and
	// "groups", when empty.
	SubjectClaim, GroupsClaim string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// JWT authenticates bearer JWTs as API Gateway's JWT authorizer does, so that
// ferry local signs people in the way AWS does: the issuer's discovery document
// names its JWKS; a token must name a key of it (kid) and be signed with it by
// an RSA algorithm; iss must be the issuer; aud must contain a configured
// audience, or, without aud, client_id must be one; exp must be after now, nbf
// and iat before it. No leeway, as API Gateway documents none. The token may
// come with or without "Bearer ".
type JWT struct {
	cfg      JWTConfig
	verifier *oidc.IDTokenVerifier
	// TokenEndpoint is the provider's token endpoint, from its discovery
	// document: where the page exchanges a sign-in's code.
	TokenEndpoint string
}

// rsaAlgorithms are the signing algorithms API Gateway accepts (RSA only).
var rsaAlgorithms = []string{oidc.RS256, oidc.RS384, oidc.RS512}

// NewJWT fetches the issuer's discovery document (whose issuer must be
// cfg.Issuer) and returns a verifier that fetches its keys when it first
// needs them, and again when a token names a key it does not know, at most
// once a minute (keyRing).
func NewJWT(ctx context.Context, cfg JWTConfig) (*JWT, error) {
	if cfg.Issuer == "" || len(cfg.Audiences) == 0 {
		return nil, fault.Errorf(fault.Invalid, "a JWT verifier needs an issuer and at least one audience")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("reading the discovery document of %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKS == "" {
		return nil, fmt.Errorf("the discovery document of %s names no jwks_uri", cfg.Issuer)
	}
	keys := &keyRing{url: meta.JWKS, client: &http.Client{Timeout: 10 * time.Second}, now: cfg.Now}
	// The checks go-oidc leaves out here are made in Identify, by API
	// Gateway's rules and with messages that say what is wrong.
	verifier := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{SupportedSigningAlgs: rsaAlgorithms,
		SkipClientIDCheck: true, SkipExpiryCheck: true, SkipIssuerCheck: true})
	return &JWT{cfg: cfg, verifier: verifier, TokenEndpoint: provider.Endpoint().TokenURL}, nil
}

// TokenEndpoint reads the issuer's discovery document (whose issuer must be
// issuer) for its token endpoint.
func TokenEndpoint(ctx context.Context, issuer string) (string, error) {
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return "", fmt.Errorf("reading the discovery document of %s: %w", issuer, err)
	}
	return provider.Endpoint().TokenURL, nil
}

// jwtClaims are the registered claims Identify checks.
type jwtClaims struct {
	Issuer    string          `json:"iss"`
	Audience  json.RawMessage `json:"aud"`
	ClientID  string          `json:"client_id"`
	Expiry    *json.Number    `json:"exp"`
	NotBefore *json.Number    `json:"nbf"`
	IssuedAt  *json.Number    `json:"iat"`
}

// Identify implements Authenticator. Codes: unauthorized.
func (j *JWT) Identify(r *http.Request) (policy.Identity, error) {
	raw := bearerToken(r)
	if raw == "" {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "sign in: send Authorization: Bearer TOKEN")
	}
	kid, err := checkHeader(raw)
	if err != nil {
		return policy.Identity{}, err
	}
	token, err := j.verifier.Verify(r.Context(), raw)
	if err != nil {
		return policy.Identity{}, j.verifyError(err, kid)
	}
	var claims map[string]any
	var registered jwtClaims
	if err := token.Claims(&claims); err != nil {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "the token's claims are not a JSON object: %v", err)
	}
	if err := token.Claims(&registered); err != nil {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "the token's registered claims are malformed: %v", err)
	}
	if err := j.check(registered); err != nil {
		return policy.Identity{}, err
	}
	return Gateway{SubjectClaim: j.cfg.SubjectClaim, GroupsClaim: j.cfg.GroupsClaim}.fromClaims(flatten(claims))
}

// check applies API Gateway's claim rules.
func (j *JWT) check(c jwtClaims) error {
	if c.Issuer != j.cfg.Issuer {
		return fault.Errorf(fault.Unauthorized, "the token was issued by %q, not by %q", c.Issuer, j.cfg.Issuer)
	}
	var audiences []string
	if len(c.Audience) > 0 && string(c.Audience) != "null" {
		if json.Unmarshal(c.Audience, &audiences) != nil {
			var one string
			if err := json.Unmarshal(c.Audience, &one); err != nil {
				return fault.Errorf(fault.Unauthorized, "the token's audience is neither a string nor a list of strings")
			}
			audiences = []string{one}
		}
		if !slices.ContainsFunc(audiences, func(a string) bool { return slices.Contains(j.cfg.Audiences, a) }) {
			return fault.Errorf(fault.Unauthorized, "the token's audience %s is not %s", quoteAll(audiences), quoteAll(j.cfg.Audiences))
		}
	} else if !slices.Contains(j.cfg.Audiences, c.ClientID) {
		return fault.Errorf(fault.Unauthorized, "the token has no audience and its client_id %q is not %s", c.ClientID, quoteAll(j.cfg.Audiences))
	}
	now := j.cfg.Now()
	exp, err := claimTime("exp", c.Expiry)
	switch {
	case err != nil:
		return err
	case exp == nil:
		return fault.Errorf(fault.Unauthorized, "the token has no expiry (exp)")
	case !exp.After(now):
		return fault.Errorf(fault.Unauthorized, "the token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if err := notYet(c.NotBefore, "nbf", "is not valid before", now); err != nil {
		return err
	}
	return notYet(c.IssuedAt, "iat", "says it was issued at", now)
}

// notYet refuses a time claim that is after now. Codes: unauthorized.
func notYet(v *json.Number, name, says string, now time.Time) error {
	at, err := claimTime(name, v)
	if err != nil || at == nil || !at.After(now) {
		return err
	}
	return fault.Errorf(fault.Unauthorized, "the token %s %s, which is still to come (the time here is %s)",
		says, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
}

// claimTime reads a NumericDate claim; nil when absent. Codes: unauthorized.
func claimTime(name string, v *json.Number) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	f, err := v.Float64()
	if err != nil {
		return nil, fault.Errorf(fault.Unauthorized, "the token's %s is not a number of seconds", name)
	}
	t := time.Unix(int64(f), 0) // whole seconds: no overflow, whatever the year
	return &t, nil
}

// verifyError says why go-oidc refused a token.
func (j *JWT) verifyError(err error, kid string) error {
	msg := strings.TrimPrefix(err.Error(), "oidc: ")
	if detail, ok := strings.CutPrefix(msg, "failed to verify signature: "); ok {
		if why, ok := strings.CutPrefix(detail, errSignature); ok {
			return fault.Errorf(fault.Unauthorized, "the token's signature does not verify with the key %q of %s%s", kid, j.cfg.Issuer, why)
		}
		return fault.Errorf(fault.Unauthorized, "the keys of %s cannot be read: %s", j.cfg.Issuer, detail)
	}
	return fault.Errorf(fault.Unauthorized, "the token is not valid: %s", msg)
}

// checkHeader refuses, before any key is fetched, a token whose header names no
// key or an algorithm API Gateway does not accept (such as "none"); it returns
// the key's id. Codes: unauthorized.
func checkHeader(raw string) (kid string, err error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fault.Errorf(fault.Unauthorized, "the token is not a JWT (header.payload.signature)")
	}
	data, decodeErr := base64.RawURLEncoding.DecodeString(parts[0])
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if decodeErr != nil || json.Unmarshal(data, &header) != nil {
		return "", fault.Errorf(fault.Unauthorized, "the token's header is not base64url-encoded JSON")
	}
	if !slices.Contains(rsaAlgorithms, header.Alg) {
		return "", fault.Errorf(fault.Unauthorized, "the token is signed with %q; only %s are accepted", header.Alg, strings.Join(rsaAlgorithms, ", "))
	}
	if header.Kid == "" {
		return "", fault.Errorf(fault.Unauthorized, "the token's header names no key (kid)")
	}
	return header.Kid, nil
}

// bearerToken is the Authorization header's token, with or without "Bearer ".
func bearerToken(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, token, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return v
}

// flatten gives claims as strings for Gateway's claim readers: strings as
// they are, anything else as JSON (a list as ["a","b"], which splitClaim reads
// as it reads Gateway's own "[a b]").
func flatten(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}
	return out
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "any of " + strings.Join(q, ", ")
}

// TokensThenJWT is ferry local with an OpenID provider: a token of the users
// file is tried first, then a JWT, so the printed tokens keep working for the
// CLI and CI while people sign in with the provider.
type TokensThenJWT struct {
	Tokens *Tokens
	JWT    *JWT
}

// Identify implements Authenticator. Codes: unauthorized.
func (a TokensThenJWT) Identify(r *http.Request) (policy.Identity, error) {
	who, err := a.Tokens.Identify(r)
	if err == nil || strings.Count(bearerToken(r), ".") != 2 {
		return who, err // a users-file token, or not a JWT either
	}
	return a.JWT.Identify(r)
}

var _ Authenticator = (*JWT)(nil)
var _ Authenticator = TokensThenJWT{}
