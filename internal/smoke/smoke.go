// Package smoke runs an environment's smoke checks after an apply: HTTP requests
// whose status and body must match, each with a timeout and retries.
//
// Defaults: method GET, expected status 200, timeout 10s, no retries, 2s between
// attempts. A result keeps the last attempt's status, latency and the first
// ExcerptLength bytes of its body (as text, for people), or its error.
package smoke

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Defaults for checks that leave them unset.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultRetryDelay = 2 * time.Second
	ExcerptLength     = 200
	maxBody           = 1 << 20 // bytes read to look for the expected substring
)

// Runner runs smoke checks.
type Runner struct {
	Client *http.Client
	Now    func() time.Time
	// Sleep waits between attempts; tests replace it.
	Sleep func(context.Context, time.Duration) error
}

// New returns a Runner with the standard client, clock and sleep.
func New() *Runner {
	return &Runner{Client: &http.Client{}, Now: time.Now, Sleep: sleep}
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

// Run runs every check and returns their results, in order.
func (r *Runner) Run(ctx context.Context, checks []policy.SmokeCheck) []promotion.SmokeResult {
	results := make([]promotion.SmokeResult, len(checks))
	for i, c := range checks {
		results[i] = r.check(ctx, c)
	}
	return results
}

// Passed reports whether every result passed.
func Passed(results []promotion.SmokeResult) bool {
	for _, res := range results {
		if !res.Passed {
			return false
		}
	}
	return true
}

func (r *Runner) check(ctx context.Context, c policy.SmokeCheck) promotion.SmokeResult {
	delay := c.RetryDelay.D()
	if delay == 0 {
		delay = DefaultRetryDelay
	}
	var res promotion.SmokeResult
	for attempt := 1; attempt <= c.Retries+1; attempt++ {
		if attempt > 1 {
			if err := r.Sleep(ctx, delay); err != nil {
				break
			}
		}
		res = r.attempt(ctx, c)
		res.Attempts = attempt
		if res.Passed {
			break
		}
	}
	return res
}

func (r *Runner) attempt(ctx context.Context, c policy.SmokeCheck) promotion.SmokeResult {
	res := promotion.SmokeResult{Check: c.Name, URL: c.URL, At: r.Now()}
	timeout := c.Timeout.D()
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL, nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	req.Header.Set("User-Agent", "ferry-smoke")
	start := time.Now()
	resp, err := r.Client.Do(req)
	if err != nil {
		res.LatencyMS = time.Since(start).Milliseconds()
		res.Error = err.Error()
		return res
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	res.LatencyMS = time.Since(start).Milliseconds()
	res.Status = resp.StatusCode
	res.Excerpt = excerpt(body)
	want := c.ExpectStatus
	if want == 0 {
		want = http.StatusOK
	}
	switch {
	case err != nil:
		res.Error = "reading the body: " + err.Error()
	case resp.StatusCode != want:
		res.Error = fmt.Sprintf("status %d, want %d", resp.StatusCode, want)
	case c.BodyContains != "" && !strings.Contains(string(body), c.BodyContains):
		res.Error = fmt.Sprintf("the body does not contain %q", c.BodyContains)
	default:
		res.Passed = true
	}
	return res
}

// excerpt is the start of a body as valid text.
func excerpt(body []byte) string {
	if len(body) > ExcerptLength {
		body = body[:ExcerptLength]
	}
	return strings.ToValidUTF8(string(body), string(utf8.RuneError))
}
