package control

import (
	"context"
	"slices"
	"strings"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// Environments returns every environment, by name, as who may see them (see
// seenBy).
func (s *Service) Environments(ctx context.Context, who policy.Identity) ([]*environment.Environment, error) {
	envs, err := s.Store.ListEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	for i, env := range envs {
		envs[i] = s.seenBy(who, env)
	}
	return envs, nil
}

// Environment returns an environment as who may see it (see seenBy). Codes:
// not_found.
func (s *Service) Environment(ctx context.Context, who policy.Identity, name string) (*environment.Environment, error) {
	env, err := s.Store.GetEnvironment(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.seenBy(who, env), nil
}

// seenBy is env as who may see it: whole for admins; for everyone else a copy
// with the policy's secrets redacted (policy.Policy.Redacted) and every URL in
// the recorded policy changes reduced to its host, for changes recorded before
// the change log left secrets out.
func (s *Service) seenBy(who policy.Identity, env *environment.Environment) *environment.Environment {
	if env == nil || s.IsAdmin(who) {
		return env
	}
	seen := *env
	seen.Policy = env.Policy.Redacted()
	seen.Changes = slices.Clone(env.Changes)
	for i, c := range seen.Changes {
		if strings.HasPrefix(c.What, policyChange) {
			seen.Changes[i].What = policy.RedactText(c.What)
		}
	}
	return &seen
}

// Overview is an environment with its recent past.
type Overview struct {
	Environment *environment.Environment
	// History is the newest versions, newest first.
	History []environment.VersionEntry
	// Promotions is the newest promotions, newest first.
	Promotions []*promotion.Promotion
}

// Overview returns an environment, as who may see it (see seenBy), with its
// newest versions and promotions, at most that many of each. Codes: not_found.
func (s *Service) Overview(ctx context.Context, who policy.Identity, name string, versions, promotions int) (*Overview, error) {
	env, err := s.Environment(ctx, who, name)
	if err != nil {
		return nil, err
	}
	o := &Overview{Environment: env}
	if o.History, _, err = s.Store.History(ctx, name, store.Page{Limit: versions}); err != nil {
		return nil, err
	}
	if o.Promotions, _, err = s.Store.ListPromotions(ctx, name, store.Page{Limit: promotions}); err != nil {
		return nil, err
	}
	return o, nil
}

// History returns a page of an environment's versions, newest first, and the
// next page's token. Codes: not_found, invalid (bad page token).
func (s *Service) History(ctx context.Context, name string, page store.Page) ([]environment.VersionEntry, string, error) {
	if _, err := s.Store.GetEnvironment(ctx, name); err != nil {
		return nil, "", err
	}
	return s.Store.History(ctx, name, page)
}

// Promotions returns a page of an environment's promotions, newest first, and
// the next page's token. Codes: invalid (bad page token).
func (s *Service) Promotions(ctx context.Context, env string, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.Store.ListPromotions(ctx, env, page)
}

// Pending returns a page of the promotions awaiting approval, oldest first, and
// the next page's token. Codes: invalid (bad page token).
func (s *Service) Pending(ctx context.Context, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.Store.PendingApprovals(ctx, page)
}

// Review is a promotion with what the one asking may do about it now.
type Review struct {
	Promotion *promotion.Promotion
	// Rules are the approval rules the promotion is decided under: its snapshot,
	// once planned; before that, the target environment's policy as it is now.
	Rules policy.Snapshot
	// Recorded says whether Rules is the promotion's snapshot.
	Recorded bool
	// WhyNotDecide is why the caller may not approve or reject now (MayDecide);
	// nil when it may.
	WhyNotDecide error
	// WhyNotCancel is why the caller may not cancel (MayCancel); nil when it may.
	WhyNotCancel error
	// Evidence is what the upstream environment shows of the release; nil
	// without one.
	Evidence *Evidence
	// Outcome says how it ended; nil while it runs.
	Outcome *Outcome
}

// Review returns promotion id as who sees it, with the upstream evidence and,
// once it ended, its outcome. Codes: not_found.
func (s *Service) Review(ctx context.Context, who policy.Identity, id string) (*Review, error) {
	p, env, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	rv := &Review{Promotion: p, Rules: env.Policy.Snapshot(), WhyNotDecide: s.MayDecide(p, who), WhyNotCancel: s.MayCancel(p, who),
		Outcome: OutcomeOf(p, env)}
	if rv.Evidence, err = s.Evidence(ctx, p, env); err != nil {
		return nil, err
	}
	if p.Snapshot != nil {
		rv.Rules, rv.Recorded = *p.Snapshot, true
	}
	return rv, nil
}

// PlanDigest returns the digest of promotion id's plan, for the reads of its
// pages, which need nothing else of it. Codes: not_found (also while it is not
// planned yet).
func (s *Service) PlanDigest(ctx context.Context, id string) (string, error) {
	p, err := s.Store.GetPromotion(ctx, id)
	if err != nil {
		return "", err
	}
	if p.PlanDigest == "" {
		return "", fault.Errorf(fault.NotFound, "promotion %s is not planned yet", p.ID)
	}
	return p.PlanDigest, nil
}

// Plan returns a stored plan. Codes: not_found.
func (s *Service) Plan(ctx context.Context, digest string) (*plan.Plan, error) {
	return s.Store.GetPlan(ctx, digest)
}

// Preview plans a stored release, or what the source environment runs, against
// what env runs now, without starting anything or storing the plan.
// Codes: invalid, not_found.
func (s *Service) Preview(ctx context.Context, env, releaseID, source string) (*plan.Plan, error) {
	if (releaseID == "") == (source == "") {
		return nil, fault.Errorf(fault.Invalid, "name either release_id or source, not both or neither")
	}
	target, err := s.Store.GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if source != "" {
		if releaseID, err = s.sourceRelease(ctx, source); err != nil {
			return nil, err
		}
	}
	base := ""
	if target.Current != nil {
		base = target.Current.ReleaseID
	}
	return s.planReleases(ctx, plan.Input{Target: target.Name, BaseVersion: target.Version}, base, releaseID)
}

// planReleases computes in with the stored releases base ("" for none) and
// candidate. Codes: not_found.
func (s *Service) planReleases(ctx context.Context, in plan.Input, base, candidate string) (*plan.Plan, error) {
	var err error
	if in.Candidate, err = s.Store.GetRelease(ctx, candidate); err != nil {
		return nil, err
	}
	if base != "" {
		if in.Base, err = s.Store.GetRelease(ctx, base); err != nil {
			return nil, err
		}
	}
	return plan.Compute(in)
}
