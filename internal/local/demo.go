package local

import (
	"context"
	"io/fs"
	"strings"
	"time"

	ferry "github.com/ferrydev/ferry"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// DemoEnvironments are what Seed creates, upstream first.
var DemoEnvironments = []string{"dev", "staging", "prod", "perf", "pr-42"}

// Seed fills an empty system with a demo a newcomer can promote in a minute:
// the pipeline dev (no approval) → staging (approval for breaking changes) →
// prod (two approvals, unit tests required), with perf also after staging,
// frozen for a load test, and pr-42, an ephemeral preview of dev. All run
// release v1.3.0 as built once in dev; then v1.4.0 is promoted to dev, and to
// staging, where it waits for an approval holding staging's lock, and pr-42 runs
// it too. So the board shows a drift (dev → staging), lanes in sync, a lock, a
// freeze and an expiry. A system that has environments already is left alone.
func Seed(ctx context.Context, s *System) error {
	envs, err := s.Store.ListEnvironments(ctx)
	if err != nil || len(envs) > 0 {
		return err
	}
	v1, err := exampleRelease("examples/v1.yaml")
	if err != nil {
		return err
	}
	v2, err := exampleRelease("examples/v2.yaml")
	if err != nil {
		return err
	}
	for _, r := range []*release.Release{v1, v2} {
		if err := s.Store.PutRelease(ctx, r); err != nil {
			return err
		}
	}
	policies := map[string]policy.Policy{
		"dev":     {Approval: policy.Never},
		"staging": {Approval: policy.Breaking, Approvers: []string{"ana", "bo", "group:reviewers"}, Upstream: "dev"},
		"prod": {Approval: policy.Always, Approvers: []string{"ana", "bo", "group:sre"}, MinApprovals: 2,
			RequiredChecks: []string{"unit-tests"}, Upstream: "staging"},
		"perf":  {Approval: policy.Always, Approvers: []string{"ana", "bo"}, Upstream: "staging"},
		"pr-42": {Approval: policy.Never, Upstream: "dev", TTL: policy.Duration(3 * 24 * time.Hour)},
	}
	now := s.Pipeline.Now()
	for _, name := range DemoEnvironments {
		env := &environment.Environment{Name: name, Policy: policies[name], CreatedAt: now, UpdatedAt: now}
		if name == "pr-42" {
			expires := now.Add(policies[name].TTL.D())
			env.Ephemeral, env.ExpiresAt = true, &expires
		}
		if err := s.Store.CreateEnvironment(ctx, env); err != nil {
			return err
		}
		runs := v1
		if name == "pr-42" {
			runs = v2
		}
		if err := seedDeployment(ctx, s.Store, name, runs, now); err != nil {
			return err
		}
	}
	if err := freeze(ctx, s.Store, "perf", environment.Freeze{Owner: "ops", Reason: "load test of the v1.3.0 baseline",
		Until: now.Add(48 * time.Hour)}, now); err != nil {
		return err
	}
	for _, env := range []string{"dev", "staging"} {
		if err := s.Promote(ctx, demoID(v2, env), env, v2.ID(), "demo", promotion.ViaCLI); err != nil {
			return err
		}
		s.Emulator.Settle()
	}
	return nil
}

// freeze freezes env as its owner would, recording the change.
func freeze(ctx context.Context, st store.Store, name string, f environment.Freeze, now time.Time) error {
	env, err := st.GetEnvironment(ctx, name)
	if err != nil {
		return err
	}
	env.Freeze = &f
	env.Record(environment.Change{At: now, By: f.Owner, What: "frozen until " + f.Until.UTC().Format(time.RFC3339) + ": " + f.Reason})
	return st.SaveEnvironment(ctx, env)
}

func exampleRelease(path string) (*release.Release, error) {
	data, err := fs.ReadFile(ferry.Examples, path)
	if err != nil {
		return nil, err
	}
	return release.Parse(path, data)
}

// demoID names the demo's promotion of r into env: demo-v1-4-0-staging (a
// promotion id has no dots).
func demoID(r *release.Release, env string) string {
	return "demo-" + strings.ReplaceAll(r.Name, ".", "-") + "-" + env
}

// seedDeployment records that env runs r since a week, every node built in dev.
func seedDeployment(ctx context.Context, st store.Store, env string, r *release.Release, now time.Time) error {
	at := now.Add(-7 * 24 * time.Hour)
	id := demoID(r, env)
	p := &promotion.Promotion{ID: id, Target: env, ReleaseID: r.ID(), RequestedBy: "demo", Via: promotion.ViaCLI,
		State: promotion.Applying, CreatedAt: at, UpdatedAt: at}
	if err := st.CreatePromotion(ctx, p); err != nil {
		return err
	}
	refs := make([]environment.NodeRef, len(r.Nodes))
	for i, n := range r.Nodes {
		refs[i] = environment.NodeRef{Name: n.Name, Fingerprint: n.Fingerprint, BuiltIn: "dev"}
	}
	if _, err := st.Switch(ctx, store.SwitchRequest{Environment: env, ReleaseID: r.ID(), Nodes: refs, PromotionID: id,
		State: promotion.Succeeded, Kind: environment.Promote, Reason: "demo seed", By: "demo", At: at}); err != nil {
		return err
	}
	done, err := st.GetPromotion(ctx, id)
	if err != nil {
		return err
	}
	done.FinishedAt = &at
	return st.SavePromotion(ctx, done)
}
