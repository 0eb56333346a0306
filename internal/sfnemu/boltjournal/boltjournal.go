// Package boltjournal keeps the Step Functions emulator's journal (stepfn.Journal)
// in one bbolt file, stepfn.db in the data directory: a bucket each for state
// machines, executions and task tokens, keyed by ARN or token, each record the
// JSON of its stepfn record type. Records are decoded with numbers kept exact
// (json.Number), as package asl expects of execution data.
//
// Opening goes through package boltfile, so a damaged file is an error naming it,
// never a panic. Apart from opening the file, errors are passed on as bbolt and
// encoding/json return them: the callers (the emulator, ferry local) say what
// they were doing.
package boltjournal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/boltfile"
	"github.com/ferrydev/ferry/internal/sfnemu/stepfn"
)

// File is the journal's file in the data directory.
const File = "stepfn.db"

// What names the journal's file in errors.
const What = "journal file"

// The buckets, one per kind of record.
const (
	machines   = "machines"
	executions = "executions"
	tokens     = "tokens"
)

// Journal is a stepfn.Journal in a bbolt file.
type Journal struct {
	db *bolt.DB
}

var _ stepfn.Journal = (*Journal)(nil)

// Open opens (creating if needed) the journal in dir. A damaged journal file
// gives a *boltfile.DamagedError naming it, never a panic.
func Open(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	db, err := boltfile.Open(filepath.Join(dir, File), What, []byte(machines), []byte(executions), []byte(tokens))
	if err != nil {
		return nil, err
	}
	return &Journal{db: db}, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

// PutMachine implements stepfn.Journal.
func (j *Journal) PutMachine(rec stepfn.MachineRecord) error { return j.put(machines, rec.ARN, rec) }

// PutExecution implements stepfn.Journal: the execution and its tokens are
// written in one bbolt transaction.
func (j *Journal) PutExecution(rec stepfn.ExecutionRecord, toks map[string]stepfn.TokenRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	encoded := make(map[string][]byte, len(toks))
	for tok, t := range toks {
		if encoded[tok], err = json.Marshal(t); err != nil {
			return err
		}
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(executions)).Put([]byte(rec.Execution.ARN), data); err != nil {
			return err
		}
		b := tx.Bucket([]byte(tokens))
		for tok, t := range encoded {
			if err := b.Put([]byte(tok), t); err != nil {
				return err
			}
		}
		return nil
	})
}

// put writes v, as JSON, under key in bucket.
func (j *Journal) put(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucket)).Put([]byte(key), data) })
}

// Load implements stepfn.Journal: records come in key order.
func (j *Journal) Load() (*stepfn.Snapshot, error) {
	snap := &stepfn.Snapshot{Tokens: map[string]stepfn.TokenRecord{}}
	err := j.db.View(func(tx *bolt.Tx) error {
		if err := each(tx, machines, func(_ string, rec stepfn.MachineRecord) {
			snap.Machines = append(snap.Machines, rec)
		}); err != nil {
			return err
		}
		if err := each(tx, executions, func(_ string, rec stepfn.ExecutionRecord) {
			snap.Executions = append(snap.Executions, rec)
		}); err != nil {
			return err
		}
		return each(tx, tokens, func(tok string, rec stepfn.TokenRecord) { snap.Tokens[tok] = rec })
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// each calls fn with every record of bucket, decoded with numbers kept exact.
func each[T any](tx *bolt.Tx, bucket string, fn func(key string, rec T)) error {
	return tx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var rec T
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		fn(string(k), rec)
		return nil
	})
}
