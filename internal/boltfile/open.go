package boltfile

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// lockWait is how long Open waits for another process to let go of the file.
// The data directory's lock normally stops a second ferry local first; this is
// for anything else that has the file open.
const lockWait = 100 * time.Millisecond

// Open opens the bbolt file at path, creating it when there is none, and creates
// the buckets that are not there yet. what names the file in errors, such as
// "store file". A file that cannot be used as it is gives a *DamagedError.
func Open(path, what string, buckets ...[]byte) (db *bolt.DB, err error) {
	reason, err := check(path)
	if err != nil {
		return nil, fmt.Errorf("reading the %s %s: %w", what, path, err)
	}
	if reason != "" {
		return nil, &DamagedError{What: what, Path: path, Reason: reason}
	}
	var opened *os.File
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if db != nil {
			_ = db.Close()
		} else if opened != nil {
			_ = opened.Close() // lets go of bbolt's lock on the file
		}
		db, err = nil, &DamagedError{What: what, Path: path, Reason: "bbolt failed reading it: " + oneLine(fmt.Sprint(r))}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			opened = f
			return f, err
		}})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("the %s %s is in use by another process", what, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, &DamagedError{What: what, Path: path, Reason: err.Error()}
	case err != nil:
		return nil, fmt.Errorf("opening the %s %s: %w", what, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing the %s %s: %w", what, path, err)
	}
	return db, nil
}

// oneLine puts a panic's message on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
