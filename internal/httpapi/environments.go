package httpapi

import (
	"net/http"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// How much of an environment's past GET /api/environments/{name} shows.
const (
	recentVersions   = 20
	recentPromotions = 10
)

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	envs, err := s.Control.Environments(r.Context(), who)
	if err != nil {
		return err
	}
	if envs == nil {
		envs = []*environment.Environment{}
	}
	return writeJSON(w, http.StatusOK, wire.EnvironmentList{Environments: envs})
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	o, err := s.Control.Overview(r.Context(), who, r.PathValue("name"), recentVersions, recentPromotions)
	if err != nil {
		return err
	}
	view := wire.EnvironmentView{Environment: o.Environment, History: o.History, Promotions: o.Promotions}
	for _, p := range view.Promotions {
		p.Events = nil
	}
	if view.History == nil {
		view.History = []environment.VersionEntry{}
	}
	if view.Promotions == nil {
		view.Promotions = []*promotion.Promotion{}
	}
	return writeJSON(w, http.StatusOK, view)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	entries, next, err := s.Control.History(r.Context(), r.PathValue("name"), page)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []environment.VersionEntry{}
	}
	return writeJSON(w, http.StatusOK, wire.HistoryPage{History: entries, NextPageToken: next})
}

// previewPlan plans ?release_id= or ?source= against what the environment runs,
// without starting a promotion, and answers it with the first page of each
// list; with ?list= it answers that page of the list instead (see
// wire.PlanPage), with ?node= or ?impact= that question (plannodes.go). A preview is computed again for each page: a client checks
// that every page carries the same digest.
func (s *Server) previewPlan(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	q := r.URL.Query()
	pq, err := planQueryOf(r)
	if err != nil {
		return err
	}
	p, err := s.Control.Preview(r.Context(), r.PathValue("name"), q.Get("release_id"), q.Get("source"))
	if err != nil {
		return err
	}
	pp := newPagedPlan(p)
	if answer, asked, err := s.planQuestion(r.Context(), r, pp); asked {
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, answer)
	}
	if q.Has("list") {
		return writeJSON(w, http.StatusOK, pp.page(pq))
	}
	return writeJSON(w, http.StatusOK, pp.view())
}

func (s *Server) putEnvironment(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req wire.EnvironmentRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	env, created, err := s.Control.PutEnvironment(r.Context(), who, r.PathValue("name"),
		control.EnvironmentRequest{Policy: req.Policy, Ephemeral: req.Ephemeral})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, env)
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	if err := s.Control.DeleteEnvironment(r.Context(), who, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	env, err := s.Control.Environment(r.Context(), who, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, env.Policy)
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var pol policy.Policy
	if err := decode(w, r, MaxBody, &pol); err != nil {
		return err
	}
	env, err := s.Control.SetPolicy(r.Context(), who, r.PathValue("name"), pol)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, env.Policy)
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req wire.ExtendRequest
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	env, err := s.Control.Extend(r.Context(), who, r.PathValue("name"), req.TTL.D())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, env)
}

func (s *Server) freeze(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req wire.FreezeRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	env, err := s.Control.Freeze(r.Context(), who, r.PathValue("name"), control.FreezeRequest{Reason: req.Reason, Until: req.Until})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, env)
}

func (s *Server) unfreeze(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	env, err := s.Control.Unfreeze(r.Context(), who, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, env)
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req wire.RollbackRequest
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	p, err := s.Control.Rollback(r.Context(), who, r.PathValue("name"), req.ToVersion)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}
