package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

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

// slack makes text inert in a Slack message.
func slack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// summaryText counts a plan's changes by kind.
func summaryText(s plan.Summary) string {
	return fmt.Sprintf("%d breaking, %d removed, %d non-breaking, %d added, %d metadata, %d indirect",
		s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Indirect)
}

// awaitingText asks the approvers of pol to review promotion p into env before
// expires.
func (pl *Pipeline) awaitingText(p *promotion.Promotion, env string, pol policy.Policy, expires time.Time) string {
	summary := "no plan"
	if p.Summary != nil {
		summary = summaryText(*p.Summary)
	}
	return fmt.Sprintf("Ferry: promotion %s to *%s* awaits approval (%s). Approvers: %s, %d needed. Expires %s. <%s|Review the plan>",
		slack(p.ID), slack(env), slack(summary), slack(strings.Join(pol.Approvers, ", ")), pol.MinApprovals,
		expires.UTC().Format(time.RFC3339), pl.pageLink(p.ID))
}

// endedText tells how promotion id ended (text, as its closing event says),
// with a link to it.
func (pl *Pipeline) endedText(id, text string) string {
	return fmt.Sprintf("Ferry: %s. <%s|Details>", slack(text), pl.pageLink(id))
}

// approvedText says who approved, for the "decided" notification.
func approvedText(p *promotion.Promotion, env string) string {
	return fmt.Sprintf("Ferry: promotion %s to *%s* approved by %s; applying.", slack(p.ID), slack(env), slack(approvers(p)))
}
