package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// refetchEvery bounds how often the provider's keys are read again for a token
// naming a key the ring does not hold.
const refetchEvery = time.Minute

// keyRing is the provider's signing keys as the JWT verifier sees them, by key
// id: read from its JWKS when first needed, and again when a token names a key
// the ring does not hold (the provider rotated its keys), but at most once per
// refetchEvery, so a stream of forged tokens costs the provider one request a
// minute, not one each. A token is verified only with the key its kid names.
type keyRing struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	keys    map[string]jose.JSONWebKey
	fetched time.Time
}

// errSignature is the text the verifier's messages turn into "the signature
// does not verify" (verifyError).
const errSignature = "failed to verify id token signature"

// VerifySignature implements oidc.KeySet.
func (k *keyRing) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%s: the token is not one signed JWS", errSignature)
	}
	key, err := k.key(ctx, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, fmt.Errorf("%s", errSignature)
	}
	return payload, nil
}

// key is the key of id, read from the provider when the ring lacks it and the
// last read is old enough.
func (k *keyRing) key(ctx context.Context, id string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[id]; ok {
		return &key, nil
	}
	if !k.fetched.IsZero() && k.now().Sub(k.fetched) < refetchEvery {
		return nil, fmt.Errorf("%s: the provider has no key %q (its keys are read again at most once a minute)", errSignature, id)
	}
	k.fetched = k.now()
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, err
	}
	k.keys = keys
	if key, ok := keys[id]; ok {
		return &key, nil
	}
	return nil, fmt.Errorf("%s: the provider has no key %q", errSignature, id)
}

// fetch reads the provider's JWKS: its signing keys, by id.
func (k *keyRing) fetch(ctx context.Context) (map[string]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	res, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", k.url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading %s: %s", k.url, res.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("reading %s: %w", k.url, err)
	}
	keys := make(map[string]jose.JSONWebKey, len(set.Keys))
	for _, key := range set.Keys {
		if key.Use != "enc" && key.KeyID != "" {
			keys[key.KeyID] = key
		}
	}
	return keys, nil
}
