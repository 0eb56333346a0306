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
	"slices"
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
	_, err := c.exchange(ctx, method, path, body, out, "")
	return err
}

// exchange is do that may ask for an answer only if it changed: with
// ifNoneMatch, an ETag of an answer the caller has, the server answers 304 while
// it is unchanged, and out is left as it is. It returns the response (its
// status and headers; the body is read).
func (c *Client) exchange(ctx context.Context, method, path string, body, out any, ifNoneMatch string) (*http.Response, error) {
	var payload []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Server+path, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.Sign != nil:
		if err := c.Sign(req, payload); err != nil {
			return nil, err
		}
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("calling the Ferry server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotModified && ifNoneMatch != "" {
		return resp, nil
	}
	if resp.StatusCode >= 300 {
		var e wire.ErrorBody
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		return nil, &fault.Error{Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	return resp, nil
}

// Me returns who the token signs in as.
func (c *Client) Me(ctx context.Context) (policy.Identity, error) {
	var me policy.Identity
	return me, c.do(ctx, "GET", "/api/me", nil, &me)
}

// PutRelease uploads a release as native JSON, of any size the server takes:
// it asks for an upload URL (POST /api/uploads), PUTs the bytes there (S3 in
// AWS, ferry local itself locally; the URL is the credential) and has the
// server ingest them (POST /api/releases {"upload_id"}).
func (c *Client) PutRelease(ctx context.Context, releaseJSON []byte) (*wire.ReleaseHeader, error) {
	var u wire.UploadView
	if err := c.do(ctx, "POST", "/api/uploads", struct{}{}, &u); err != nil {
		return nil, fmt.Errorf("asking for an upload URL: %w", err)
	}
	if err := c.upload(ctx, u, releaseJSON); err != nil {
		return nil, err
	}
	var h wire.ReleaseHeader
	return &h, c.do(ctx, "POST", "/api/releases", wire.IngestRequest{UploadID: u.UploadID}, &h)
}

// upload PUTs data to an upload URL, with no credential of the client's. A
// URL without a host (ferry local listening for other machines, which cannot
// know the name they reach it by) is on the server's.
func (c *Client) upload(ctx context.Context, u wire.UploadView, data []byte) error {
	base, err := url.Parse(c.Server + "/")
	if err != nil {
		return fmt.Errorf("the server's URL: %w", err)
	}
	target, err := base.Parse(u.URL)
	if err != nil {
		return fmt.Errorf("the server's upload URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target.String(), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("the server's upload URL: %w", err)
	}
	resp, err := c.uploadHTTP().Do(req)
	if err != nil {
		return fmt.Errorf("uploading the release: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("uploading the release: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// uploadHTTP is c.HTTP without its overall timeout, which a large upload on a
// slow link would exceed; the upload URL's expiry and ctx bound it instead.
func (c *Client) uploadHTTP() *http.Client {
	h := *c.HTTP
	h.Timeout = 0
	return &h
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
// against what env runs now, fetching every page of it. Codes: conflict when
// the environment moved while the pages were fetched.
func (c *Client) Preview(ctx context.Context, env, releaseID, source string) (*plan.Plan, error) {
	q := url.Values{}
	if releaseID != "" {
		q.Set("release_id", releaseID)
	}
	if source != "" {
		q.Set("source", source)
	}
	path := envPath(env, "/plan?"+q.Encode())
	var v wire.PlanView
	if err := c.do(ctx, "GET", path, nil, &v); err != nil {
		return nil, err
	}
	return c.wholePlan(ctx, &v, path+"&")
}

// PromotionPlan returns a promotion's whole plan, every page of it.
// Codes: not_found before it is planned.
func (c *Client) PromotionPlan(ctx context.Context, id string) (*plan.Plan, error) {
	v, err := c.Promotion(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.Plan == nil {
		return nil, &fault.Error{Code: fault.NotFound, Message: "promotion " + id + " is not planned yet"}
	}
	return c.CompletePlan(ctx, id, v.Plan)
}

// CompletePlan fetches the pages of promotion id's plan that its view v lacks
// and returns the whole plan. An entry the server trimmed (wire.PlanPage) comes
// as the server sent it.
func (c *Client) CompletePlan(ctx context.Context, id string, v *wire.PlanView) (*plan.Plan, error) {
	return c.wholePlan(ctx, v, "/api/promotions/"+url.PathEscape(id)+"/plan?")
}

// PlanPage returns one page of a promotion's plan: list is "changes" or
// "indirect"; q and category filter it as the server does.
func (c *Client) PlanPage(ctx context.Context, id, list string, offset, limit int, q, category string) (*wire.PlanPage, error) {
	return c.planPage(ctx, "/api/promotions/"+url.PathEscape(id)+"/plan?", list, offset, limit, q, category)
}

func (c *Client) planPage(ctx context.Context, prefix, list string, offset, limit int, q, category string) (*wire.PlanPage, error) {
	v := url.Values{"list": {list}, "offset": {strconv.Itoa(offset)}}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if q != "" {
		v.Set("q", q)
	}
	if category != "" {
		v.Set("category", category)
	}
	var p wire.PlanPage
	return &p, c.do(ctx, "GET", prefix+v.Encode(), nil, &p)
}

// planPageLimit is how many entries the client asks for per page: the
// server's most; its byte bound may answer fewer.
const planPageLimit = 1000

// wholePlan completes a plan view with the rest of its pages, fetched under
// prefix, and returns the plan with its lists sorted by name, as plans are.
func (c *Client) wholePlan(ctx context.Context, v *wire.PlanView, prefix string) (*plan.Plan, error) {
	p := &plan.Plan{Target: v.Target, BaseVersion: v.BaseVersion, BaseRelease: v.BaseRelease, Release: v.Release,
		Digest: v.Digest, Summary: v.Summary, Changes: v.Changes, Indirect: v.Indirect}
	for next, list := v.NextChanges, "changes"; next > 0; {
		page, err := c.planPage(ctx, prefix, list, next, planPageLimit, "", "")
		if err != nil {
			return nil, err
		}
		if page.Digest != v.Digest {
			return nil, &fault.Error{Code: fault.Conflict, Message: "the plan changed while it was read: ask again"}
		}
		p.Changes, next = append(p.Changes, page.Changes...), page.NextOffset
	}
	for next, list := v.NextIndirect, "indirect"; next > 0; {
		page, err := c.planPage(ctx, prefix, list, next, planPageLimit, "", "")
		if err != nil {
			return nil, err
		}
		if page.Digest != v.Digest {
			return nil, &fault.Error{Code: fault.Conflict, Message: "the plan changed while it was read: ask again"}
		}
		p.Indirect, next = append(p.Indirect, page.Indirect...), page.NextOffset
	}
	slices.SortFunc(p.Changes, func(a, b plan.Change) int { return strings.Compare(a.Node, b.Node) })
	return p, nil
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

// poll asks for the promotion every interval while more says so; it asks
// conditionally (If-None-Match), so an unchanged promotion costs a 304 and no
// body.
func (c *Client) poll(ctx context.Context, id string, interval time.Duration, more func(promotion.State) bool) (*wire.PromotionView, error) {
	var v *wire.PromotionView
	tag := ""
	for {
		next := &wire.PromotionView{}
		resp, err := c.exchange(ctx, "GET", "/api/promotions/"+url.PathEscape(id), nil, next, tag)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusNotModified {
			v, tag = next, resp.Header.Get("ETag")
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
