package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
	"github.com/ferrydev/ferry/internal/synth"
)

// BenchmarkPromotion times the store operations of one typical promotion of a
// 1,000-node release with about 1% changed, as the pipeline makes them: plan (read
// the environment, lock it, store the release and the plan, create the promotion),
// wait for approval, record the decision, apply (read the deployment, switch),
// verify and finish (save the smoke results, unlock), with an event at each step.
func BenchmarkPromotion(b *testing.B, s store.Store) {
	ctx := context.Background()
	base, _ := synth.Pair(1_000, 1)
	must(b, release.Validate("base", base, nil))
	must(b, s.PutRelease(ctx, base))
	must(b, s.CreateEnvironment(ctx, &environment.Environment{Name: "prod", CreatedAt: t0}))
	newPromotion(b, s, "p-initial", "prod", promotion.Applying, t0)
	_, err := s.Switch(ctx, store.SwitchRequest{Environment: "prod", ReleaseID: base.ID(), PromotionID: "p-initial",
		Nodes: refs(base, "prod"), State: promotion.Succeeded, Kind: environment.Promote, By: "ci", At: t0})
	must(b, err)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		_, cand := synth.Pair(1_000, uint64(i+2)) // a new candidate every time
		must(b, release.Validate("candidate", cand, nil))
		b.StartTimer()
		if err := promote(ctx, s, fmt.Sprintf("p%06d", i), cand, t0.Add(time.Duration(i+1)*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

func refs(r *release.Release, env string) []environment.NodeRef {
	out := make([]environment.NodeRef, len(r.Nodes))
	for i, n := range r.Nodes {
		out[i] = environment.NodeRef{Name: n.Name, Fingerprint: n.Fingerprint, BuiltIn: env}
	}
	return out
}

// promote makes one promotion of cand into prod, planned against what prod runs.
func promote(ctx context.Context, s store.Store, id string, cand *release.Release, now time.Time) error {
	event := func(typ string) error {
		return s.AppendEvent(ctx, id, promotion.Event{At: now, Type: promotion.EventType(typ), Message: typ})
	}
	// Plan.
	env, err := s.GetEnvironment(ctx, "prod")
	if err != nil {
		return err
	}
	if _, err := s.AcquireLock(ctx, "prod", id, now, time.Hour); err != nil {
		return err
	}
	if err := s.PutRelease(ctx, cand); err != nil {
		return err
	}
	live, err := s.GetRelease(ctx, env.Current.ReleaseID)
	if err != nil {
		return err
	}
	p, err := plan.Compute(plan.Input{Target: "prod", BaseVersion: env.Version, Base: live, Candidate: cand})
	if err != nil {
		return err
	}
	if err := s.PutPlan(ctx, p); err != nil {
		return err
	}
	pr := &promotion.Promotion{ID: id, Target: "prod", ReleaseID: cand.ID(), RequestedBy: "ci", Via: promotion.ViaCI,
		BaseVersion: env.Version, PlanDigest: p.Digest, Summary: &p.Summary, State: promotion.Planning, CreatedAt: now, UpdatedAt: now}
	if err := s.CreatePromotion(ctx, pr); err != nil {
		return err
	}
	if err := event("planned"); err != nil {
		return err
	}
	// Wait for approval; decide.
	pr.State, pr.TaskToken = promotion.AwaitingApproval, "token-"+id
	if err := s.SavePromotion(ctx, pr); err != nil {
		return err
	}
	if err := event("approval_requested"); err != nil {
		return err
	}
	decided, err := s.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", Decision: promotion.Approve, PlanDigest: p.Digest, At: now})
	if err != nil {
		return err
	}
	if err := event("approved"); err != nil {
		return err
	}
	// Apply.
	decided.State = promotion.Applying
	if err := s.SavePromotion(ctx, decided); err != nil {
		return err
	}
	if _, err := s.Deployment(ctx, "prod", env.Version); err != nil {
		return err
	}
	if _, err := s.Switch(ctx, store.SwitchRequest{Environment: "prod", BaseVersion: env.Version, ReleaseID: cand.ID(),
		PromotionID: id, Nodes: refs(cand, "prod"), State: promotion.Verifying, Kind: environment.Promote, By: "ana", At: now}); err != nil {
		return err
	}
	if err := event("applied"); err != nil {
		return err
	}
	// Verify and finish.
	done, err := s.GetPromotion(ctx, id)
	if err != nil {
		return err
	}
	done.State = promotion.Succeeded
	done.Smoke = []promotion.SmokeResult{{Check: "health", Passed: true, Status: 200, LatencyMS: 12, Attempts: 1, At: now}}
	finished := now
	done.FinishedAt = &finished
	if err := s.SavePromotion(ctx, done); err != nil {
		return err
	}
	if err := s.ReleaseLock(ctx, "prod", id); err != nil {
		return err
	}
	if err := event("finished"); err != nil {
		return err
	}
	return nil
}
