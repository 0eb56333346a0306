package site_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// providerClientID is the page's client at the test's OpenID provider.
const providerClientID = "ferry-page"

// provider is zitadel/oidc's example OpenID provider, running in this process
// on 127.0.0.1: the team's provider in the browser tests.
type provider struct {
	issuer, user, password, subject string
	storage                         *storage.Storage
	origin                          atomic.Pointer[string]
}

// startProvider starts the provider with one public client for the page (PKCE,
// no secret; its redirect URI http://127.0.0.1/ matches the page on any port, as
// loopback redirects do) and the example's user, whose ID tokens carry their
// email and the group reviewers, as a team's provider would put them there.
func startProvider(t *testing.T) *provider {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{issuer: "http://" + listener.Addr().String(), password: "verysecure"}
	users := storage.NewUserStore(p.issuer)
	p.user = "test-user@127.0.0.1" // the example's user, named after the issuer's host
	u := users.GetUserByUsername(p.user)
	if u == nil || u.Password != p.password {
		t.Fatalf("the example provider has no user %s with the password %s", p.user, p.password)
	}
	p.subject = u.Email
	p.storage = storage.NewStorageWithClients(users, map[string]*storage.Client{
		providerClientID: storage.NativeClient(providerClientID, "http://127.0.0.1/")})
	// The page posts the code to the token endpoint from its own origin: only
	// that origin may read the answer.
	corsOptions := &cors.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost}, AllowedHeaders: []string{"Accept", "Content-Type"},
		AllowOriginFunc: func(origin string) bool { o := p.origin.Load(); return o != nil && origin == *o }}
	router := exampleop.SetupServer(p.issuer, teamStorage{p.storage, users}, nil, false, op.WithCORSOptions(corsOptions))
	mux := http.NewServeMux()
	mux.Handle("/", router)
	// The browser asks for the login page's icon; a 404 would be a console error.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(listener) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

// allow lets the page at url call the token endpoint.
func (p *provider) allow(url string) { p.origin.Store(&url) }

// expiredToken is an ID token the provider signed for the page that expired a
// minute ago: what a tab holds when its session has ended.
func (p *provider) expiredToken(t *testing.T) string {
	t.Helper()
	key, err := p.storage.SigningKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": key.ID()})
	claims, _ := json.Marshal(map[string]any{"iss": p.issuer, "aud": providerClientID, "sub": "id1", "email": p.subject,
		"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()})
	b64 := base64.RawURLEncoding.EncodeToString
	signed := b64(header) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.Key().(*rsa.PrivateKey), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

// teamStorage is the example's storage with the claims a team's provider puts
// in ID tokens: the user's email, and their groups.
type teamStorage struct {
	*storage.Storage
	users storage.UserStore
}

func (s teamStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, token, scopes); err != nil {
		return err
	}
	if u := s.users.GetUserByID(token.GetSubject()); u != nil {
		info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
		info.AppendClaims("groups", []string{"reviewers"})
	}
	return nil
}
