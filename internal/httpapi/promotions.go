package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// listPromotions lists an environment's promotions newest first
// (?environment=NAME, optionally &state=S), or the ones awaiting approval oldest
// first (?state=AWAITING_APPROVAL): each with its release's name and, while it
// awaits approval, the caller's standing on it (wire.ListedPromotions).
func (s *Server) listPromotions(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	env, state := r.URL.Query().Get("environment"), promotion.State(r.URL.Query().Get("state"))
	var (
		promotions []*promotion.Promotion
		list       wire.ListedPromotions
	)
	switch {
	case env != "":
		promotions, list.NextPageToken, err = s.Control.Promotions(r.Context(), env, page)
		if state != "" {
			promotions = slices.DeleteFunc(promotions, func(p *promotion.Promotion) bool { return p.State != state })
		}
	case state == promotion.AwaitingApproval:
		promotions, list.NextPageToken, err = s.Control.Pending(r.Context(), page)
	default:
		return fault.Errorf(fault.Invalid, "name an environment (?environment=NAME) or ask for state=AWAITING_APPROVAL")
	}
	if err != nil {
		return err
	}
	list.Promotions = make([]wire.ListedPromotion, len(promotions))
	for i, p := range promotions {
		p.Events = nil // a list shows states; the events come with each promotion
		item := wire.ListedPromotion{Promotion: p}
		if item.ReleaseName, err = s.releaseName(r.Context(), p.ReleaseID); err != nil {
			return err
		}
		if p.State == promotion.AwaitingApproval {
			item.Standing = standingView(s.Control.StandingOf(p, who))
		}
		list.Promotions[i] = item
	}
	return writeJSON(w, http.StatusOK, list)
}

func standingView(st control.Standing) *wire.Standing {
	return &wire.Standing{MayDecide: st.WhyNot == "", WhyNot: st.WhyNot, WhyNotDetail: st.WhyNotDetail, Approved: st.Approved,
		MinApprovals: st.MinApprovals, Needed: st.Needed, Approvers: st.Approvers, ExpiresSoon: st.ExpiresSoon}
}

func (s *Server) startPromotion(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req wire.StartRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	p, err := s.Control.Start(r.Context(), who, control.StartRequest{ID: req.ID, Environment: req.Environment,
		ReleaseID: req.ReleaseID, Source: req.Source, Via: req.Via})
	if err != nil {
		return err
	}
	if p.State.Final() { // a retried start of a promotion that is over: nothing was started
		return writeJSON(w, http.StatusOK, p)
	}
	return writeJSON(w, http.StatusCreated, p)
}

func (s *Server) getPromotion(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	ctx := r.Context()
	rv, err := s.Control.Review(ctx, who, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := rv.Promotion
	view := wire.PromotionView{Promotion: p, Approval: approvalView(rv), MayCancel: rv.WhyNotCancel == nil, Evidence: evidenceView(rv.Evidence)}
	if !view.MayCancel {
		view.CancelBlocked = fault.ErrorMessage(rv.WhyNotCancel)
	}
	if view.Release, err = s.releaseHeader(ctx, p.ReleaseID); err != nil {
		return err
	}
	if view.Outcome, err = s.outcomeView(ctx, p.Target, rv.Outcome); err != nil {
		return err
	}
	if p.PlanDigest != "" {
		pp, err := s.plan(ctx, p.PlanDigest)
		if err != nil {
			return err
		}
		view.Plan = pp.view()
	}
	return writeJSON(w, http.StatusOK, view)
}

func approvalView(rv *control.Review) wire.ApprovalView {
	pol := rv.Rules
	v := wire.ApprovalView{Mode: pol.Approval, Approvers: pol.Approvers, MinApprovals: pol.MinApprovals,
		ExpiresAt: rv.Promotion.ApprovalExpiresAt, MayDecide: rv.WhyNotDecide == nil, CommentMax: control.MaxComment,
		Counted: len(rv.Promotion.Counted())}
	if rv.Recorded {
		v.DecidedUnder = &rv.Rules
	}
	if v.Approvers == nil {
		v.Approvers = []string{}
	}
	if !v.MayDecide {
		v.WhyNot = fault.ErrorMessage(rv.WhyNotDecide)
	}
	return v
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	return s.decide(w, r, who, promotion.Approve)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	return s.decide(w, r, who, promotion.Reject)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, who policy.Identity, d promotion.Decision) error {
	var req wire.DecisionRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	p, err := s.Control.Decide(r.Context(), who, r.PathValue("id"), d, control.DecisionRequest{Comment: req.Comment, PlanDigest: req.PlanDigest})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req struct{}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	p, err := s.Control.Cancel(r.Context(), who, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func headerOf(id string, r *release.Release) wire.ReleaseHeader {
	h := wire.ReleaseHeader{ID: id, Name: r.Name, Source: r.Source, Checks: r.Checks, NodeCount: len(r.Nodes)}
	if h.Checks == nil {
		h.Checks = []release.Check{}
	}
	return h
}

// releaseHeader returns a release's header; releases are immutable, so headers
// are cached.
func (s *Server) releaseHeader(ctx context.Context, id string) (wire.ReleaseHeader, error) {
	if h, ok := s.headerCache.get(id); ok {
		return h, nil
	}
	r, err := s.Control.Release(ctx, id)
	if err != nil {
		return wire.ReleaseHeader{}, err
	}
	h := headerOf(id, r)
	s.headerCache.put(id, h)
	return h, nil
}

// plan returns a stored plan ready to page; plans are immutable, so they are
// cached.
func (s *Server) plan(ctx context.Context, digest string) (*pagedPlan, error) {
	if p, ok := s.planCache.get(digest); ok {
		return p, nil
	}
	p, err := s.Control.Plan(ctx, digest)
	if err != nil {
		return nil, err
	}
	pp := newPagedPlan(p)
	s.planCache.put(digest, pp)
	return pp, nil
}
