package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// CleanupReport says what Cleanup did.
type CleanupReport struct {
	// Deleted lists the expired ephemeral environments removed.
	Deleted []string `json:"deleted"`
	// Unlocked lists the environments whose stale lock was released.
	Unlocked []string `json:"unlocked"`
	// Kept lists the expired environments left because a promotion holds them.
	Kept []string `json:"kept"`
}

// Alive reports whether a promotion's execution still runs and, when it does
// not, what Step Functions says of it (its status, or that there is no such
// execution). An execution that cannot be asked about is an error, never dead.
type Alive func(ctx context.Context, promotionID string) (running bool, status string, err error)

// Cleanup deletes the ephemeral environments whose expiry has passed (not while a
// promotion holds them) and releases the locks of promotions that ended without
// Finalize or whose execution no longer runs; such a promotion is marked FAILED.
// alive may be nil, and then only the promotion's own state counts.
func (pl *Pipeline) Cleanup(ctx context.Context, alive Alive) (*CleanupReport, error) {
	report := &CleanupReport{Deleted: []string{}, Unlocked: []string{}, Kept: []string{}}
	now := pl.Now()
	envs, err := pl.Store.ListEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	for _, env := range envs {
		if !env.Lock.Held(now) {
			continue
		}
		stale, why, err := pl.staleLock(ctx, env.Lock.Holder, alive)
		if err != nil {
			return nil, err
		}
		if !stale {
			continue
		}
		if why != "" {
			if err := pl.endDead(ctx, env.Lock.Holder, why); err != nil {
				return nil, err
			}
		}
		if err := pl.Store.ReleaseLock(ctx, env.Name, env.Lock.Holder); err != nil {
			return nil, err
		}
		report.Unlocked = append(report.Unlocked, env.Name)
	}
	expired, err := pl.Store.ExpiredEnvironments(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, env := range expired {
		switch err := pl.Store.DeleteEnvironment(ctx, env.Name, now); {
		case err == nil:
			report.Deleted = append(report.Deleted, env.Name)
		case fault.ErrorCode(err) == fault.Conflict:
			report.Kept = append(report.Kept, env.Name)
		default:
			return nil, err
		}
	}
	return report, nil
}

// endDead marks a promotion whose execution is confirmed over FAILED with why,
// unless it has ended in the meantime: the read-modify-write is conditional on
// the state it read, so a Finalize that wins the race keeps its outcome.
func (pl *Pipeline) endDead(ctx context.Context, id, why string) error {
	ended := errors.New("the promotion has ended already")
	_, err := pl.update(ctx, id, func(p *promotion.Promotion) error {
		if p.State.Final() {
			return ended
		}
		finished := pl.Now()
		p.State, p.Error, p.FinishedAt, p.TaskToken = promotion.Failed, why, &finished, ""
		return nil
	})
	switch {
	case errors.Is(err, ended):
		return nil
	case err != nil:
		return err
	}
	return pl.event(ctx, id, promotion.EventFinished, "cleanup", "%s", why)
}

// staleLock decides whether the promotion holding a lock is over; why is set when
// the promotion itself must be marked FAILED.
func (pl *Pipeline) staleLock(ctx context.Context, holder string, alive Alive) (bool, string, error) {
	p, err := pl.Store.GetPromotion(ctx, holder)
	switch {
	case fault.ErrorCode(err) == fault.NotFound:
		return true, "", nil
	case err != nil:
		return false, "", err
	case p.State.Final():
		return true, "", nil
	case alive == nil:
		return false, "", nil
	}
	running, status, err := alive(ctx, holder)
	if err != nil || running {
		return false, "", err
	}
	return true, fmt.Sprintf("ended by cleanup: the execution of promotion %s is %s, and it was %s", holder, status, p.State), nil
}

// LogCleanup logs how a cleanup run ended, in the Lambda function and in ferry
// local alike: its error, or what it deleted and unlocked (at debug level when it
// did nothing).
func LogCleanup(ctx context.Context, log *slog.Logger, report *CleanupReport, err error) {
	switch {
	case err != nil:
		log.ErrorContext(ctx, "cleanup failed", "error", err)
	case len(report.Deleted)+len(report.Unlocked) > 0:
		log.InfoContext(ctx, "cleanup done", "deleted", report.Deleted, "unlocked", report.Unlocked, "kept", report.Kept)
	default:
		log.DebugContext(ctx, "cleanup done", "kept", report.Kept)
	}
}
