package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/promotion"
)

// SmokeOutput is what Smoke tells the state machine.
type SmokeOutput struct {
	PromotionID string `json:"promotion_id"`
	// Passed is true when every check passed; otherwise the promotion rolls back.
	Passed bool `json:"passed"`
}

// Smoke runs the policy's smoke checks and records their results.
func (pl *Pipeline) Smoke(ctx context.Context, in Input) (*SmokeOutput, error) {
	res, err := pl.smoke(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) smoke(ctx context.Context, in Input) (*SmokeOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	results := pl.Checks.Run(ctx, env.Policy.Smoke)
	passed := true
	var failed []string
	for _, r := range results {
		if !r.Passed {
			passed = false
			failed = append(failed, fmt.Sprintf("%s (%s)", r.Check, r.Error))
		}
	}
	if _, err := pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		p.Smoke = results
		return nil
	}); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("%d smoke check(s) passed", len(results))
	typ := promotion.EventVerified
	if !passed {
		typ, msg = promotion.EventSmokeFailed, "smoke checks failed: "+strings.Join(failed, "; ")
	}
	return &SmokeOutput{PromotionID: p.ID, Passed: passed}, pl.event(ctx, p.ID, typ, "ferry", "%s", msg)
}
