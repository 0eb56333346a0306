package asl

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// copyExecution stores and loads e, as a journal does.
func copyExecution(tb testing.TB, e *Execution) *Execution {
	tb.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	var c Execution
	if err := json.Unmarshal(data, &c); err != nil {
		tb.Fatal(err)
	}
	return &c
}

// TestCheckpointsAndResume: Advance checkpoints after each transition and before
// each function call; an execution stored at the call (its result never stored)
// calls the function again with the same parameters and token, its timeout
// counted from when it was scheduled, and a token answered before that call
// comes back is accepted.
func TestCheckpointsAndResume(t *testing.T) {
	def := `{"StartAt": "Prep", "States": {
		"Prep": {"Type": "Pass", "Result": 1, "ResultPath": "$.n", "Next": "Ask"},
		"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "ask", "Payload": {"n.$": "$.n", "token.$": "$$.Task.Token"}},
			"TimeoutSeconds": 60, "ResultPath": "$.answer", "End": true}}}`
	var tokens []string
	m, rt := machine(t, def, func(_ string, input any, token string) (any, error) {
		tokens = append(tokens, token)
		return nil, nil
	})
	var stored []*Execution
	e := m.NewExecution("arn:e", "e", map[string]any{}, t0)
	m.Checkpoint = func() { stored = append(stored, copyExecution(t, e)) }
	m.Advance(context.Background(), e, t0)
	// Prep left for Ask; Ask's call scheduled; its answer awaited.
	if len(stored) != 3 || stored[1].Task == nil || stored[1].Task.Token != tokens[0] || stored[2].Wait == nil || stored[2].Task != nil {
		t.Fatalf("%d checkpoints: %+v", len(stored), stored)
	}

	calling, early := stored[1], copyExecution(t, stored[1])
	m.Checkpoint = nil
	m.Advance(context.Background(), calling, t0.Add(time.Minute/2)) // restarted 30 seconds later
	if len(tokens) != 2 || tokens[1] != tokens[0] || calling.Wait == nil || calling.Wait.Token != tokens[0] ||
		!calling.Wait.Until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("resumed: tokens %v, wait %+v", tokens, calling.Wait)
	}
	if err := m.SendTaskSuccess(calling, tokens[0], "yes", t0); err != nil {
		t.Fatal(err)
	}
	m.Advance(context.Background(), calling, t0)
	if calling.Status != Succeeded || asJSON(calling.Output) != `{"answer":"yes","n":1}` {
		t.Errorf("after the answer: %s %s", calling.Status, asJSON(calling.Output))
	}

	if got := PendingTokens(early); len(got) != 1 || got[0] != tokens[0] {
		t.Errorf("pending while calling: %v", got)
	}
	if err := m.SendTaskSuccess(early, tokens[0], "early", t0); err != nil {
		t.Fatalf("an answer before the call returned: %v", err)
	}
	calls := len(rt.calls)
	m.Advance(context.Background(), early, t0)
	if early.Status != Succeeded || len(rt.calls) != calls || early.Task != nil {
		t.Errorf("after an early answer: %s, %d more calls", early.Status, len(rt.calls)-calls)
	}
}
