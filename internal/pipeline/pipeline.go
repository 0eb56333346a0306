// Package pipeline is what the promotion state machine runs: one method per Lambda
// step (Plan, Approval, Apply, Smoke, Rollback, Finalize), each safe to run again
// under Lambda and Step Functions retries of the same promotion. The state machine
// passes the promotion id between steps, never release content.
//
// It lives apart from package promotion (the record) because it needs the store,
// which depends on that record.
//
// Decisions recorded here:
//   - Plan takes the environment lock for the approval timeout plus LockMargin;
//     Apply renews it; Finalize releases it whatever the outcome.
//   - Policy gates run in Plan, in this order: freeze, required checks, soak; then
//     the approval gate (hold marker first, then always / breaking / never).
//   - Soak counts the longest time the release was live upstream, from the
//     upstream environment's history (at most SoakHistory versions back).
//   - Apply keeps a node's reference when its fingerprint is what the environment
//     already runs (a virtual reference), takes the source environment's reference
//     when it runs that fingerprint, and otherwise records the target as builder.
//   - Rollback switches back to the previous version's release and deployment,
//     recorded as a new version with the reason. It does nothing when the promotion
//     applied nothing, when auto_rollback is off, or when there is no previous
//     version; the promotion then ends FAILED with the environment where it is.
//   - Notifications go to the policy's webhooks; a failure to notify is an event,
//     never a failed step.
package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// Tunables.
const (
	// LockMargin is added to the approval timeout for the lock's lease.
	LockMargin = time.Hour
	// SoakHistory bounds how many upstream versions soak looks back through.
	SoakHistory = 200
	// saveAttempts bounds the retries of a read-modify-write that met a concurrent change.
	saveAttempts = 5
)

// Pipeline runs the steps. Every field is required.
type Pipeline struct {
	Store store.Store
	Now   func() time.Time
	// Checks runs smoke checks.
	Checks interface {
		Run(context.Context, []policy.SmokeCheck) []promotion.SmokeResult
	}
	Hooks interface {
		Post(ctx context.Context, url string, secret, body []byte, idempotencyKey string) error
	}
	Notifier interface {
		Send(context.Context, string, notify.Message) error
	}
	// Secret resolves a deploy hook's secret reference.
	Secret func(ref string) ([]byte, error)
	// PageURL is the approval page's base URL, for links in notifications.
	PageURL string
}

// Input is what the state machine passes to a step: the promotion id and, for
// Rollback and Finalize, the whole execution state (unknown fields are ignored).
type Input struct {
	PromotionID string `json:"promotion_id"`
	// TaskToken is the approval step's token ($$.Task.Token).
	TaskToken string `json:"task_token,omitempty"`
	// Outcome is the final state Finalize records.
	Outcome promotion.State `json:"outcome,omitempty"`
	// Error is what a Catch caught; RollbackError what the rollback's Catch caught.
	Error         *CaughtError `json:"error,omitempty"`
	RollbackError *CaughtError `json:"rollback_error,omitempty"`
}

// NoOutput adapts a step that returns only an error (Approval, Apply, Finalize)
// to the (output, error) shape Lambda handlers and the emulator's functions take.
func NoOutput(fn func(context.Context, Input) error) func(context.Context, Input) (*struct{}, error) {
	return func(ctx context.Context, in Input) (*struct{}, error) { return nil, fn(ctx, in) }
}

// CaughtError is a Step Functions error as a Catch with a ResultPath puts it.
type CaughtError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Message returns the caught error's message: Lambda's errorMessage when the cause
// is a Lambda error, else the cause itself.
func (c *CaughtError) Message() string {
	var lambdaErr struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(c.Cause), &lambdaErr) == nil && lambdaErr.Message != "" {
		return c.Error + ": " + lambdaErr.Message
	}
	if c.Cause == "" {
		return c.Error
	}
	return c.Error + ": " + c.Cause
}

// load reads a promotion and the environment it targets.
func (pl *Pipeline) load(ctx context.Context, id string) (*promotion.Promotion, *environment.Environment, error) {
	p, err := pl.Store.GetPromotion(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	env, err := pl.Store.GetEnvironment(ctx, p.Target)
	if err != nil {
		return nil, nil, err
	}
	return p, env, nil
}

// update reads a promotion, lets change modify it, and saves it, again from the read
// when a concurrent write (a decision, another step's retry) got in between.
func (pl *Pipeline) update(ctx context.Context, id string, change func(*promotion.Promotion) error) (*promotion.Promotion, error) {
	for attempt := 1; ; attempt++ {
		p, err := pl.Store.GetPromotion(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := change(p); err != nil {
			return nil, err
		}
		p.UpdatedAt = pl.Now()
		err = pl.Store.SavePromotion(ctx, p)
		if err == nil || fault.ErrorCode(err) != fault.Conflict || attempt == saveAttempts {
			return p, err
		}
	}
}

// event appends to a promotion's log; a failure to log is returned.
func (pl *Pipeline) event(ctx context.Context, id string, typ promotion.EventType, actor, format string, args ...any) error {
	return pl.Store.AppendEvent(ctx, id, promotion.Event{At: pl.Now(), Type: typ, Actor: actor, Message: fmt.Sprintf(format, args...)})
}

// notifyAll sends text to every webhook of env's policy, recording failures as events.
func (pl *Pipeline) notifyAll(ctx context.Context, env *environment.Environment, id, text string) {
	for _, w := range env.Policy.Notify {
		if err := pl.Notifier.Send(ctx, w.URL, notify.Message{Text: text}); err != nil {
			_ = pl.event(ctx, id, promotion.EventNotifyFailed, "ferry", "%v", err)
		}
	}
}

// pageLink is the approval page's link to a promotion.
func (pl *Pipeline) pageLink(id string) string {
	return strings.TrimRight(pl.PageURL, "/") + "/#/promotions/" + url.PathEscape(id)
}

// slackEscaper makes text inert in a Slack message.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slack(s string) string { return slackEscaper.Replace(s) }
