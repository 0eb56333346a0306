package control

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/policy"
)

// EnvironmentRequest creates an environment or changes its policy.
type EnvironmentRequest struct {
	Policy policy.Policy
	// Ephemeral environments expire after the policy's ttl and are cleaned up.
	Ephemeral bool
}

// PutEnvironment creates an environment, or sets the policy of one that exists.
// It reports whether it created it. Admins only. Codes: forbidden, invalid,
// conflict (changed meanwhile).
func (s *Service) PutEnvironment(ctx context.Context, who policy.Identity, name string, req EnvironmentRequest) (*environment.Environment, bool, error) {
	if err := s.admin(who, "change environments"); err != nil {
		return nil, false, err
	}
	env, err := s.Store.GetEnvironment(ctx, name)
	switch {
	case fault.ErrorCode(err) == fault.NotFound:
		now := s.Now()
		env = &environment.Environment{Name: name, Policy: req.Policy, Ephemeral: req.Ephemeral, CreatedAt: now, UpdatedAt: now}
		env.Record(environment.Change{At: now, By: who.Subject, What: "created"})
		if req.Ephemeral {
			expires := now.Add(req.Policy.WithDefaults().TTL.D())
			env.ExpiresAt = &expires
		}
		if err := env.Validate(); err != nil {
			return nil, false, err
		}
		return env, true, s.Store.CreateEnvironment(ctx, env)
	case err != nil:
		return nil, false, err
	}
	if req.Ephemeral != env.Ephemeral {
		return nil, false, fault.Errorf(fault.Invalid, "ephemeral: environment %s is ephemeral=%t; delete and create it to change that", name, env.Ephemeral)
	}
	env, err = s.commit(ctx, env, who, setPolicy(req.Policy))
	return env, false, err
}

// SetPolicy replaces the policy of an environment. Admins only. Codes:
// forbidden, invalid, not_found, conflict.
func (s *Service) SetPolicy(ctx context.Context, who policy.Identity, name string, pol policy.Policy) (*environment.Environment, error) {
	if err := s.admin(who, "change policies"); err != nil {
		return nil, err
	}
	return s.saveEnvironment(ctx, name, who, setPolicy(pol))
}

// policyChange starts the recorded change of a policy; policy.Diff writes the rest,
// without secrets.
const policyChange = "policy: "

// setPolicy is the change to pol, described field by field; a policy that
// changes nothing is no change.
func setPolicy(pol policy.Policy) func(*environment.Environment) (string, error) {
	return func(env *environment.Environment) (string, error) {
		changed := policy.Diff(env.Policy, pol)
		if len(changed) == 0 {
			return "", nil
		}
		env.Policy = pol
		if err := env.Validate(); err != nil {
			return "", err
		}
		return policyChange + strings.Join(changed, "; "), nil
	}
}

// DeleteEnvironment removes an environment that no promotion holds. Admins only.
// Codes: forbidden, not_found, conflict (locked).
func (s *Service) DeleteEnvironment(ctx context.Context, who policy.Identity, name string) error {
	if err := s.admin(who, "delete environments"); err != nil {
		return err
	}
	return s.Store.DeleteEnvironment(ctx, name, s.Now())
}

// FreezeRequest stops promotions into an environment until a time.
type FreezeRequest struct {
	// Reason says why; it is required.
	Reason string
	Until  time.Time
}

// Freeze freezes an environment, owned by who. Admins only. Codes: forbidden,
// invalid, not_found, conflict.
func (s *Service) Freeze(ctx context.Context, who policy.Identity, name string, req FreezeRequest) (*environment.Environment, error) {
	if err := s.admin(who, "freeze environments"); err != nil {
		return nil, err
	}
	now := s.Now()
	if req.Reason == "" {
		return nil, fault.Errorf(fault.Invalid, "reason: say why the environment is frozen")
	}
	if !req.Until.After(now) {
		return nil, fault.Errorf(fault.Invalid, "until: %s is not in the future", stamp(req.Until))
	}
	return s.saveEnvironment(ctx, name, who, func(env *environment.Environment) (string, error) {
		env.Freeze = &environment.Freeze{Owner: who.Subject, Reason: req.Reason, Until: req.Until}
		return fmt.Sprintf("frozen until %s: %s", stamp(req.Until), req.Reason), nil
	})
}

// Unfreeze ends an environment's freeze. Admins only. Codes: forbidden,
// not_found, conflict.
func (s *Service) Unfreeze(ctx context.Context, who policy.Identity, name string) (*environment.Environment, error) {
	if err := s.admin(who, "unfreeze environments"); err != nil {
		return nil, err
	}
	return s.saveEnvironment(ctx, name, who, func(env *environment.Environment) (string, error) {
		env.Freeze = nil
		return "unfrozen", nil
	})
}

// Extend moves an ephemeral environment's expiry to now plus ttl (the policy's
// ttl when 0), and returns the environment as who may see it (see seenBy).
// Codes: invalid (not ephemeral, bad ttl), not_found, conflict.
func (s *Service) Extend(ctx context.Context, who policy.Identity, name string, ttl time.Duration) (*environment.Environment, error) {
	if ttl < 0 {
		return nil, fault.Errorf(fault.Invalid, "ttl: %s is negative", ttl)
	}
	now := s.Now()
	env, err := s.saveEnvironment(ctx, name, who, func(env *environment.Environment) (string, error) {
		if !env.Ephemeral {
			return "", fault.Errorf(fault.Invalid, "environment %s is not ephemeral: it does not expire", name)
		}
		if ttl == 0 {
			ttl = env.Policy.WithDefaults().TTL.D()
		}
		expires := now.Add(ttl)
		env.ExpiresAt = &expires
		return "expiry moved to " + stamp(expires), nil
	})
	return s.seenBy(who, env), err
}

// saveEnvironment reads an environment and commits a change to it.
func (s *Service) saveEnvironment(ctx context.Context, name string, who policy.Identity, change func(*environment.Environment) (string, error)) (*environment.Environment, error) {
	env, err := s.Store.GetEnvironment(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, env, who, change)
}

// commit lets change modify env and say how, then saves env with the change
// recorded; a change that says nothing ("") leaves env unsaved.
func (s *Service) commit(ctx context.Context, env *environment.Environment, who policy.Identity, change func(*environment.Environment) (string, error)) (*environment.Environment, error) {
	what, err := change(env)
	switch {
	case err != nil:
		return nil, err
	case what == "":
		return env, nil
	}
	now := s.Now()
	env.UpdatedAt = now
	env.Record(environment.Change{At: now, By: who.Subject, What: what})
	return env, s.Store.SaveEnvironment(ctx, env)
}

func (s *Service) admin(who policy.Identity, what string) error {
	if !s.IsAdmin(who) {
		return fault.Errorf(fault.Forbidden, "only admins may %s; %s is not one", what, who.Subject)
	}
	return nil
}
