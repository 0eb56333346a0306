package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// Gates.
const (
	// GateAuto: the promotion applies without waiting.
	GateAuto = "auto"
	// GateManual: the promotion waits for approval.
	GateManual = "manual"
)

// PlanOutput is what Plan tells the state machine.
type PlanOutput struct {
	PromotionID string `json:"promotion_id"`
	// Changes is false when the plan changes nothing: the promotion ends NO_CHANGES.
	Changes bool `json:"changes"`
	// Gate is GateManual when the promotion waits for approval, else GateAuto.
	Gate string `json:"gate"`
	// ApprovalTimeoutSeconds is how long the approval step waits.
	ApprovalTimeoutSeconds int64 `json:"approval_timeout_seconds"`
}

// Plan locks the target environment, checks the policy's gates, computes and stores
// the plan, records the policy's approval rules the promotion is decided under
// (its snapshot, kept from the first run on a retry) and decides whether the
// promotion waits for approval.
func (pl *Pipeline) Plan(ctx context.Context, in Input) (*PlanOutput, error) {
	res, err := pl.plan(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) plan(ctx context.Context, in Input) (*PlanOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	if p.State.Final() {
		return nil, &StepFailed{Msg: fmt.Sprintf("promotion %s is %s: there is nothing to plan", p.ID, p.State)}
	}
	snap := env.Policy.Snapshot()
	if p.Snapshot != nil { // a retry: the rules recorded by the first run stay
		snap = *p.Snapshot
	}
	now := pl.Now()
	if err := frozen(env, p, now); err != nil {
		return nil, err
	}
	if _, err := pl.Store.AcquireLock(ctx, env.Name, p.ID, now, snap.ApprovalTimeout.D()+LockMargin); err != nil {
		if fault.ErrorCode(err) == fault.Conflict {
			return nil, &EnvironmentLocked{Msg: fault.ErrorMessage(err)}
		}
		return nil, err
	}
	cand, err := pl.Store.GetRelease(ctx, p.ReleaseID)
	if err != nil {
		return nil, err
	}
	if err := requiredChecks(snap, cand); err != nil {
		return nil, err
	}
	if err := pl.soak(ctx, env.Policy, cand, now); err != nil {
		return nil, err
	}
	computed, err := pl.computePlan(ctx, p, env, cand)
	if err != nil {
		return nil, err
	}
	manual, why := approvalGate(snap, computed.Summary, cand)
	res := &PlanOutput{PromotionID: p.ID, Changes: computed.Summary.Changed() > 0, Gate: GateAuto,
		ApprovalTimeoutSeconds: int64(snap.ApprovalTimeout.D() / time.Second)}
	if manual {
		res.Gate = GateManual
	}
	if _, err := pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		if p.State.Final() { // cancelled while it was being planned
			return &StepFailed{Msg: fmt.Sprintf("promotion %s is %s: there is nothing to plan", p.ID, p.State)}
		}
		p.BaseVersion, p.PlanDigest, p.Summary, p.Snapshot = computed.BaseVersion, computed.Digest, &computed.Summary, &snap
		return nil
	}); err != nil {
		return nil, err
	}
	return res, pl.event(ctx, p.ID, promotion.EventPlanned, "ferry", "planned against version %d: %s; %s",
		computed.BaseVersion, summaryText(computed.Summary), why)
}

// computePlan plans the candidate against what env runs and stores the plan; a
// promotion planned already (a retry) gets its stored plan back.
func (pl *Pipeline) computePlan(ctx context.Context, p *promotion.Promotion, env *environment.Environment, cand *release.Release) (*plan.Plan, error) {
	if p.PlanDigest != "" {
		return pl.Store.GetPlan(ctx, p.PlanDigest)
	}
	var base *release.Release
	if env.Current != nil {
		var err error
		if base, err = pl.Store.GetRelease(ctx, env.Current.ReleaseID); err != nil {
			return nil, err
		}
	}
	computed, err := plan.Compute(plan.Input{Target: env.Name, BaseVersion: env.Version, Base: base, Candidate: cand})
	if err != nil {
		return nil, err
	}
	return computed, pl.Store.PutPlan(ctx, computed)
}
