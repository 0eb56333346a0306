package control

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Outcome says how a promotion ended, in plain words for the people who read
// it: what happened, why, who ended it and when, and what the environment runs
// now. It never shows a Step Functions error name or an error code: those stay
// in the promotion's error and events.
type Outcome struct {
	// Headline is one sentence: what happened.
	Headline string
	// Why says why, in plain words; "" for a promotion that did what it was
	// asked.
	Why string
	// By is who ended it: the approvers, the reviewer who rejected, who
	// cancelled; "" when nobody did (an expiry, a failure, a rollback).
	By string
	At time.Time
	// Applied says whether the release went live in the target.
	Applied bool
	// Live is what the target runs now; nil before its first deployment.
	Live *environment.Deployment
}

// OutcomeOf says how p, ended, turned out; nil while it runs. target is the
// environment p promoted into, as it is now.
func OutcomeOf(p *promotion.Promotion, target *environment.Environment) *Outcome {
	if !p.State.Final() {
		return nil
	}
	o := &Outcome{Applied: p.Has(promotion.EventApplied), Live: target.Current}
	if p.FinishedAt != nil {
		o.At = *p.FinishedAt
	}
	if c := p.Closed; c != nil && c.How != promotion.ClosedApproved {
		o.At = c.At
		if c.How != promotion.ClosedExpired {
			o.By = c.By
		}
	}
	env := p.Target
	switch p.State {
	case promotion.Succeeded:
		o.Headline = fmt.Sprintf("Live in %s and verified.", env)
		o.By = strings.Join(p.CountedApprovers(), ", ")
		if o.By == "" {
			o.By, o.Why = p.RequestedBy, "No approval was needed."
		}
	case promotion.NoChanges:
		o.Headline = fmt.Sprintf("Nothing to apply: %s runs the same content already.", env)
		o.By = p.RequestedBy
	case promotion.Rejected:
		o.Headline = fmt.Sprintf("Rejected by %s; nothing was applied.", o.By)
		o.Why = rejection(p)
	case promotion.Expired:
		o.Headline = "Expired: nobody decided in time; nothing was applied."
		o.Why = expiry(p)
	case promotion.Cancelled:
		o.Headline = fmt.Sprintf("Cancelled by %s before anything was applied.", o.By)
	case promotion.RolledBack:
		o.Headline = fmt.Sprintf("Rolled back: the release went live in %s, then %s was put back on its previous release.", env, env)
		o.Why = failure(p)
	case promotion.Failed:
		o.Headline = "Failed before anything was applied."
		if o.Applied {
			o.Headline = fmt.Sprintf("Failed after the release went live in %s; it was not rolled back.", env)
		}
		o.Why = failure(p)
	}
	return o
}

// rejection is the reason the rejecting reviewer gave.
func rejection(p *promotion.Promotion) string {
	for _, a := range slices.Backward(p.Approvals) {
		if a.Decision == promotion.Reject {
			return "Their reason: " + a.Comment
		}
	}
	return ""
}

// expiry says how long the reviewers had and how far they got.
func expiry(p *promotion.Promotion) string {
	if p.Snapshot == nil {
		return ""
	}
	return fmt.Sprintf("The reviewers had %s to decide; %d of the %d approvals needed were recorded.",
		plainDuration(p.Snapshot.ApprovalTimeout.D()), len(p.Counted()), p.Snapshot.MinApprovals)
}

// failure says what went wrong: the failed smoke checks, the recorded error
// without its error names, and why no rollback happened when it did not.
func failure(p *promotion.Promotion) string {
	var why []string
	for _, r := range p.Smoke {
		if !r.Passed {
			why = append(why, fmt.Sprintf("smoke check %s failed: %s", r.Check, r.Error))
		}
	}
	if p.Error != "" {
		why = append(why, plainError(p.Error))
	}
	for _, e := range p.Events {
		if e.Type == promotion.EventRollbackSkipped {
			why = append(why, "no rollback: "+e.Message)
		}
	}
	if len(why) == 0 {
		return ""
	}
	text := strings.Join(why, "; ")
	return strings.ToUpper(text[:1]) + text[1:] + "."
}

// plainError is a promotion's error (problems joined by "; ", each maybe
// "Name: message" as a Catch recorded it) without the error names: the message
// alone, or for a name without one, what the name means.
func plainError(s string) string {
	parts := strings.Split(s, "; ")
	for i, part := range parts {
		lead, rest := "", part
		if after, ok := strings.CutPrefix(part, "rollback failed: "); ok {
			lead, rest = "rollback failed: ", after
		}
		name, msg, ok := strings.Cut(rest, ": ")
		switch {
		case ok && isErrorName(name):
			rest = msg
		case !ok && isErrorName(rest):
			rest = errorMeaning(rest)
		}
		parts[i] = lead + rest
	}
	return strings.Join(parts, "; ")
}

// isErrorName reports whether s is an error name a Catch records: a step's, a
// rejection, or one of Step Functions' and Lambda's own.
func isErrorName(s string) bool {
	for _, prefix := range []string{"States.", "Lambda.", "Sandbox."} {
		if strings.HasPrefix(s, prefix) && !strings.ContainsAny(s, " ") {
			return true
		}
	}
	return s == pipeline.RejectedError || slices.Contains(pipeline.ErrorNames(), s)
}

// errorMeaning says what an error name without a message means.
func errorMeaning(name string) string {
	switch name {
	case "States.Timeout":
		return "a step did not finish in time"
	case "Sandbox.Timedout", "Lambda.Unknown":
		return "a step ran out of time or memory"
	case "DeployHookFailed":
		return "the deploy hook refused or did not answer"
	case "Transient":
		return "the infrastructure kept failing"
	}
	return "a step failed"
}

// plainDuration says d in words: "24 hours", "90 seconds", "1 hour 30 minutes".
func plainDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 120:
		return unit(s, "second")
	case s%3600 == 0:
		return unit(s/3600, "hour")
	case s < 3600 || s%60 != 0:
		return unit(s/60, "minute")
	}
	return unit(s/3600, "hour") + " " + unit(s%3600/60, "minute")
}
