package httpapi

import (
	"context"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/promotion"
)

// evidenceView is the upstream evidence of a review, or nil.
func evidenceView(e *control.Evidence) *wire.Evidence {
	if e == nil {
		return nil
	}
	v := &wire.Evidence{Upstream: e.Upstream, Live: e.Live, Until: e.Until, Version: e.Version, Smoke: []promotion.SmokeResult{}}
	if e.Live {
		v.Since = &e.Since
	}
	if p := e.Promotion; p != nil {
		v.PromotionID, v.PromotionState = p.ID, p.State
		if p.Smoke != nil {
			v.Smoke = p.Smoke
		}
	}
	return v
}

// outcomeView is the outcome of a review, or nil, with the name of the
// release the target runs now.
func (s *Server) outcomeView(ctx context.Context, target string, o *control.Outcome) (*wire.Outcome, error) {
	if o == nil {
		return nil, nil
	}
	v := &wire.Outcome{Headline: o.Headline, Why: o.Why, By: o.By, At: o.At, Applied: o.Applied}
	if d := o.Live; d != nil {
		h, err := s.releaseHeader(ctx, d.ReleaseID)
		if err != nil {
			return nil, err
		}
		v.Live = &wire.LiveRelease{Environment: target, Version: d.Version, ReleaseID: d.ReleaseID, Name: h.Name,
			PromotionID: d.PromotionID, Since: d.At}
	}
	return v, nil
}
