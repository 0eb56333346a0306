package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

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

// requiredChecks fails unless every check the snapshot requires passed.
func requiredChecks(pol policy.Snapshot, r *release.Release) error {
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

// soak fails unless the release has been live upstream for the policy's soak
// (upstream and soak are not part of the snapshot: soak is checked once, at Plan).
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

// approvalGate decides whether a promotion waits for people under the snapshot
// pol, given its plan's summary and its release, and says why. Plan decides the
// gate with it, and Apply decides it again from what Plan recorded.
func approvalGate(pol policy.Snapshot, s plan.Summary, r *release.Release) (bool, string) {
	if r.Source != nil && strings.Contains(r.Source.Message, pol.HoldMarker) {
		return true, fmt.Sprintf("held: the source message contains %s", pol.HoldMarker)
	}
	switch pol.Approval {
	case policy.Never:
		return false, "the policy needs no approval"
	case policy.Breaking:
		if s.Breaking > 0 || s.Removed > 0 {
			return true, "breaking or removed nodes need approval"
		}
		return false, "no breaking or removed nodes: no approval needed"
	}
	return true, "the policy needs approval"
}
