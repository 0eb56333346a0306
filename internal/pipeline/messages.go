package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// notifyAll sends m to every webhook of env's policy, recording failures as events.
func (pl *Pipeline) notifyAll(ctx context.Context, env *environment.Environment, id string, m notify.Message) {
	for _, w := range env.Policy.Notify {
		if err := pl.Notifier.Send(ctx, w.URL, m); err != nil {
			_ = pl.event(ctx, id, promotion.EventNotifyFailed, "ferry", "%v", err)
		}
	}
}

// summaryText counts a plan's changes by kind.
func summaryText(s plan.Summary) string {
	return fmt.Sprintf("%d breaking, %d removed, %d non-breaking, %d added, %d metadata, %d indirect",
		s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Indirect)
}

// awaitingText asks the approvers of pol to review promotion p into env before
// expires.
func (pl *Pipeline) awaitingText(p *promotion.Promotion, env string, pol policy.Snapshot, expires time.Time) string {
	summary := "no plan"
	if p.Summary != nil {
		summary = summaryText(*p.Summary)
	}
	return fmt.Sprintf("Ferry: promotion %s to *%s* awaits approval (%s). Approvers: %s, %d needed. Expires %s. <%s|Review the plan>",
		notify.Escape(p.ID), notify.Escape(env), notify.Escape(summary), notify.Escape(strings.Join(pol.Approvers, ", ")), pol.MinApprovals,
		expires.UTC().Format(time.RFC3339), notify.PageLink(pl.PageURL, p.ID))
}

// approvedText says who approved, for the "decided" notification.
func approvedText(p *promotion.Promotion, env string) string {
	return fmt.Sprintf("Ferry: promotion %s to *%s* approved by %s; applying.", notify.Escape(p.ID), notify.Escape(env), notify.Escape(approvers(p)))
}
