package boltjournal

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
)

// approvalDefinition waits on a task token (60 seconds at most) and records the
// answer.
const approvalDefinition = `{
  "StartAt": "Ask",
  "States": {
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "ask", "Payload": {"id.$": "$.id", "token.$": "$$.Task.Token"}},
      "TimeoutSeconds": 60, "ResultPath": "$.answer", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestRestartWhileWaiting: an execution waiting on a task token, and one in a Wait
// state, survive the emulator's restart; the token still works afterwards and the
// timer keeps its deadline.
func TestRestartWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	var token string
	ask := stepfn.Handle(func(_ context.Context, in struct {
		Token string `json:"token"`
	}) (map[string]string, error) {
		token = in.Token
		return map[string]string{}, nil
	})
	boot := func() (*stepfn.Emulator, *Journal) {
		j, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		em := stepfn.New(stepfn.Functions{"ask": ask})
		em.Now = func() time.Time { return now }
		if err := em.Restore(j); err != nil {
			t.Fatal(err)
		}
		return em, j
	}
	em, j := boot()
	arn, _, err := em.CreateStateMachine("m", approvalDefinition, "r", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitARN, _, err := em.CreateStateMachine("w", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": true}}}`, "r", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	asking, _, err := em.StartExecution(arn, "asking", `{"id": "a"}`)
	if err != nil {
		t.Fatal(err)
	}
	sleeping, _, err := em.StartExecution(waitARN, "sleeping", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	em.Settle()
	if token == "" {
		t.Fatal("no token was issued")
	}
	j.Close() // the process goes away

	now = now.Add(30 * time.Second) // within the task's 60-second timeout
	em, j = boot()
	defer j.Close()
	if err := em.SendTaskSuccess(token, `{"approved": true}`); err != nil {
		t.Fatalf("answering after the restart: %v", err)
	}
	em.Settle()
	e, err := em.Describe(asking)
	if err != nil || e.Status != asl.Succeeded || render(e.Output) != `{"answer":{"approved":true},"id":"a"}` {
		t.Fatalf("after the restart: %v %s %v", e.Status, render(e.Output), err)
	}
	if err := em.SendTaskSuccess(token, `{}`); err == nil || err.(*stepfn.APIError).Code != "TaskDoesNotExist" {
		t.Errorf("a second answer: %v", err)
	}
	now = now.Add(4 * time.Minute) // 4.5 minutes in: the 5-minute wait is not over
	em.Tick()
	em.Settle()
	if e, _ := em.Describe(sleeping); e.Status != asl.Running {
		t.Fatalf("the wait ended early after the restart: %s", e.Status)
	}
	now = now.Add(31 * time.Second)
	em.Tick()
	em.Settle()
	if e, _ := em.Describe(sleeping); e.Status != asl.Succeeded {
		t.Errorf("the wait did not end on time: %s", e.Status)
	}
	if err := em.JournalErr(); err != nil {
		t.Error(err)
	}
}
