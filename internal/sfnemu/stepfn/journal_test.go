package stepfn

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// memJournal is a Journal in memory that keeps, after every execution write, the
// whole journal as a restart would find it, encoded as JSON (as boltjournal keeps
// records).
type memJournal struct {
	mu        sync.Mutex
	machines  []MachineRecord
	execs     map[string]json.RawMessage
	tokens    map[string]TokenRecord
	snapshots [][]byte
}

func newMemJournal() *memJournal {
	return &memJournal{execs: map[string]json.RawMessage{}, tokens: map[string]TokenRecord{}}
}

func (j *memJournal) PutMachine(rec MachineRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.machines = append(j.machines, rec)
	return nil
}

func (j *memJournal) PutExecution(rec ExecutionRecord, toks map[string]TokenRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	j.execs[rec.Execution.ARN] = data
	for tok, t := range toks {
		j.tokens[tok] = t
	}
	j.snapshots = append(j.snapshots, j.encode())
	return nil
}

func (j *memJournal) Load() (*Snapshot, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return decodeSnapshot(j.encode())
}

// encode is the journal as JSON: a Snapshot.
func (j *memJournal) encode() []byte {
	var execs []json.RawMessage
	for _, e := range j.execs {
		execs = append(execs, e)
	}
	data, err := json.Marshal(map[string]any{"Machines": j.machines, "Executions": execs, "Tokens": j.tokens})
	if err != nil {
		panic(err)
	}
	return data
}

// after returns a journal holding what j held after its first n execution writes.
func (j *memJournal) after(n int) *memJournal {
	j.mu.Lock()
	defer j.mu.Unlock()
	snap, err := decodeSnapshot(j.snapshots[n-1])
	if err != nil {
		panic(err)
	}
	out := &memJournal{machines: snap.Machines, execs: map[string]json.RawMessage{}, tokens: snap.Tokens}
	for _, e := range snap.Executions {
		data, err := json.Marshal(e)
		if err != nil {
			panic(err)
		}
		out.execs[e.Execution.ARN] = data
	}
	return out
}

func decodeSnapshot(data []byte) (*Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var snap Snapshot
	if err := dec.Decode(&snap); err != nil {
		return nil, err
	}
	if snap.Tokens == nil {
		snap.Tokens = map[string]TokenRecord{}
	}
	return &snap, nil
}

// durableDefinition prepares, asks (waiting on a task token) and finishes.
const durableDefinition = `{
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:prepare", "ResultPath": "$.prepared", "Next": "Ask"},
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
      "TimeoutSeconds": 600, "ResultPath": "$.answer", "Next": "Finish"},
    "Finish": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:finish", "ResultPath": "$.finished", "End": true}
  }
}`

// outside is what the functions leave outside the emulator, which a crash of the
// emulator does not take back: the calls, and the last token "ask" received.
type outside struct {
	mu     sync.Mutex
	calls  map[string]int
	tokens []string
}

func (o *outside) functions() Functions {
	fn := func(name string) Handler {
		return Handle(func(_ context.Context, in struct {
			Token string `json:"token"`
		}) (string, error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.calls[name]++
			if in.Token != "" {
				o.tokens = append(o.tokens, in.Token)
			}
			return name + "d", nil
		})
	}
	return Functions{"prepare": fn("prepare"), "ask": fn("ask"), "finish": fn("finish")}
}

func (o *outside) token() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.tokens) == 0 {
		return ""
	}
	return o.tokens[len(o.tokens)-1]
}

// TestEveryJournalWriteIsARestartPoint runs an execution to its end once,
// journaling in memory, then restarts an emulator from what the journal held
// after each of its writes (a crash right after that write) and drives it as a
// client would (answering the token the "ask" function last received): every
// restart ends SUCCEEDED with the same output, a token a restart found pending
// is the one answered, and no write ever holds an answered token without the
// answer's effect on its execution.
func TestEveryJournalWriteIsARestartPoint(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	boot := func(j Journal, o *outside) *Emulator {
		em := New(o.functions())
		em.Now = func() time.Time { return now }
		if err := em.Restore(j); err != nil {
			t.Fatal(err)
		}
		return em
	}
	drive := func(em *Emulator, arn string, o *outside) *asl.Execution {
		for range 5 {
			em.Settle()
			e, err := em.Describe(arn)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != asl.Running {
				return e
			}
			if err := em.SendTaskSuccess(o.token(), `"yes"`); err != nil {
				t.Fatalf("answering %s: %v", e.State, err)
			}
		}
		t.Fatal("the execution did not end")
		return nil
	}

	j := newMemJournal()
	first := &outside{calls: map[string]int{}}
	em := boot(j, first)
	smARN, _, err := em.CreateStateMachine("durable", durableDefinition, "r", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	arn, _, err := em.StartExecution(smARN, "run", `{"id": 1}`)
	if err != nil {
		t.Fatal(err)
	}
	want := drive(em, arn, first)
	if want.Status != asl.Succeeded {
		t.Fatalf("the run without a crash: %s", want.Status)
	}
	if len(j.snapshots) < 8 {
		t.Fatalf("%d journal writes: not one per transition", len(j.snapshots))
	}

	for n := 1; n <= len(j.snapshots); n++ {
		snap, err := decodeSnapshot(j.snapshots[n-1])
		if err != nil {
			t.Fatal(err)
		}
		e := snap.Executions[0]
		for tok, rec := range snap.Tokens {
			if rec.State == TokenDone && e.Execution.Status == asl.Running && e.Execution.State == "Ask" {
				t.Errorf("write %d: token %.8s answered, the execution still in Ask", n, tok)
			}
		}
		o := &outside{calls: map[string]int{}, tokens: append([]string(nil), first.tokens...)}
		restarted := boot(j.after(n), o)
		got := drive(restarted, arn, o)
		if got.Status != asl.Succeeded || render(got.Output) != render(want.Output) {
			t.Errorf("restart after write %d (%s): %s %s, want %s", n, e.Execution.State, got.Status, render(got.Output), render(want.Output))
		}
		if inv := e.Execution.Task; inv != nil && inv.Token != "" && o.calls["ask"] == 1 && o.token() != inv.Token {
			t.Errorf("restart after write %d: ask called again with another token", n)
		}
		if err := restarted.JournalErr(); err != nil {
			t.Error(err)
		}
	}
}
