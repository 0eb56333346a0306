package control

import (
	"context"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// Evidence is what the upstream environment shows of a promotion's release, for
// the reviewers: whether it went live there, when, by which promotion, and that
// promotion's smoke results.
type Evidence struct {
	// Upstream is the environment: the target's policy's upstream, or, when it
	// names none, the environment the promotion was started from.
	Upstream string
	// Live says whether a promotion put the release live there (within the
	// newest pipeline.SoakHistory versions, the versions soak reads); the
	// fields below are about the last one. A release that is there only
	// because a rollback put it back is not Live: no promotion of it ran
	// smoke checks there.
	Live bool
	// Since is when it went live there, as Version; Until when another release
	// replaced it, nil while it is current there.
	Since   time.Time
	Until   *time.Time
	Version int64
	// Promotion is the promotion that put it there, with its smoke results;
	// nil when that promotion is no longer stored.
	Promotion *promotion.Promotion
}

// Evidence returns what p's upstream environment shows of p's release; nil when
// the target has no upstream and p names no source. An upstream that no longer
// exists shows nothing: Live false.
func (s *Service) Evidence(ctx context.Context, p *promotion.Promotion, target *environment.Environment) (*Evidence, error) {
	ev := &Evidence{Upstream: target.Policy.Upstream}
	if ev.Upstream == "" {
		ev.Upstream = p.Source
	}
	if ev.Upstream == "" {
		return nil, nil
	}
	history, _, err := s.Store.History(ctx, ev.Upstream, store.Page{Limit: pipeline.SoakHistory})
	if fault.ErrorCode(err) == fault.NotFound {
		return ev, nil
	}
	if err != nil {
		return nil, err
	}
	for i, e := range history { // newest first
		if e.ReleaseID != p.ReleaseID || e.Kind != environment.Promote {
			continue
		}
		ev.Live, ev.Since, ev.Version = true, e.At, e.Version
		if i > 0 {
			ev.Until = &history[i-1].At
		}
		if ev.Promotion, err = s.Store.GetPromotion(ctx, e.PromotionID); fault.ErrorCode(err) == fault.NotFound {
			ev.Promotion, err = nil, nil
		}
		return ev, err
	}
	return ev, nil
}
