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
	// Unstarted lists the promotions recorded, holding their environment's lock,
	// whose execution was never started (a start that died before
	// StartExecution, or one still under way): the caller starts those whose
	// start can no longer be under way.
	Unstarted []string `json:"unstarted"`
	// Answered counts the closed decisions whose answer the caller sent their
	// execution (see control.Service.Cleanup).
	Answered int `json:"answered"`
}

// Alive reports whether a promotion's execution still runs and, when it does
// not, what Step Functions says of it: its status, or "" when there is no such
// execution. An execution that cannot be asked about is an error, never dead.
type Alive func(ctx context.Context, promotionID string) (running bool, status string, err error)

// Cleanup deletes the ephemeral environments whose expiry has passed (not while a
// promotion holds them) and releases the locks of promotions that are over: ended
// without releasing it, or whose execution Step Functions confirms is over or
// gone, which then end FAILED with what happened (unless they ended meanwhile:
// the pipeline's outcome stands). A promotion whose execution was never started
// keeps its lock and is listed as Unstarted. A lock whose holder was never
// recorded (a start that died between reserving it and recording the promotion)
// is left to its lease. alive may be nil, and then only the promotion's own state
// counts.
func (pl *Pipeline) Cleanup(ctx context.Context, alive Alive) (*CleanupReport, error) {
	report := &CleanupReport{Deleted: []string{}, Unlocked: []string{}, Kept: []string{}, Unstarted: []string{}}
	now := pl.Now()
	envs, err := pl.Store.ListEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	for _, env := range envs {
		if !env.Lock.Held(now) {
			continue
		}
		holder := env.Lock.Holder
		v, err := pl.judge(ctx, holder, alive)
		if err != nil {
			return nil, err
		}
		switch v.verdict {
		case keep:
			continue
		case unstarted:
			report.Unstarted = append(report.Unstarted, holder)
			continue
		case dead:
			if err := pl.endDead(ctx, holder, v.why); err != nil {
				return nil, err
			}
		}
		if err := pl.Store.ReleaseLock(ctx, env.Name, holder); err != nil {
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

// verdict is what cleanup makes of a lock's holder.
type verdict int

const (
	// keep: the holder runs, or nothing confirms it does not.
	keep verdict = iota
	// ended: the holder has ended; only its lock is left to release.
	ended
	// dead: Step Functions confirms the holder's execution is over or gone.
	dead
	// unstarted: the holder was recorded but its execution never started.
	unstarted
)

// judgement is a verdict, with why for a dead holder.
type judgement struct {
	verdict verdict
	why     string
}

// judge decides what to do about the promotion holding a lock.
func (pl *Pipeline) judge(ctx context.Context, holder string, alive Alive) (judgement, error) {
	p, err := pl.Store.GetPromotion(ctx, holder)
	switch {
	case fault.ErrorCode(err) == fault.NotFound:
		return judgement{verdict: keep}, nil // never recorded: the lease ends it
	case err != nil:
		return judgement{}, err
	case p.State.Final():
		return judgement{verdict: ended}, nil
	case alive == nil:
		return judgement{verdict: keep}, nil
	}
	running, status, err := alive(ctx, holder)
	switch {
	case err != nil || running:
		return judgement{verdict: keep}, err
	case status == "" && p.State == promotion.Planning && !p.Has(promotion.EventStarted):
		return judgement{verdict: unstarted}, nil
	case status == "":
		return judgement{verdict: dead, why: fmt.Sprintf("ended by cleanup: Step Functions has no execution of promotion %s (its history or the emulator's journal is gone), and it was %s", holder, p.State)}, nil
	}
	return judgement{verdict: dead, why: fmt.Sprintf("ended by cleanup: the execution of promotion %s is %s, and it was %s", holder, status, p.State)}, nil
}

// LogCleanup logs how a cleanup run ended, in the Lambda function and in ferry
// local alike: its error, or what it deleted and unlocked (at debug level when it
// did nothing).
func LogCleanup(ctx context.Context, log *slog.Logger, report *CleanupReport, err error) {
	switch {
	case err != nil:
		log.ErrorContext(ctx, "cleanup failed", "error", err)
	case len(report.Deleted)+len(report.Unlocked)+len(report.Unstarted)+report.Answered > 0:
		log.InfoContext(ctx, "cleanup done", "deleted", report.Deleted, "unlocked", report.Unlocked, "kept", report.Kept,
			"started", report.Unstarted, "answered", report.Answered)
	default:
		log.DebugContext(ctx, "cleanup done", "kept", report.Kept)
	}
}
