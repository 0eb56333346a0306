package boltjournal

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
)

// TestFormat pins what the file holds, so that a journal written by an earlier
// Ferry still restores: the buckets, the keys and each record's JSON. Load reads
// back what was put, with numbers as json.Number. An execution's tokens are
// written with it.
func TestFormat(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	machine := stepfn.MachineRecord{ARN: "arn:m", Name: "m", Definition: "{}", RoleArn: "r", Type: "STANDARD", Created: created}
	exec := stepfn.ExecutionRecord{Execution: &asl.Execution{ARN: "arn:e", Name: "e", StateMachineARN: "arn:m",
		Status: asl.Running, Input: map[string]any{"n": json.Number("12345678901234567890")}, Start: created},
		Input: `{"n": 12345678901234567890}`, Pending: []string{"tok"}}
	for _, err := range []error{j.PutMachine(machine), j.PutExecution(exec, map[string]stepfn.TokenRecord{"tok": {Exec: "arn:e", State: 2}})} {
		if err != nil {
			t.Fatal(err)
		}
	}
	snap, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Machines) != 1 || snap.Machines[0] != machine {
		t.Errorf("machines %+v", snap.Machines)
	}
	if len(snap.Executions) != 1 || render(snap.Executions[0]) != render(exec) ||
		snap.Executions[0].Execution.Input.(map[string]any)["n"] != json.Number("12345678901234567890") {
		t.Errorf("executions %s", render(snap.Executions))
	}
	if len(snap.Tokens) != 1 || snap.Tokens["tok"] != (stepfn.TokenRecord{Exec: "arn:e", State: 2}) {
		t.Errorf("tokens %+v", snap.Tokens)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := bolt.Open(filepath.Join(dir, "stepfn.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw := map[string]string{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(bucket []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				raw[string(bucket)+"/"+string(k)] = string(v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 3 {
		t.Errorf("the file holds %v", raw)
	}
	if got := raw["machines/arn:m"]; got != `{"ARN":"arn:m","Name":"m","Definition":"{}","RoleArn":"r","Type":"STANDARD","Created":"2026-11-01T10:00:00Z"}` {
		t.Errorf("machine record %s", got)
	}
	if got := raw["tokens/tok"]; got != `{"Exec":"arn:e","State":2}` {
		t.Errorf("token record %s", got)
	}
	if got := raw["executions/arn:e"]; !strings.HasPrefix(got, `{"Execution":{"ARN":"arn:e","Name":"e","StateMachineARN":"arn:m","Status":"RUNNING","Input":{"n":12345678901234567890},`) ||
		!strings.HasSuffix(got, `},"Input":"{\"n\": 12345678901234567890}","Pending":["tok"]}`) {
		t.Errorf("execution record %s", got)
	}
}
