package boltstore

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// AcquireLock implements store.Store.
func (s *Store) AcquireLock(_ context.Context, name, holder string, now time.Time, lease time.Duration) (*environment.Lock, error) {
	var lock *environment.Lock
	err := s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, name)
		if err != nil {
			return err
		}
		var ok bool
		if lock, ok = store.Acquire(env.Lock, holder, now, lease); !ok {
			return store.LockedError(name, env.Lock, func(id string) (*promotion.Promotion, error) { return getPromo(tx, id) })
		}
		env.Lock = lock
		env.Revision++
		return putJSON(tx.Bucket(bucketEnv), []byte(name), env)
	})
	return lock, err
}

// ReleaseLock implements store.Store.
func (s *Store) ReleaseLock(_ context.Context, name, holder string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, name)
		if err != nil {
			return err
		}
		if !store.Frees(env.Lock, holder) {
			return nil
		}
		env.Lock = nil
		env.Revision++
		return putJSON(tx.Bucket(bucketEnv), []byte(name), env)
	})
}
