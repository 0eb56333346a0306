package stepfn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// JournalFile is the emulator's file in the data directory.
const JournalFile = "stepfn.db"

// Journal keeps what the emulator must not lose across a restart, in one bbolt
// file: state machines (their definitions with substitutions applied), executions
// (written after every step, history included) and task tokens. Executions are
// plain data (asl.Execution), so a restored one resumes exactly where it was.
type Journal struct {
	db *bolt.DB
}

var (
	journalMachines   = []byte("machines")
	journalExecutions = []byte("executions")
	journalTokens     = []byte("tokens")
)

// OpenJournal opens (creating if needed) the journal in dir.
func OpenJournal(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, JournalFile), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening the Step Functions journal: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{journalMachines, journalExecutions, journalTokens} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Journal{db: db}, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

type machineRecord struct {
	ARN, Name, Definition, RoleArn, Type string
	Created                              time.Time
}

type executionRecord struct {
	Execution *asl.Execution
	Input     string
	Pending   []string
}

type tokenRecord struct {
	Exec  string
	State tokenState
}

func (j *Journal) put(bucket []byte, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), data) })
}

func (j *Journal) putMachine(sm *stateMachine) error {
	return j.put(journalMachines, sm.arn, machineRecord{ARN: sm.arn, Name: sm.name, Definition: sm.definition,
		RoleArn: sm.roleArn, Type: sm.typ, Created: sm.created})
}

func (j *Journal) putExecution(ex *execution) error {
	return j.put(journalExecutions, ex.e.ARN, executionRecord{Execution: ex.e, Input: ex.input, Pending: ex.pending})
}

func (j *Journal) putToken(tok string, t *token) error {
	return j.put(journalTokens, tok, tokenRecord{Exec: t.exec, State: t.state})
}

// each calls fn with every record of bucket, decoded with numbers kept exact.
func (j *Journal) each(bucket []byte, fn func(key string, dec *json.Decoder) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			dec := json.NewDecoder(strings.NewReader(string(v)))
			dec.UseNumber()
			return fn(string(k), dec)
		})
	})
}

// Restore loads what j holds into em, which must be empty, keeps j as em's journal,
// and resumes the executions that were running and not waiting (their current
// step runs again: Ferry's steps are idempotent).
func (em *Emulator) Restore(j *Journal) error {
	em.journal = j
	err := j.each(journalMachines, func(_ string, dec *json.Decoder) error {
		var rec machineRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		def, err := asl.Parse([]byte(rec.Definition), nil)
		if err != nil {
			return fmt.Errorf("restoring state machine %s: %w", rec.Name, err)
		}
		em.machines[rec.ARN] = &stateMachine{arn: rec.ARN, name: rec.Name, definition: rec.Definition, roleArn: rec.RoleArn,
			typ: rec.Type, created: rec.Created, machine: &asl.Machine{Def: def, ARN: rec.ARN, Runtime: em.Runtime}}
		return nil
	})
	if err != nil {
		return err
	}
	var resume []*execution
	err = j.each(journalExecutions, func(arn string, dec *json.Decoder) error {
		var rec executionRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		sm, ok := em.machines[rec.Execution.StateMachineARN]
		if !ok {
			return fmt.Errorf("restoring execution %s: its state machine is gone", arn)
		}
		ex := &execution{sm: sm, e: rec.Execution, input: rec.Input, pending: rec.Pending}
		em.execs[arn] = ex
		em.order = append(em.order, arn)
		if ex.e.Status == asl.Running && ex.e.Wait == nil {
			resume = append(resume, ex)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortByStart(em)
	err = j.each(journalTokens, func(tok string, dec *json.Decoder) error {
		var rec tokenRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		em.tokens[tok] = &token{exec: rec.Exec, state: rec.State}
		return nil
	})
	if err != nil {
		return err
	}
	for _, ex := range resume {
		em.advance(ex)
	}
	return nil
}

// sortByStart orders restored executions oldest first, as they were started.
func sortByStart(em *Emulator) {
	order := em.order
	for i := 1; i < len(order); i++ {
		for k := i; k > 0 && em.execs[order[k]].e.Start.Before(em.execs[order[k-1]].e.Start); k-- {
			order[k], order[k-1] = order[k-1], order[k]
		}
	}
}
