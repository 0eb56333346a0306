// Package identity tells the HTTP API who is calling. In AWS the API Gateway
// authorizers have checked the caller already: Gateway reads the JWT claims (or
// the IAM caller, for CI) from the request context. In ferry local, Tokens maps
// bearer tokens to users and groups from a config file, and JWT verifies an
// OpenID provider's tokens as API Gateway's JWT authorizer does (jwt.go).
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

// Authenticator returns the identity of a request's caller. Codes: unauthorized.
type Authenticator interface {
	Identify(r *http.Request) (policy.Identity, error)
}

// User is one entry of the local config: a name, its groups and its token.
type User struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
	Token  string   `json:"token"`
}

// Config is ferry local's identity file.
type Config struct {
	Users []User `json:"users"`
	// Admins may change environments (identities or "group:NAME").
	Admins []string `json:"admins"`
}

// Tokens authenticates bearer tokens against a Config.
type Tokens struct {
	users map[[sha256.Size]byte]User
}

// NewTokens indexes a config's users by token. Codes: invalid (an empty or
// repeated token or name).
func NewTokens(cfg Config) (*Tokens, error) {
	t := &Tokens{users: map[[sha256.Size]byte]User{}}
	names := map[string]bool{}
	for i, u := range cfg.Users {
		if u.Name == "" || len(u.Token) < 16 {
			return nil, fault.Errorf(fault.Invalid, "users[%d]: a user needs a name and a token of at least 16 characters", i)
		}
		key := sha256.Sum256([]byte(u.Token))
		if _, dup := t.users[key]; dup || names[u.Name] {
			return nil, fault.Errorf(fault.Invalid, "users[%d] (%s): the name or token is used twice", i, u.Name)
		}
		t.users[key], names[u.Name] = u, true
	}
	return t, nil
}

// Identify implements Authenticator: "Authorization: Bearer TOKEN".
func (t *Tokens) Identify(r *http.Request) (policy.Identity, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "sign in: send Authorization: Bearer TOKEN")
	}
	// The map is keyed by the token's hash, so the lookup's timing says nothing
	// about the token; the comparison confirms it.
	key := sha256.Sum256([]byte(token))
	u, ok := t.users[key]
	if !ok || subtle.ConstantTimeCompare([]byte(u.Token), []byte(token)) != 1 {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "the token is not known")
	}
	return policy.Identity{Subject: u.Name, Groups: u.Groups}, nil
}

// LoadConfig reads an identity file. Codes: invalid.
func LoadConfig(path string) (Config, error) {
	var cfg Config
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	return cfg, nil
}

// WriteConfig writes an identity file readable by its owner only.
func WriteConfig(path string, cfg Config) error {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o600)
}

// NewToken returns a random token.
func NewToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return "fy_" + hex.EncodeToString(b)
}

// Gateway reads identities the API Gateway authorizers put in the request
// context: the JWT authorizer's claims, or the IAM caller's ARN.
type Gateway struct {
	// SubjectClaim names the caller (default "email", then "sub").
	SubjectClaim string
	// GroupsClaim lists the caller's groups (default "groups").
	GroupsClaim string
}

// Identify implements Authenticator.
func (g Gateway) Identify(r *http.Request) (policy.Identity, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "no authorizer identity on the request")
	}
	if jwt := rc.Authorizer.JWT; jwt != nil {
		return g.fromClaims(jwt.Claims)
	}
	if iam := rc.Authorizer.IAM; iam != nil && iam.UserARN != "" {
		return policy.Identity{Subject: iam.UserARN}, nil
	}
	return policy.Identity{}, fault.Errorf(fault.Unauthorized, "the authorizer named no caller")
}

func (g Gateway) fromClaims(claims map[string]string) (policy.Identity, error) {
	subject := claims[g.SubjectClaim]
	if g.SubjectClaim == "" {
		subject = claims["email"]
		if subject == "" {
			subject = claims["sub"]
		}
	}
	if subject == "" {
		return policy.Identity{}, fault.Errorf(fault.Unauthorized, "the token has no subject claim")
	}
	groupsClaim := g.GroupsClaim
	if groupsClaim == "" {
		groupsClaim = "groups"
	}
	return policy.Identity{Subject: subject, Groups: splitClaim(claims[groupsClaim])}, nil
}

// splitClaim reads a list claim as API Gateway flattens it: "[a b]", "a,b" or a
// JSON array.
func splitClaim(v string) []string {
	var list []string
	if json.Unmarshal([]byte(v), &list) == nil {
		return list
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// Describe says who a config lets sign in, for ferry local's start-up banner.
func Describe(cfg Config) string {
	var b strings.Builder
	for _, u := range cfg.Users {
		groups := strings.Join(u.Groups, ", ")
		if groups == "" {
			groups = "no groups"
		}
		fmt.Fprintf(&b, "  %-8s %-45s (%s)\n", u.Name, u.Token, groups)
	}
	return b.String()
}

var _ Authenticator = (*Tokens)(nil)
var _ Authenticator = Gateway{}
