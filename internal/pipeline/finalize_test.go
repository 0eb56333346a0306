package pipeline

import (
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestFinalizeNotifiesAndSurvivesAFailingWebhook(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approval: policy.Never, Notify: []policy.Webhook{{URL: "http://127.0.0.1:1/hooks/secret-token-path"}}})
	id := h.deploy("prod", h.rel("v1 <b>bold</b>", "", nil, "a=model"))
	if len(h.messages) != 1 || !strings.Contains(h.messages[0], "ended SUCCEEDED") {
		t.Errorf("notifications %v", h.messages)
	}
	var failed []promotion.Event
	for _, e := range h.get(id).Events {
		if e.Type == promotion.EventNotifyFailed {
			failed = append(failed, e)
		}
	}
	if len(failed) != 1 || strings.Contains(failed[0].Message, "secret-token-path") {
		t.Errorf("notify failures %+v (the webhook's path must not be logged)", failed)
	}
	wantError(t, h.pl.Finalize(ctx, Input{PromotionID: id, Outcome: promotion.Applying}), "StepFailed", "not a final state")
}
