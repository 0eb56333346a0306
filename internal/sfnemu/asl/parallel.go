package asl

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Parallel and Map states run their branches (or iterations) as child executions,
// kept in the parent (Execution.Children) so that they are stored and resumed with
// it. Children advance in order, each as far as it can; the parent waits while any
// child waits. Their events join the parent's history as they happen. The first
// child to fail stops the others, and its error goes through the parent state's
// Retry and Catch. MaxConcurrency is accepted and has no effect: in process, the
// children of one state do not run at the same time anyway.

// sub is the machine of one branch of a Parallel state (or a Map's processor).
func (m *Machine) sub(st *State, branch int) *Machine {
	return &Machine{Def: st.Branches[branch], ARN: m.ARN, RoleARN: m.RoleARN, Runtime: m.Runtime, Checkpoint: m.Checkpoint}
}

func (m *Machine) startChildren(ctx context.Context, e *Execution, st *State, now time.Time) {
	input, err := m.inputOf(e, st)
	if err != nil {
		m.fail(e, runtimeError(err), now)
		return
	}
	var children []*Execution
	if st.Type == "Parallel" {
		if st.Parameters != nil {
			if input, err = st.Parameters.Eval(input, m.context(e, "")); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		e.event(now, "ParallelStateStarted", "", nil)
		for i := range st.Branches {
			children = append(children, m.newChild(e, st, i, input, now))
		}
	} else {
		items := input
		if st.ItemsPath.set && !st.ItemsPath.null {
			if items, err = st.ItemsPath.path.Get(input, m.context(e, "")); err != nil {
				m.fail(e, runtimeError(err), now)
				return
			}
		}
		list, ok := items.([]any)
		if !ok {
			m.fail(e, &Failure{Name: "States.Runtime", Cause: fmt.Sprintf("the items of Map state %s are not an array", st.Name)}, now)
			return
		}
		e.event(now, "MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(list)})
		for i, item := range list {
			value := item
			if st.ItemSelector != nil {
				ctx := m.context(e, "")
				ctx["Map"] = map[string]any{"Item": map[string]any{"Index": i, "Value": item}}
				if value, err = st.ItemSelector.Eval(input, ctx); err != nil {
					m.fail(e, runtimeError(err), now)
					return
				}
			}
			e.event(now, "MapIterationStarted", "mapIterationStartedEventDetails", map[string]any{"name": st.Name, "index": i})
			children = append(children, m.newChild(e, st, 0, value, now))
		}
	}
	e.Children = children
	m.advanceChildren(ctx, e, st, now)
}

func (m *Machine) newChild(e *Execution, st *State, branch int, input any, now time.Time) *Execution {
	c := &Execution{ARN: e.ARN, Name: e.Name, StateMachineARN: e.StateMachineARN, Status: Running,
		Input: e.Input, Start: e.Start, Branch: branch}
	sub := m.sub(st, branch)
	sub.enter(c, sub.Def.StartAt, input, now)
	return c
}

// advanceChildren moves every running child on, then finishes the state when they
// all succeeded or one failed, or waits.
func (m *Machine) advanceChildren(ctx context.Context, e *Execution, st *State, now time.Time) {
	var failed *Failure
	for i, c := range e.Children {
		if c.Status == Running && failed == nil {
			m.sub(st, c.Branch).Advance(ctx, c, now)
		}
		m.drain(e, st, i, c)
		if c.Status != Running && c.Status != Succeeded && failed == nil {
			failed = c.Failure
		}
	}
	prefix := st.Type
	if failed != nil {
		for i, c := range e.Children {
			if c.Status == Running {
				c.finish(now, Aborted, nil, &Failure{Name: "States.BranchFailed", Cause: "another branch failed"})
				m.drain(e, st, i, c)
			}
		}
		e.Children = nil
		e.event(now, prefix+"StateFailed", "", nil)
		m.handle(e, st, failed, now)
		return
	}
	outputs := make([]any, 0, len(e.Children))
	for _, c := range e.Children {
		if c.Status != Succeeded {
			e.Wait = &Wait{Children: true}
			m.refreshDeadlines(e)
			return
		}
		outputs = append(outputs, c.Output)
	}
	e.Children = nil
	e.event(now, prefix+"StateSucceeded", "", nil)
	m.result(e, st, outputs, now)
}

// drain moves a child's new events into its parent's history; the child's own
// start and end are not events of the parent, but the end of a Map iteration
// (child i of Map state st) is.
func (m *Machine) drain(e *Execution, st *State, i int, c *Execution) {
	for _, ev := range c.Events {
		switch ev.Type {
		case "ExecutionStarted", "ExecutionTimedOut":
			continue
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted":
			if st.Type == "Map" {
				end := "MapIteration" + strings.TrimPrefix(ev.Type, "Execution")
				e.event(ev.Timestamp, end, "mapIteration"+strings.TrimPrefix(ev.Type, "Execution")+"EventDetails",
					map[string]any{"name": st.Name, "index": i})
			}
			continue
		}
		e.event(ev.Timestamp, ev.Type, ev.DetailsKey, ev.Details)
	}
	c.Events = nil
}

// refreshDeadlines sets a waiting parent's Until to its children's earliest
// deadline, recursively.
func (m *Machine) refreshDeadlines(e *Execution) time.Time {
	if e.Wait == nil {
		return time.Time{}
	}
	if !e.Wait.Children {
		earliest := e.Wait.Until
		if hb := e.Wait.Heartbeat; !hb.IsZero() && (earliest.IsZero() || hb.Before(earliest)) {
			earliest = hb
		}
		return earliest
	}
	var earliest time.Time
	st := m.Def.States[e.State]
	for _, c := range e.Children {
		if c.Status != Running {
			continue
		}
		if t := m.sub(st, c.Branch).refreshDeadlines(c); !t.IsZero() && (earliest.IsZero() || t.Before(earliest)) {
			earliest = t
		}
	}
	e.Wait.Until = earliest
	return earliest
}
