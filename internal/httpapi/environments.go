package httpapi

import (
	"net/http"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// How much of an environment's past GET /api/environments/{name} shows.
const (
	recentVersions   = 20
	recentPromotions = 10
)

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	envs, err := s.Control.Pipeline.Store.ListEnvironments(r.Context())
	if err != nil {
		return err
	}
	if envs == nil {
		envs = []*environment.Environment{}
	}
	return writeJSON(w, http.StatusOK, EnvironmentList{Environments: envs})
}

// EnvironmentList is every environment, by name.
type EnvironmentList struct {
	Environments []*environment.Environment `json:"environments"`
}

// HistoryPage is a page of an environment's versions, newest first.
type HistoryPage struct {
	History       []environment.VersionEntry `json:"history"`
	NextPageToken string                     `json:"next_page_token,omitempty"`
}

// EnvironmentView is an environment with its recent past.
type EnvironmentView struct {
	Environment *environment.Environment `json:"environment"`
	// History is the newest versions, newest first; /history pages through all.
	History    []environment.VersionEntry `json:"history"`
	Promotions []*promotion.Promotion     `json:"promotions"`
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	ctx, st, name := r.Context(), s.Control.Pipeline.Store, r.PathValue("name")
	env, err := st.GetEnvironment(ctx, name)
	if err != nil {
		return err
	}
	view := EnvironmentView{Environment: env}
	if view.History, _, err = st.History(ctx, name, store.Page{Limit: recentVersions}); err != nil {
		return err
	}
	if view.Promotions, _, err = st.ListPromotions(ctx, name, store.Page{Limit: recentPromotions}); err != nil {
		return err
	}
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
	ctx, st, name := r.Context(), s.Control.Pipeline.Store, r.PathValue("name")
	if _, err := st.GetEnvironment(ctx, name); err != nil {
		return err
	}
	entries, next, err := st.History(ctx, name, page)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []environment.VersionEntry{}
	}
	return writeJSON(w, http.StatusOK, HistoryPage{History: entries, NextPageToken: next})
}

// previewPlan plans ?release_id= or ?source= against what the environment runs,
// without starting a promotion.
func (s *Server) previewPlan(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	q := r.URL.Query()
	p, err := s.Control.Preview(r.Context(), r.PathValue("name"), q.Get("release_id"), q.Get("source"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) putEnvironment(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	var req control.EnvironmentRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	env, created, err := s.Control.PutEnvironment(r.Context(), who, r.PathValue("name"), req)
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

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	env, err := s.Control.Pipeline.Store.GetEnvironment(r.Context(), r.PathValue("name"))
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
	var req struct {
		// TTL is the new time to live from now; the policy's ttl when empty.
		TTL policy.Duration `json:"ttl,omitempty"`
	}
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
	var req control.FreezeRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	env, err := s.Control.Freeze(r.Context(), who, r.PathValue("name"), req)
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
	var req struct {
		// ToVersion is the version whose release to go back to; the previous one
		// when 0.
		ToVersion int64 `json:"to_version,omitempty"`
	}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	p, err := s.Control.Rollback(r.Context(), who, r.PathValue("name"), req.ToVersion)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}
