// Package apiclient is a Go client of Ferry's HTTP API (internal/httpapi), for
// the ferry CLI and scripts. It speaks the API's contract, internal/httpapi/wire,
// and depends on nothing of the server. Errors the server answers come back as *fault.Error
// with the server's code and message.
package apiclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Client calls one Ferry server.
type Client struct {
	// Server is the server's base URL, such as http://127.0.0.1:8080, or in AWS
	// https://ID.execute-api.REGION.amazonaws.com, with /ci for the IAM routes.
	Server string
	// Token is sent as a bearer token.
	Token string
	// Sign, when set, signs each request instead (SigV4, for the IAM routes).
	Sign func(r *http.Request, body []byte) error
	HTTP *http.Client
}

// SigV4 signs requests for API Gateway's IAM authorizer with credentials.
func SigV4(credentials aws.CredentialsProvider, region string) func(*http.Request, []byte) error {
	signer := v4.NewSigner()
	return func(r *http.Request, body []byte) error {
		creds, err := credentials.Retrieve(r.Context())
		if err != nil {
			return fmt.Errorf("AWS credentials for signing: %w", err)
		}
		sum := sha256.Sum256(body)
		return signer.SignHTTP(r.Context(), creds, r, hex.EncodeToString(sum[:]), "execute-api", region, time.Now())
	}
}

// New returns a client of server with token.
func New(server, token string) *Client {
	return &Client{Server: strings.TrimRight(server, "/"), Token: token, HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// do sends a request with body (raw bytes, or a value sent as JSON, or nil) and
// decodes the answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.Sign != nil:
		if err := c.Sign(req, payload); err != nil {
			return err
		}
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("calling the Ferry server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e wire.ErrorBody
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		return &fault.Error{Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// Me returns who the token signs in as.
func (c *Client) Me(ctx context.Context) (policy.Identity, error) {
	var me policy.Identity
	return me, c.do(ctx, "GET", "/api/me", nil, &me)
}

// PutRelease uploads a release as native JSON.
func (c *Client) PutRelease(ctx context.Context, releaseJSON []byte) (*wire.ReleaseHeader, error) {
	var h wire.ReleaseHeader
	return &h, c.do(ctx, "POST", "/api/releases", releaseJSON, &h)
}

// Start starts a promotion.
func (c *Client) Start(ctx context.Context, req wire.StartRequest) (*promotion.Promotion, error) {
	var p promotion.Promotion
	return &p, c.do(ctx, "POST", "/api/promotions", req, &p)
}

// Promotion returns a promotion with its plan and approval state.
func (c *Client) Promotion(ctx context.Context, id string) (*wire.PromotionView, error) {
	var v wire.PromotionView
	return &v, c.do(ctx, "GET", "/api/promotions/"+url.PathEscape(id), nil, &v)
}

// Pending returns the promotions awaiting approval, oldest first.
func (c *Client) Pending(ctx context.Context) ([]*promotion.Promotion, error) {
	var l wire.PromotionList
	return l.Promotions, c.do(ctx, "GET", "/api/promotions?state=AWAITING_APPROVAL", nil, &l)
}

// Decide approves or rejects a promotion whose plan has digest.
func (c *Client) Decide(ctx context.Context, id string, d promotion.Decision, req wire.DecisionRequest) (*promotion.Promotion, error) {
	var p promotion.Promotion
	return &p, c.do(ctx, "POST", "/api/promotions/"+url.PathEscape(id)+"/"+string(d), req, &p)
}

// Cancel cancels a promotion.
func (c *Client) Cancel(ctx context.Context, id string) (*promotion.Promotion, error) {
	var p promotion.Promotion
	return &p, c.do(ctx, "POST", "/api/promotions/"+url.PathEscape(id)+"/cancel", struct{}{}, &p)
}

// Rollback starts a promotion back to the release an environment ran at version
// (the previous one when 0).
func (c *Client) Rollback(ctx context.Context, env string, version int64) (*promotion.Promotion, error) {
	var p promotion.Promotion
	return &p, c.do(ctx, "POST", envPath(env, "/rollback"), wire.RollbackRequest{ToVersion: version}, &p)
}

// Environments returns every environment.
func (c *Client) Environments(ctx context.Context) ([]*environment.Environment, error) {
	var l wire.EnvironmentList
	return l.Environments, c.do(ctx, "GET", "/api/environments", nil, &l)
}

// Environment returns an environment with its recent history and promotions.
func (c *Client) Environment(ctx context.Context, name string) (*wire.EnvironmentView, error) {
	var v wire.EnvironmentView
	return &v, c.do(ctx, "GET", envPath(name, ""), nil, &v)
}

// History returns a page of an environment's versions.
func (c *Client) History(ctx context.Context, name string, limit int, token string) (*wire.HistoryPage, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if token != "" {
		q.Set("page_token", token)
	}
	var h wire.HistoryPage
	return &h, c.do(ctx, "GET", envPath(name, "/history?"+q.Encode()), nil, &h)
}

// Preview plans a stored release (or, with source, what that environment runs)
// against what env runs now.
func (c *Client) Preview(ctx context.Context, env, releaseID, source string) (*plan.Plan, error) {
	q := url.Values{}
	if releaseID != "" {
		q.Set("release_id", releaseID)
	}
	if source != "" {
		q.Set("source", source)
	}
	var p plan.Plan
	return &p, c.do(ctx, "GET", envPath(env, "/plan?"+q.Encode()), nil, &p)
}

// PutEnvironment creates an environment or sets its policy.
func (c *Client) PutEnvironment(ctx context.Context, name string, req wire.EnvironmentRequest) (*environment.Environment, error) {
	var e environment.Environment
	return &e, c.do(ctx, "PUT", envPath(name, ""), req, &e)
}

// DeleteEnvironment deletes an environment.
func (c *Client) DeleteEnvironment(ctx context.Context, name string) error {
	return c.do(ctx, "DELETE", envPath(name, ""), nil, nil)
}

// Policy returns an environment's policy.
func (c *Client) Policy(ctx context.Context, name string) (*policy.Policy, error) {
	var p policy.Policy
	return &p, c.do(ctx, "GET", envPath(name, "/policy"), nil, &p)
}

// PutPolicy sets an environment's policy from its JSON.
func (c *Client) PutPolicy(ctx context.Context, name string, policyJSON []byte) (*policy.Policy, error) {
	var p policy.Policy
	return &p, c.do(ctx, "PUT", envPath(name, "/policy"), policyJSON, &p)
}

// Extend moves an ephemeral environment's expiry to now plus ttl (the policy's
// when 0).
func (c *Client) Extend(ctx context.Context, name string, ttl time.Duration) (*environment.Environment, error) {
	var req wire.ExtendRequest
	if ttl > 0 {
		req.TTL = policy.Duration(ttl)
	}
	var e environment.Environment
	return &e, c.do(ctx, "POST", envPath(name, "/extend"), req, &e)
}

// Freeze freezes an environment.
func (c *Client) Freeze(ctx context.Context, name string, req wire.FreezeRequest) (*environment.Environment, error) {
	var e environment.Environment
	return &e, c.do(ctx, "POST", envPath(name, "/freeze"), req, &e)
}

// Unfreeze ends an environment's freeze.
func (c *Client) Unfreeze(ctx context.Context, name string) (*environment.Environment, error) {
	var e environment.Environment
	return &e, c.do(ctx, "POST", envPath(name, "/unfreeze"), struct{}{}, &e)
}

// Wait polls a promotion every interval until it reaches a final state or ctx
// ends.
func (c *Client) Wait(ctx context.Context, id string, interval time.Duration) (*wire.PromotionView, error) {
	return c.poll(ctx, id, interval, func(s promotion.State) bool { return !s.Final() })
}

// WaitWhile polls a promotion every interval while it is in state, or until ctx
// ends.
func (c *Client) WaitWhile(ctx context.Context, id string, state promotion.State, interval time.Duration) (*wire.PromotionView, error) {
	return c.poll(ctx, id, interval, func(s promotion.State) bool { return s == state })
}

func (c *Client) poll(ctx context.Context, id string, interval time.Duration, more func(promotion.State) bool) (*wire.PromotionView, error) {
	for {
		v, err := c.Promotion(ctx, id)
		if err != nil {
			return nil, err
		}
		if !more(v.Promotion.State) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return v, fmt.Errorf("promotion %s is still %s", id, v.Promotion.State)
			}
			return v, ctx.Err()
		case <-time.After(interval):
		}
	}
}

func envPath(name, rest string) string { return "/api/environments/" + url.PathEscape(name) + rest }
