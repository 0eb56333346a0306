package pipeline

import (
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestPlanIsRepeatable(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{})
	id := h.promotion("prod", h.rel("v1", "", nil, "a=model"), promotion.ViaCI, "")
	first, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	digest := h.get(id).PlanDigest
	again, err := h.pl.Plan(ctx, Input{PromotionID: id})
	h.must(err)
	if *first != *again || h.get(id).PlanDigest != digest {
		t.Errorf("second plan %+v differs from %+v", again, first)
	}
}
