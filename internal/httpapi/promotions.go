package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// PromotionList is a page of promotions.
type PromotionList struct {
	Promotions    []*promotion.Promotion `json:"promotions"`
	NextPageToken string                 `json:"next_page_token,omitempty"`
}

// listPromotions lists an environment's promotions newest first
// (?environment=NAME, optionally &state=S), or the ones awaiting approval oldest
// first (?state=AWAITING_APPROVAL).
func (s *Server) listPromotions(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	env, state := r.URL.Query().Get("environment"), promotion.State(r.URL.Query().Get("state"))
	var list PromotionList
	switch {
	case env != "":
		list.Promotions, list.NextPageToken, err = s.Control.Pipeline.Store.ListPromotions(r.Context(), env, page)
		if state != "" {
			list.Promotions = slices.DeleteFunc(list.Promotions, func(p *promotion.Promotion) bool { return p.State != state })
		}
	case state == promotion.AwaitingApproval:
		list.Promotions, list.NextPageToken, err = s.Control.Pipeline.Store.PendingApprovals(r.Context(), page)
	default:
		return fault.Errorf(fault.Invalid, "name an environment (?environment=NAME) or ask for state=AWAITING_APPROVAL")
	}
	if err != nil {
		return err
	}
	if list.Promotions == nil {
		list.Promotions = []*promotion.Promotion{}
	}
	for _, p := range list.Promotions {
		p.Events = nil // a list shows states; the events come with each promotion
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *Server) startPromotion(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req control.StartRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	p, err := s.Control.Start(r.Context(), who, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}

// PromotionView is a promotion with what a reviewer needs to decide on it.
type PromotionView struct {
	Promotion *promotion.Promotion `json:"promotion"`
	Release   ReleaseHeader        `json:"release"`
	// Plan is nil until the promotion is planned.
	Plan     *plan.Plan   `json:"plan"`
	Approval ApprovalView `json:"approval"`
}

// ApprovalView says who may decide and how many must.
type ApprovalView struct {
	Mode         policy.Approval `json:"mode"`
	Approvers    []string        `json:"approvers"`
	MinApprovals int             `json:"min_approvals"`
	ExpiresAt    *time.Time      `json:"expires_at,omitempty"`
	// MayDecide says whether the caller may approve or reject now; WhyNot says
	// why not.
	MayDecide bool   `json:"may_decide"`
	WhyNot    string `json:"why_not,omitempty"`
}

func (s *Server) getPromotion(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	ctx := r.Context()
	st := s.Control.Pipeline.Store
	p, err := st.GetPromotion(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	env, err := st.GetEnvironment(ctx, p.Target)
	if err != nil {
		return err
	}
	view := PromotionView{Promotion: p, Approval: s.approvalView(p, env, who)}
	if view.Release, err = s.releaseHeader(ctx, p.ReleaseID); err != nil {
		return err
	}
	if p.PlanDigest != "" {
		if view.Plan, err = s.plan(ctx, p.PlanDigest); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, view)
}

func (s *Server) approvalView(p *promotion.Promotion, env *environment.Environment, who policy.Identity) ApprovalView {
	pol := env.Policy.WithDefaults()
	v := ApprovalView{Mode: pol.Approval, Approvers: pol.Approvers, MinApprovals: pol.MinApprovals, ExpiresAt: p.ApprovalExpiresAt}
	if v.Approvers == nil {
		v.Approvers = []string{}
	}
	if err := s.Control.MayDecide(p, env, who); err != nil {
		v.WhyNot = fault.ErrorMessage(err)
	} else {
		v.MayDecide = true
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
	var req control.DecisionRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	p, err := s.Control.Decide(r.Context(), who, r.PathValue("id"), d, req)
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

// ReleaseHeader is a release without its nodes.
type ReleaseHeader struct {
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"`
	Source    *release.Source `json:"source,omitempty"`
	Checks    []release.Check `json:"checks"`
	NodeCount int             `json:"node_count"`
}

func headerOf(id string, r *release.Release) ReleaseHeader {
	h := ReleaseHeader{ID: id, Name: r.Name, Source: r.Source, Checks: r.Checks, NodeCount: len(r.Nodes)}
	if h.Checks == nil {
		h.Checks = []release.Check{}
	}
	return h
}

// releaseHeader returns a release's header; releases are immutable, so headers
// are cached.
func (s *Server) releaseHeader(ctx context.Context, id string) (ReleaseHeader, error) {
	if h, ok := s.headerCache.get(id); ok {
		return h, nil
	}
	r, err := s.Control.Pipeline.Store.GetRelease(ctx, id)
	if err != nil {
		return ReleaseHeader{}, err
	}
	h := headerOf(id, r)
	s.headerCache.put(id, h)
	return h, nil
}

// plan returns a stored plan; plans are immutable, so they are cached.
func (s *Server) plan(ctx context.Context, digest string) (*plan.Plan, error) {
	if p, ok := s.planCache.get(digest); ok {
		return p, nil
	}
	p, err := s.Control.Pipeline.Store.GetPlan(ctx, digest)
	if err != nil {
		return nil, err
	}
	s.planCache.put(digest, p)
	return p, nil
}
