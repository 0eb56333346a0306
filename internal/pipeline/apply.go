package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// Apply switches the environment to the promotion's release in one atomic step,
// keeping the references of unchanged nodes, then calls the deploy hook. It first
// re-reads the promotion and refuses, with NotApproved, ending it FAILED with
// nothing applied, unless the store's record of its decision authorizes it
// (authorize).
func (pl *Pipeline) Apply(ctx context.Context, in Input) error {
	return classify(pl.apply(ctx, in))
}

func (pl *Pipeline) apply(ctx context.Context, in Input) error {
	p, env, err := pl.load(ctx, in.PromotionID)
	if err != nil {
		return err
	}
	if p.State.Final() {
		return store.EndedError(p)
	}
	cand, err := pl.Store.GetRelease(ctx, p.ReleaseID)
	if err != nil {
		return err
	}
	var denied *NotApproved
	if errors.As(authorize(p, cand), &denied) {
		if p, err = pl.refuse(ctx, p, env, cand, denied); err != nil {
			return err
		}
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
		refs, err := pl.references(ctx, p, env, cand)
		if err != nil {
			return err
		}
		if len(p.Counted()) > 0 {
			pl.notifyAll(ctx, env, p.ID, notify.Message{Text: approvedText(p, env.Name)})
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

// approvers names who approved a promotion: the approvals that counted toward
// its quorum, and no one else. A promotion whose gate was automatic counts no
// approvals, and is credited to its requester.
func approvers(p *promotion.Promotion) string {
	names := p.CountedApprovers()
	if len(names) == 0 {
		return p.RequestedBy
	}
	return strings.Join(names, ", ")
}

// references builds the new deployment: a node keeps the environment's reference
// when it runs the same fingerprint (a virtual reference), takes the source
// environment's when that one runs it, and is otherwise built by the target.
func (pl *Pipeline) references(ctx context.Context, p *promotion.Promotion, env *environment.Environment, cand *release.Release) ([]environment.NodeRef, error) {
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

// callHook sends the environment's deploy hook, when it has one, the promotion's
// change set; a secret it cannot resolve or a hook that refuses or does not
// answer is a DeployHookFailed.
func (pl *Pipeline) callHook(ctx context.Context, p *promotion.Promotion, env *environment.Environment) error {
	hook := env.Policy.DeployHook
	if hook == nil {
		return nil
	}
	secret, err := pl.Secret(ctx, hook.SecretRef)
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
