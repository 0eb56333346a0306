// Package deployhook tells an environment's deploy hook about an apply: an HTTPS
// POST of the change set, signed with HMAC-SHA256, with the promotion id as
// idempotency key, a timeout and bounded retries.
//
// Headers: Content-Type application/json; X-Ferry-Signature "sha256=" and the hex
// HMAC-SHA256 of the body under the hook's secret; Idempotency-Key the promotion id.
// A 2xx answer is success. Network errors and 5xx answers are retried (Attempts in
// all, with backoff); any other answer fails at once.
//
// The secret is named by a reference, never stored in the policy (env:NAME,
// ssm:/path or secretsmanager:name); internal/secretref resolves it, and the
// caller passes Post the secret itself.
//
// Errors end up in the promotion's record, which everyone reads: they name the
// hook by its host only (a hook's path or query may be its credential) and do not
// repeat the secret reference, which only admins see.
package deployhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultAttempts = 3
	DefaultTimeout  = 10 * time.Second
	firstBackoff    = 500 * time.Millisecond
)

// SignatureHeader carries the body's signature.
const SignatureHeader = "X-Ferry-Signature"

// Client posts to deploy hooks.
type Client struct {
	HTTP     *http.Client
	Attempts int
	Timeout  time.Duration
	// Sleep waits between attempts; tests replace it.
	Sleep func(context.Context, time.Duration) error
}

// New returns a client with the defaults.
func New() *Client {
	return &Client{HTTP: &http.Client{}, Attempts: DefaultAttempts, Timeout: DefaultTimeout, Sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Post sends body to url, signed with secret, and returns nil on a 2xx answer.
func (c *Client) Post(ctx context.Context, url string, secret, body []byte, idempotencyKey string) error {
	var last error
	for attempt := 1; attempt <= c.Attempts; attempt++ {
		if attempt > 1 {
			if err := c.Sleep(ctx, firstBackoff<<(attempt-2)); err != nil {
				return err
			}
		}
		retry, err := c.post(ctx, url, secret, body, idempotencyKey)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			break
		}
	}
	return last
}

// post makes one attempt and says whether a failure is worth retrying.
func (c *Client) post(ctx context.Context, url string, secret, body []byte, key string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("deploy hook: its URL does not parse")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ferry-deploy-hook")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var urlErr *neturl.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // without the URL
		}
		return true, fmt.Errorf("deploy hook at %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	return resp.StatusCode >= 500, fmt.Errorf("deploy hook at %s answered %d: %s", req.URL.Host, resp.StatusCode, strings.TrimSpace(string(excerpt)))
}
