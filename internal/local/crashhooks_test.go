package local

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
	"github.com/ferrydev/ferry/internal/store"
)

// crasher counts the crash points a process passes ("before store
// SavePromotion(VERIFYING)", "after fn apply", ...) and kills the process with
// SIGKILL when it reaches target, "point#n": the n-th time it passes point. With
// no target it only keeps the trail, for the census of a clean run.
type crasher struct {
	mu     sync.Mutex
	target string
	counts map[string]int
	trail  []string
}

func newCrasher(target string) *crasher {
	return &crasher{target: target, counts: map[string]int{}}
}

// at passes a crash point.
func (c *crasher) at(point string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[point]++
	hit := fmt.Sprintf("%s#%d", point, c.counts[point])
	c.trail = append(c.trail, hit)
	if hit == c.target {
		// Hard stop: no deferred call, no flush, no goroutine gets to finish.
		// The lock stays held, so no other crash point is passed meanwhile.
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

func (c *crasher) points() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.trail...)
}

// seams wraps each part of a system with c's crash points.
func (c *crasher) seams() seams {
	return seams{
		store:   func(st store.Store) store.Store { return &crashStore{Store: st, c: c} },
		journal: func(j stepfn.Journal) stepfn.Journal { return &crashJournal{Journal: j, c: c} },
		function: func(name string, h stepfn.Handler) stepfn.Handler {
			return func(ctx context.Context, payload []byte) ([]byte, error) {
				c.at("before fn " + name)
				out, err := h(ctx, payload)
				c.at("after fn " + name)
				return out, err
			}
		},
		sfn: func(s control.StepFunctions) control.StepFunctions { return &crashSFN{StepFunctions: s, c: c} },
	}
}

// crashStore passes a crash point before and after every write.
type crashStore struct {
	store.Store
	c *crasher
}

func (s *crashStore) write(label string, fn func() error) error {
	s.c.at("before store " + label)
	err := fn()
	s.c.at("after store " + label)
	return err
}

func (s *crashStore) CreateEnvironment(ctx context.Context, env *environment.Environment) error {
	return s.write("CreateEnvironment", func() error { return s.Store.CreateEnvironment(ctx, env) })
}

func (s *crashStore) SaveEnvironment(ctx context.Context, env *environment.Environment) error {
	return s.write("SaveEnvironment", func() error { return s.Store.SaveEnvironment(ctx, env) })
}

func (s *crashStore) DeleteEnvironment(ctx context.Context, name string, now time.Time) error {
	return s.write("DeleteEnvironment", func() error { return s.Store.DeleteEnvironment(ctx, name, now) })
}

func (s *crashStore) AcquireLock(ctx context.Context, env, holder string, now time.Time, lease time.Duration) (lock *environment.Lock, err error) {
	err = s.write("AcquireLock", func() error {
		lock, err = s.Store.AcquireLock(ctx, env, holder, now, lease)
		return err
	})
	return lock, err
}

func (s *crashStore) ReleaseLock(ctx context.Context, env, holder string) error {
	return s.write("ReleaseLock", func() error { return s.Store.ReleaseLock(ctx, env, holder) })
}

func (s *crashStore) Switch(ctx context.Context, req store.SwitchRequest) (entry *environment.VersionEntry, err error) {
	err = s.write(fmt.Sprintf("Switch(%s)", req.Kind), func() error {
		entry, err = s.Store.Switch(ctx, req)
		return err
	})
	return entry, err
}

func (s *crashStore) PutRelease(ctx context.Context, r *release.Release) error {
	return s.write("PutRelease", func() error { return s.Store.PutRelease(ctx, r) })
}

func (s *crashStore) PutPlan(ctx context.Context, p *plan.Plan) error {
	return s.write("PutPlan", func() error { return s.Store.PutPlan(ctx, p) })
}

func (s *crashStore) CreatePromotion(ctx context.Context, p *promotion.Promotion) error {
	return s.write("CreatePromotion", func() error { return s.Store.CreatePromotion(ctx, p) })
}

func (s *crashStore) SavePromotion(ctx context.Context, p *promotion.Promotion) error {
	return s.write(fmt.Sprintf("SavePromotion(%s)", p.State), func() error { return s.Store.SavePromotion(ctx, p) })
}

func (s *crashStore) RecordDecision(ctx context.Context, id string, a promotion.Approval) (p *promotion.Promotion, err error) {
	err = s.write(fmt.Sprintf("RecordDecision(%s)", a.Decision), func() error {
		p, err = s.Store.RecordDecision(ctx, id, a)
		return err
	})
	return p, err
}

func (s *crashStore) AppendEvent(ctx context.Context, id string, e promotion.Event) error {
	return s.write(fmt.Sprintf("AppendEvent(%s)", e.Type), func() error { return s.Store.AppendEvent(ctx, id, e) })
}

// crashJournal passes a crash point before and after every execution write,
// named after where the execution stands: its state, "calling" while the state's
// function is being called, "waiting" while it waits, or its end status.
type crashJournal struct {
	stepfn.Journal
	c *crasher
}

func (j *crashJournal) PutExecution(rec stepfn.ExecutionRecord, toks map[string]stepfn.TokenRecord) error {
	e := rec.Execution
	where := e.State
	switch {
	case e.Status != asl.Running:
		where = string(e.Status)
	case e.Task != nil:
		where += "(calling)"
	case e.Wait != nil && e.Wait.Token != "":
		where += "(waiting)"
	case e.Wait != nil:
		where += "(backoff)"
	}
	if len(toks) > 0 {
		var states []string
		for _, t := range toks {
			states = append(states, t.State.String())
		}
		where += " token " + strings.Join(states, ",")
	}
	j.c.at("before journal " + where)
	err := j.Journal.PutExecution(rec, toks)
	j.c.at("after journal " + where)
	return err
}

// crashSFN passes a crash point before and after each call the operations make.
type crashSFN struct {
	control.StepFunctions
	c *crasher
}

func (s *crashSFN) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.c.at("before sfn StartExecution")
	out, err := s.StepFunctions.StartExecution(ctx, in, opts...)
	s.c.at("after sfn StartExecution")
	return out, err
}

func (s *crashSFN) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	s.c.at("before sfn SendTaskFailure")
	out, err := s.StepFunctions.SendTaskFailure(ctx, in, opts...)
	s.c.at("after sfn SendTaskFailure")
	return out, err
}

func (s *crashSFN) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	s.c.at("before sfn SendTaskSuccess")
	out, err := s.StepFunctions.SendTaskSuccess(ctx, in, opts...)
	s.c.at("after sfn SendTaskSuccess")
	return out, err
}
