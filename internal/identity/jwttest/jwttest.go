// Package jwttest is an OpenID provider for tests: an httptest server on
// 127.0.0.1 that serves a discovery document and a JWKS with one RSA key, and
// mints tokens signed with it.
package jwttest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// KeyID is the kid of the issuer's key.
const KeyID = "test-key-1"

// Issuer is a running test provider.
type Issuer struct {
	URL string
	key *rsa.PrivateKey
	// KeyReads counts the requests for its keys (JWKS).
	KeyReads atomic.Int64
}

// New starts an issuer, stopped when the test ends.
func New(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"issuer": iss.URL, "jwks_uri": iss.URL + "/keys",
			"authorization_endpoint": iss.URL + "/authorize", "token_endpoint": iss.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		iss.KeyReads.Add(1)
		writeJSON(w, map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": KeyID, "use": "sig", "alg": "RS256",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	return iss
}

// Mint signs claims with the issuer's key (RS256, kid KeyID).
func (i *Issuer) Mint(t testing.TB, claims map[string]any) string {
	return i.MintWithHeader(t, map[string]any{"alg": "RS256", "typ": "JWT", "kid": KeyID}, claims)
}

// MintWithHeader signs claims under header with the issuer's key, whatever
// the header says.
func (i *Issuer) MintWithHeader(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signed := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
