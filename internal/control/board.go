package control

import (
	"context"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Lane is one environment on the board.
type Lane struct {
	// Environment is as the caller may see it (see seenBy).
	Environment *environment.Environment
	// Depth counts the upstreams between the lane and its pipeline's head.
	Depth int
	// UpstreamProblem is UpstreamMissing or UpstreamCycle when the lane heads
	// its pipeline although its policy names an upstream; "" otherwise.
	UpstreamProblem string
	// Waiting is the promotion into the environment that is not over, if any:
	// a promotion holds the environment's lock from its start to its end, so
	// it is the lock's holder.
	Waiting *promotion.Promotion
}

// Board returns every environment in promotion order, as who may see them: one
// pipeline per chain of upstreams (see pipelines), each lane with the promotion
// that waits there. It reads the environments once and the promotion of each
// held lock.
func (s *Service) Board(ctx context.Context, who policy.Identity) ([][]Lane, error) {
	envs, err := s.Environments(ctx, who)
	if err != nil {
		return nil, err
	}
	var board [][]Lane
	for _, pipe := range pipelines(envs) {
		lanes := make([]Lane, len(pipe))
		for i, p := range pipe {
			lanes[i] = Lane{Environment: p.env, Depth: p.depth, UpstreamProblem: p.problem}
			if lanes[i].Waiting, err = s.waiting(ctx, p.env); err != nil {
				return nil, err
			}
		}
		board = append(board, lanes)
	}
	return board, nil
}

// waiting returns the promotion holding env's lock, unless the lock has
// expired or the promotion is over; without its events.
func (s *Service) waiting(ctx context.Context, env *environment.Environment) (*promotion.Promotion, error) {
	if !env.Lock.Held(s.Now()) {
		return nil, nil
	}
	p, err := s.Store.GetPromotion(ctx, env.Lock.Holder)
	switch {
	case fault.ErrorCode(err) == fault.NotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case p.State.Final():
		return nil, nil
	}
	p.Events = nil
	return p, nil
}

// Drift summarizes what promoting release candidate into an environment that
// runs release base ("" when it runs none) would change: the summary of the
// plan a preview computes. Releases are immutable, so the answer for a pair
// never changes. Codes: not_found.
func (s *Service) Drift(ctx context.Context, base, candidate string) (plan.Summary, error) {
	p, err := s.planReleases(ctx, plan.Input{}, base, candidate)
	if err != nil {
		return plan.Summary{}, err
	}
	return p.Summary, nil
}
