// Package policy is an environment's rules for promotions into it: who must approve,
// which checks must pass, how long a release must soak upstream, which smoke checks
// run, and what happens on failure; docs/concepts.md describes every field.
// Policies are stored server-side with the environment and changed only by admins.
//
// Some fields are secrets: the notification webhooks' URLs, the deploy hook's URL
// and its secret reference (see Policy.Redacted). Only admins see them whole;
// Diff, which writes the change log everyone reads, records them redacted; and
// Validate's errors name such a field without repeating its value.
//
// This package defines the stored form, its defaults and its validation, and the
// Snapshot of its approval rules a promotion records when it is planned and is
// decided under from then on (who may approve, how many must, the gate's mode,
// the timeout, required checks, the hold marker); the pipeline evaluates it.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
)

// Approval says when a promotion waits for people.
type Approval string

// Approval modes.
const (
	// Always: every promotion waits for approval.
	Always Approval = "always"
	// Breaking: only plans with BREAKING or REMOVED changes wait.
	Breaking Approval = "breaking"
	// Never: promotions apply without approval (a release held with the hold
	// marker still waits).
	Never Approval = "never"
)

// Defaults for the fields a policy leaves unset.
const (
	DefaultApprovalTimeout = 24 * time.Hour
	DefaultHoldMarker      = "[HOLD]"
	DefaultTTL             = 7 * 24 * time.Hour
)

// Policy is an environment's promotion rules. Zero values mean the defaults; see
// WithDefaults.
type Policy struct {
	Approval            Approval     `json:"approval"`
	Approvers           []string     `json:"approvers,omitempty"` // identities, or groups as "group:NAME"
	MinApprovals        int          `json:"min_approvals,omitempty"`
	AllowSelfApproval   bool         `json:"allow_self_approval,omitempty"`
	ApprovalTimeout     Duration     `json:"approval_timeout,omitempty"`
	HoldMarker          string       `json:"hold_marker,omitempty"`
	RequiredChecks      []string     `json:"required_checks,omitempty"`
	Upstream            string       `json:"upstream,omitempty"`
	Soak                Duration     `json:"soak,omitempty"`
	Smoke               []SmokeCheck `json:"smoke,omitempty"`
	AutoRollback        *bool        `json:"auto_rollback,omitempty"` // nil means true
	AllowFrozenRollback bool         `json:"allow_frozen_rollback,omitempty"`
	DeployHook          *Hook        `json:"deploy_hook,omitempty"`
	Notify              []Webhook    `json:"notify,omitempty"`
	TTL                 Duration     `json:"ttl,omitempty"` // ephemeral environments
}

// SmokeCheck is one HTTP check run after an apply.
type SmokeCheck struct {
	Name         string   `json:"name"`
	Method       string   `json:"method,omitempty"` // default GET
	URL          string   `json:"url"`
	ExpectStatus int      `json:"expect_status,omitempty"` // default 200
	BodyContains string   `json:"body_contains,omitempty"`
	Timeout      Duration `json:"timeout,omitempty"` // default 10s
	Retries      int      `json:"retries,omitempty"`
	RetryDelay   Duration `json:"retry_delay,omitempty"`
}

// Hook is an HTTPS endpoint told about each apply, signed with HMAC-SHA256.
type Hook struct {
	URL string `json:"url"`
	// SecretRef names where the signing secret is kept; the secret itself is never
	// stored in the policy.
	SecretRef string `json:"secret_ref"`
}

// Webhook is a Slack-compatible notification endpoint.
type Webhook struct {
	// URL is the webhook's URL, or a secret reference to it (IsSecretRef).
	URL string `json:"url"`
}

// IsSecretRef reports whether s has the form of a secret reference: env:NAME,
// ssm:/path or secretsmanager:name (internal/secretref resolves them).
func IsSecretRef(s string) bool {
	kind, name, ok := strings.Cut(s, ":")
	switch {
	case !ok || name == "":
		return false
	case kind == "ssm":
		return len(name) > 1 && name[0] == '/'
	}
	return kind == "env" || kind == "secretsmanager"
}

// WithDefaults returns p with every unset field at its default.
func (p Policy) WithDefaults() Policy {
	if p.Approval == "" {
		p.Approval = Always
	}
	if p.MinApprovals == 0 {
		p.MinApprovals = 1
	}
	if p.ApprovalTimeout == 0 {
		p.ApprovalTimeout = Duration(DefaultApprovalTimeout)
	}
	if p.HoldMarker == "" {
		p.HoldMarker = DefaultHoldMarker
	}
	if p.TTL == 0 {
		p.TTL = Duration(DefaultTTL)
	}
	return p
}

// RollsBack reports whether a failed promotion is rolled back automatically.
func (p Policy) RollsBack() bool { return p.AutoRollback == nil || *p.AutoRollback }

// Validate reports the first problem with p, naming the field. Codes: invalid.
func (p Policy) Validate() error {
	switch p.Approval {
	case "", Always, Breaking, Never:
	default:
		return fault.Errorf(fault.Invalid, "approval: %q is not always, breaking or never", p.Approval)
	}
	if p.MinApprovals < 0 {
		return fault.Errorf(fault.Invalid, "min_approvals: %d is negative", p.MinApprovals)
	}
	if p.Approval != Never && len(p.Approvers) > 0 && p.MinApprovals > len(p.Approvers) && !hasGroup(p.Approvers) {
		return fault.Errorf(fault.Invalid, "min_approvals: %d, but only %d approvers are named", p.MinApprovals, len(p.Approvers))
	}
	for _, d := range []struct {
		field string
		value Duration
	}{{"approval_timeout", p.ApprovalTimeout}, {"soak", p.Soak}, {"ttl", p.TTL}} {
		if d.value < 0 {
			return fault.Errorf(fault.Invalid, "%s: %s is negative", d.field, d.value)
		}
	}
	if p.Soak > 0 && p.Upstream == "" {
		return fault.Errorf(fault.Invalid, "soak: needs an upstream environment")
	}
	for i, s := range p.Smoke {
		if s.Name == "" {
			return fault.Errorf(fault.Invalid, "smoke[%d].name: is required", i)
		}
		if err := checkURL(s.URL, false); err != nil {
			return fault.Errorf(fault.Invalid, "smoke[%d].url: %q %v", i, s.URL, err)
		}
		if s.Retries < 0 || s.Timeout < 0 || s.RetryDelay < 0 {
			return fault.Errorf(fault.Invalid, "smoke[%d]: retries, timeout and retry_delay must not be negative", i)
		}
	}
	if p.DeployHook != nil {
		if err := checkURL(p.DeployHook.URL, true); err != nil {
			return fault.Errorf(fault.Invalid, "deploy_hook.url: the URL %v (a secret, not repeated here)", err)
		}
		if p.DeployHook.SecretRef == "" {
			return fault.Errorf(fault.Invalid, "deploy_hook.secret_ref: is required")
		}
	}
	for i, w := range p.Notify {
		if IsSecretRef(w.URL) {
			continue
		}
		if err := checkURL(w.URL, false); err != nil {
			return fault.Errorf(fault.Invalid, "notify[%d].url: the URL %v (a secret, not repeated here)", i, err)
		}
	}
	return nil
}

func hasGroup(approvers []string) bool {
	for _, a := range approvers {
		if strings.HasPrefix(a, "group:") {
			return true
		}
	}
	return false
}

// checkURL accepts absolute http(s) URLs; httpsOnly refuses plain http except to
// loopback, for local runs and tests. The error does not repeat the URL: callers
// add it where it is not a secret.
func checkURL(raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("is not an absolute http(s) URL")
	}
	if httpsOnly && u.Scheme != "https" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1" {
		return errors.New("must use https")
	}
	return nil
}

// Duration is a time.Duration written in JSON as a Go duration string ("24h", "90m").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "24h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"24h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Diff lists the fields that differ between two policies, as
// "field: old → new" with the values in JSON, each shortened to a line; for the
// record of who changed what. The record is history anyone may read, so the values
// are those of the Redacted policies; a field whose change lies only in its
// secrets reads "field: changed (its secrets are not recorded)".
func Diff(old, cur Policy) []string {
	fullA, fullB := fields(old), fields(cur)
	a, b := fields(old.Redacted()), fields(cur.Redacted())
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		switch {
		case string(fullA[k]) == string(fullB[k]):
		case string(a[k]) == string(b[k]):
			out = append(out, k+": changed (its secrets are not recorded)")
		default:
			out = append(out, fmt.Sprintf("%s: %s → %s", k, shorten(a[k]), shorten(b[k])))
		}
	}
	return out
}

// fields is a policy's JSON fields; unset ones are absent.
func fields(p Policy) map[string]json.RawMessage {
	data, _ := json.Marshal(p) // a Policy always marshals
	var m map[string]json.RawMessage
	_ = json.Unmarshal(data, &m)
	return m
}

// shorten keeps a JSON value to a readable length; absent values read "unset".
func shorten(v json.RawMessage) string {
	const limit = 120
	switch s := string(v); {
	case s == "":
		return "unset"
	case len(s) > limit:
		return strings.ToValidUTF8(s[:limit], "") + "…"
	default:
		return s
	}
}
