package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
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
	PromotionID            string `json:"promotion_id"`
	Changes                bool   `json:"changes"`
	Gate                   string `json:"gate"`
	ApprovalTimeoutSeconds int64  `json:"approval_timeout_seconds"`
}

// Plan locks the target environment, checks the policy's gates, computes and stores
// the plan and decides whether the promotion waits for approval.
func (pl *Pipeline) Plan(ctx context.Context, in Input) (*PlanOutput, error) {
	res, err := pl.plan(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) plan(ctx context.Context, in Input) (*PlanOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	pol := env.Policy.WithDefaults()
	now := pl.Now()
	if err := frozen(env, p, now); err != nil {
		return nil, err
	}
	if _, err := pl.Store.AcquireLock(ctx, env.Name, p.ID, now, pol.ApprovalTimeout.D()+LockMargin); err != nil {
		if fault.ErrorCode(err) == fault.Conflict {
			return nil, &EnvironmentLocked{Msg: fault.ErrorMessage(err)}
		}
		return nil, err
	}
	cand, err := pl.Store.GetRelease(ctx, p.ReleaseID)
	if err != nil {
		return nil, err
	}
	if err := requiredChecks(pol, cand); err != nil {
		return nil, err
	}
	if err := pl.soak(ctx, pol, cand, now); err != nil {
		return nil, err
	}
	computed, err := pl.computePlan(ctx, p, env, cand)
	if err != nil {
		return nil, err
	}
	manual, why := approvalGate(pol, computed, cand)
	res := &PlanOutput{PromotionID: p.ID, Changes: computed.Summary.Changed() > 0, Gate: GateAuto,
		ApprovalTimeoutSeconds: int64(pol.ApprovalTimeout.D() / time.Second)}
	if manual {
		res.Gate = GateManual
	}
	if _, err := pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		p.BaseVersion, p.PlanDigest, p.Summary = computed.BaseVersion, computed.Digest, &computed.Summary
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

// frozen refuses a promotion into a frozen environment, except a rollback when the
// policy allows it.
func frozen(env *environment.Environment, p *promotion.Promotion, now time.Time) error {
	if !env.Freeze.Active(now) || (p.Via == promotion.ViaRollback && env.Policy.AllowFrozenRollback) {
		return nil
	}
	f := env.Freeze
	return &EnvironmentFrozen{Msg: fmt.Sprintf("environment %s is frozen by %s until %s: %s",
		env.Name, f.Owner, f.Until.UTC().Format(time.RFC3339), f.Reason)}
}

// requiredChecks fails unless every check the policy requires passed.
func requiredChecks(pol policy.Policy, r *release.Release) error {
	var missing, failed []string
	for _, name := range pol.RequiredChecks {
		i := slices.IndexFunc(r.Checks, func(c release.Check) bool { return c.Name == name })
		switch {
		case i < 0:
			missing = append(missing, name)
		case r.Checks[i].Status != release.CheckPassed:
			failed = append(failed, fmt.Sprintf("%s (%s)", name, r.Checks[i].Status))
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing: "+strings.Join(missing, ", "))
	}
	if len(failed) > 0 {
		parts = append(parts, "not passed: "+strings.Join(failed, ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	return &ChecksFailed{Msg: "required checks " + strings.Join(parts, "; ")}
}

// soak fails unless the release has been live upstream for the policy's soak.
func (pl *Pipeline) soak(ctx context.Context, pol policy.Policy, r *release.Release, now time.Time) error {
	if pol.Upstream == "" || pol.Soak <= 0 {
		return nil
	}
	history, _, err := pl.Store.History(ctx, pol.Upstream, store.Page{Limit: SoakHistory})
	if err != nil {
		return err
	}
	live, ever := liveFor(history, r.ID(), now)
	switch {
	case !ever:
		return &SoakNotMet{Msg: fmt.Sprintf("release %s has not been live in %s; the policy requires %s there first",
			r.Label(r.ID()), pol.Upstream, pol.Soak)}
	case live < pol.Soak.D():
		return &SoakNotMet{Msg: fmt.Sprintf("release %s has been live in %s for %s; the policy requires %s",
			r.Label(r.ID()), pol.Upstream, live.Truncate(time.Second), pol.Soak)}
	}
	return nil
}

// liveFor returns the longest time releaseID ran in an environment, given its
// history newest first, and whether it ever ran there.
func liveFor(history []environment.VersionEntry, releaseID string, now time.Time) (time.Duration, bool) {
	var longest time.Duration
	ever := false
	for i, e := range history {
		if e.ReleaseID != releaseID {
			continue
		}
		ever = true
		end := now
		if i > 0 {
			end = history[i-1].At
		}
		longest = max(longest, end.Sub(e.At))
	}
	return longest, ever
}

// approvalGate decides whether a promotion waits for people, and says why.
func approvalGate(pol policy.Policy, p *plan.Plan, r *release.Release) (bool, string) {
	if r.Source != nil && strings.Contains(r.Source.Message, pol.HoldMarker) {
		return true, fmt.Sprintf("held: the source message contains %s", pol.HoldMarker)
	}
	switch pol.Approval {
	case policy.Never:
		return false, "the policy needs no approval"
	case policy.Breaking:
		if p.Summary.Breaking > 0 || p.Summary.Removed > 0 {
			return true, "breaking or removed nodes need approval"
		}
		return false, "no breaking or removed nodes: no approval needed"
	}
	return true, "the policy needs approval"
}

func summaryText(s plan.Summary) string {
	return fmt.Sprintf("%d breaking, %d removed, %d non-breaking, %d added, %d metadata, %d indirect",
		s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Indirect)
}

// Approval stores the approval step's task token with the promotion (it is never
// logged or returned), sets AWAITING_APPROVAL and asks the approvers.
func (pl *Pipeline) Approval(ctx context.Context, in Input) error {
	return classify(pl.approval(ctx, in))
}

func (pl *Pipeline) approval(ctx context.Context, in Input) error {
	if in.TaskToken == "" {
		return &StepFailed{Msg: "approval: no task token"}
	}
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	pol := env.Policy.WithDefaults()
	expires := pl.Now().Add(pol.ApprovalTimeout.D())
	if p.ApprovalExpiresAt != nil { // a retry: the wait started then
		expires = *p.ApprovalExpiresAt
	}
	if p, err = pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		if p.State.Final() { // cancelled while it was being planned
			return &StepFailed{Msg: fmt.Sprintf("promotion %s is %s: it waits for nobody", p.ID, p.State)}
		}
		p.State, p.TaskToken, p.ApprovalExpiresAt = promotion.AwaitingApproval, in.TaskToken, &expires
		return nil
	}); err != nil {
		return err
	}
	if err := pl.event(ctx, p.ID, promotion.EventApprovalRequested, "ferry", "waiting for %d approval(s) from %s until %s",
		pol.MinApprovals, strings.Join(pol.Approvers, ", "), expires.UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	summary := "no plan"
	if p.Summary != nil {
		summary = summaryText(*p.Summary)
	}
	pl.notifyAll(ctx, env, p.ID, fmt.Sprintf("Ferry: promotion %s to *%s* awaits approval (%s). Approvers: %s, %d needed. Expires %s. <%s|Review the plan>",
		slack(p.ID), slack(env.Name), slack(summary), slack(strings.Join(pol.Approvers, ", ")), pol.MinApprovals,
		expires.UTC().Format(time.RFC3339), pl.pageLink(p.ID)))
	return nil
}

// Apply switches the environment to the promotion's release in one atomic step,
// keeping the references of unchanged nodes, then calls the deploy hook.
func (pl *Pipeline) Apply(ctx context.Context, in Input) error {
	return classify(pl.apply(ctx, in))
}

func (pl *Pipeline) apply(ctx context.Context, in Input) error {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	now := pl.Now()
	if env.Current == nil || env.Current.PromotionID != p.ID { // not switched yet (else: a retry)
		if err := frozen(env, p, now); err != nil {
			return err
		}
		if env.Version != p.BaseVersion {
			return &PlanStale{Msg: fmt.Sprintf("plan stale: environment %s is at version %d, the plan was made against version %d",
				env.Name, env.Version, p.BaseVersion)}
		}
		refs, err := pl.references(ctx, p, env)
		if err != nil {
			return err
		}
		if len(p.Approvals) > 0 {
			pl.notifyAll(ctx, env, p.ID, approvedText(p, env.Name))
		}
		if _, err := pl.Store.Switch(ctx, store.SwitchRequest{Environment: env.Name, BaseVersion: p.BaseVersion, ReleaseID: p.ReleaseID,
			Nodes: refs, PromotionID: p.ID, State: promotion.Applying, Kind: environment.Promote,
			Reason: switchReason(p), By: approvers(p), At: now}); err != nil {
			return err
		}
		if err := pl.event(ctx, p.ID, promotion.EventApplied, "ferry", "environment %s switched to version %d", env.Name, p.BaseVersion+1); err != nil {
			return err
		}
	}
	if _, err := pl.Store.AcquireLock(ctx, env.Name, p.ID, now, LockMargin); err != nil {
		return err
	}
	if err := pl.callHook(ctx, p, env); err != nil {
		_ = pl.event(ctx, p.ID, promotion.EventDeployHookFailed, "ferry", "%v", err)
		return err
	}
	_, err = pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		p.State = promotion.Verifying
		return nil
	})
	return err
}

// switchReason is what an environment's history says of a promotion's switch.
func switchReason(p *promotion.Promotion) string {
	if p.Via == promotion.ViaRollback {
		return "rollback by " + p.RequestedBy + ", promotion " + p.ID
	}
	return "promotion " + p.ID
}

// approvers names who approved a promotion, or who requested it when nobody had to.
func approvers(p *promotion.Promotion) string {
	names := p.Decided(promotion.Approve)
	if len(names) == 0 {
		return p.RequestedBy
	}
	return strings.Join(names, ", ")
}

// references builds the new deployment: a node keeps the environment's reference
// when it runs the same fingerprint (a virtual reference), takes the source
// environment's when that one runs it, and is otherwise built by the target.
func (pl *Pipeline) references(ctx context.Context, p *promotion.Promotion, env *environment.Environment) ([]environment.NodeRef, error) {
	cand, err := pl.Store.GetRelease(ctx, p.ReleaseID)
	if err != nil {
		return nil, err
	}
	current, err := pl.deployment(ctx, env)
	if err != nil {
		return nil, err
	}
	var source map[string]environment.NodeRef
	if p.Source != "" {
		src, err := pl.Store.GetEnvironment(ctx, p.Source)
		if err != nil {
			return nil, err
		}
		if source, err = pl.deployment(ctx, src); err != nil {
			return nil, err
		}
	}
	refs := make([]environment.NodeRef, len(cand.Nodes))
	for i, n := range cand.Nodes {
		switch r, ok := current[n.Name]; {
		case ok && r.Fingerprint == n.Fingerprint:
			refs[i] = r
		default:
			refs[i] = environment.NodeRef{Name: n.Name, Fingerprint: n.Fingerprint, BuiltIn: env.Name}
			if s, ok := source[n.Name]; ok && s.Fingerprint == n.Fingerprint {
				refs[i].BuiltIn = s.BuiltIn
			}
		}
	}
	return refs, nil
}

// deployment returns what env runs, by node name; empty before its first deployment.
func (pl *Pipeline) deployment(ctx context.Context, env *environment.Environment) (map[string]environment.NodeRef, error) {
	out := map[string]environment.NodeRef{}
	if env.Version == 0 {
		return out, nil
	}
	refs, err := pl.Store.Deployment(ctx, env.Name, env.Version)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		out[r.Name] = r
	}
	return out, nil
}

// HookPayload is the change set a deploy hook receives.
type HookPayload struct {
	PromotionID string        `json:"promotion_id"`
	Environment string        `json:"environment"`
	Version     int64         `json:"version"`
	ReleaseID   string        `json:"release_id"`
	PlanDigest  string        `json:"plan_digest"`
	Summary     *plan.Summary `json:"summary,omitempty"`
	RequestedBy string        `json:"requested_by"`
	ApprovedBy  string        `json:"approved_by"`
}

func (pl *Pipeline) callHook(ctx context.Context, p *promotion.Promotion, env *environment.Environment) error {
	hook := env.Policy.DeployHook
	if hook == nil {
		return nil
	}
	secret, err := pl.Secret(hook.SecretRef)
	if err != nil {
		return &DeployHookFailed{Msg: err.Error()}
	}
	body, err := json.Marshal(HookPayload{PromotionID: p.ID, Environment: env.Name, Version: p.BaseVersion + 1,
		ReleaseID: p.ReleaseID, PlanDigest: p.PlanDigest, Summary: p.Summary, RequestedBy: p.RequestedBy, ApprovedBy: approvers(p)})
	if err != nil {
		return err
	}
	if err := pl.Hooks.Post(ctx, hook.URL, secret, body, p.ID); err != nil {
		return &DeployHookFailed{Msg: err.Error()}
	}
	return nil
}

// SmokeOutput is what Smoke tells the state machine.
type SmokeOutput struct {
	PromotionID string `json:"promotion_id"`
	Passed      bool   `json:"passed"`
}

// Smoke runs the policy's smoke checks and records their results.
func (pl *Pipeline) Smoke(ctx context.Context, in Input) (*SmokeOutput, error) {
	res, err := pl.smoke(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) smoke(ctx context.Context, in Input) (*SmokeOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	results := pl.Checks.Run(ctx, env.Policy.Smoke)
	passed := true
	var failed []string
	for _, r := range results {
		if !r.Passed {
			passed = false
			failed = append(failed, fmt.Sprintf("%s (%s)", r.Check, r.Error))
		}
	}
	if _, err := pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
		p.Smoke = results
		return nil
	}); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("%d smoke check(s) passed", len(results))
	typ := promotion.EventVerified
	if !passed {
		typ, msg = promotion.EventSmokeFailed, "smoke checks failed: "+strings.Join(failed, "; ")
	}
	return &SmokeOutput{PromotionID: p.ID, Passed: passed}, pl.event(ctx, p.ID, typ, "ferry", "%s", msg)
}

// RollbackOutput is what Rollback tells the state machine.
type RollbackOutput struct {
	PromotionID string `json:"promotion_id"`
	RolledBack  bool   `json:"rolled_back"`
}

// Rollback puts the environment back on its previous deployment when this
// promotion switched it, recording the switch back as a version of its own.
func (pl *Pipeline) Rollback(ctx context.Context, in Input) (*RollbackOutput, error) {
	res, err := pl.rollback(ctx, in)
	return res, classify(err)
}

func (pl *Pipeline) rollback(ctx context.Context, in Input) (*RollbackOutput, error) {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return nil, err
	}
	res := &RollbackOutput{PromotionID: p.ID}
	skip := func(why string) (*RollbackOutput, error) {
		return res, pl.event(ctx, p.ID, promotion.EventRollbackSkipped, "ferry", "%s", why)
	}
	if env.Current == nil || env.Current.PromotionID != p.ID {
		return skip("nothing to roll back: this promotion did not switch the environment")
	}
	history, _, err := pl.Store.History(ctx, env.Name, store.Page{Limit: 2})
	if err != nil {
		return nil, err
	}
	if history[0].Kind == environment.Rollback { // a retry of a rollback that happened
		res.RolledBack = true
		return res, nil
	}
	if !env.Policy.RollsBack() {
		return skip(fmt.Sprintf("auto_rollback is off: environment %s stays at version %d", env.Name, env.Version))
	}
	if len(history) < 2 {
		return skip(fmt.Sprintf("environment %s has no previous deployment: it stays at version %d", env.Name, env.Version))
	}
	prev := history[1]
	refs, err := pl.Store.Deployment(ctx, env.Name, prev.Version)
	if err != nil {
		return nil, err
	}
	reason := rollbackReason(in, p)
	if _, err := pl.Store.Switch(ctx, store.SwitchRequest{Environment: env.Name, BaseVersion: env.Version, ReleaseID: prev.ReleaseID,
		Nodes: refs, PromotionID: p.ID, State: promotion.RolledBack, Kind: environment.Rollback, Reason: reason,
		By: "ferry", At: pl.Now()}); err != nil {
		return nil, err
	}
	res.RolledBack = true
	return res, pl.event(ctx, p.ID, promotion.EventRolledBack, "ferry", "environment %s back on the release of version %d, as version %d: %s",
		env.Name, prev.Version, env.Version+1, reason)
}

// rollbackReason says why a promotion is rolled back: the caught error, or the
// failed smoke checks.
func rollbackReason(in Input, p *promotion.Promotion) string {
	if in.Error != nil {
		return in.Error.Message()
	}
	var failed []string
	for _, r := range p.Smoke {
		if !r.Passed {
			failed = append(failed, r.Check)
		}
	}
	if len(failed) > 0 {
		return "smoke checks failed: " + strings.Join(failed, ", ")
	}
	return "promotion " + p.ID + " failed"
}

// Finalize records the promotion's final state and errors, releases the lock,
// writes the closing event and notifies.
func (pl *Pipeline) Finalize(ctx context.Context, in Input) error {
	return classify(pl.finalize(ctx, in))
}

func (pl *Pipeline) finalize(ctx context.Context, in Input) error {
	if !in.Outcome.Final() {
		return &StepFailed{Msg: fmt.Sprintf("finalize: %q is not a final state", in.Outcome)}
	}
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	if p.FinishedAt == nil {
		var problems []string
		if in.Error != nil {
			problems = append(problems, in.Error.Message())
		}
		if in.RollbackError != nil {
			problems = append(problems, "rollback failed: "+in.RollbackError.Message())
		}
		if len(problems) > 0 {
			problems = append(problems, fmt.Sprintf("environment %s is at version %d", env.Name, env.Version))
		}
		now := pl.Now()
		if p, err = pl.update(ctx, p.ID, func(p *promotion.Promotion) error {
			p.State, p.Error, p.FinishedAt, p.TaskToken = in.Outcome, strings.Join(problems, "; "), &now, ""
			return nil
		}); err != nil {
			return err
		}
		text := fmt.Sprintf("promotion %s to %s ended %s", p.ID, env.Name, p.State)
		if p.Error != "" {
			text += ": " + p.Error
		}
		if err := pl.event(ctx, p.ID, promotion.EventFinished, "ferry", "%s", text); err != nil {
			return err
		}
		pl.notifyAll(ctx, env, p.ID, fmt.Sprintf("Ferry: %s. <%s|Details>", slack(text), pl.pageLink(p.ID)))
	}
	return pl.Store.ReleaseLock(ctx, env.Name, p.ID)
}
