package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/store"
)

// CreateEnvironment implements store.Store.
func (s *Store) CreateEnvironment(_ context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEnv)
		if b.Get([]byte(env.Name)) != nil {
			return store.EnvironmentExistsError(env.Name)
		}
		c := *env
		c.Revision = 1
		if err := putJSON(b, []byte(env.Name), &c); err != nil {
			return err
		}
		env.Revision = 1
		return nil
	})
}

// GetEnvironment implements store.Store.
func (s *Store) GetEnvironment(_ context.Context, name string) (*environment.Environment, error) {
	var env *environment.Environment
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		env, err = getEnv(tx, name)
		return err
	})
	return env, err
}

func getEnv(tx *bolt.Tx, name string) (*environment.Environment, error) {
	var env environment.Environment
	v := tx.Bucket(bucketEnv).Get([]byte(name))
	if v == nil {
		return nil, store.EnvironmentNotFoundError(name)
	}
	if err := json.Unmarshal(v, &env); err != nil {
		return nil, fmt.Errorf("reading environment %s: %w", name, err)
	}
	return &env, nil
}

// SaveEnvironment implements store.Store.
func (s *Store) SaveEnvironment(_ context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		cur, err := getEnv(tx, env.Name)
		if err != nil {
			return err
		}
		next, err := store.SavedEnvironment(cur, env)
		if err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketEnv), []byte(env.Name), next); err != nil {
			return err
		}
		env.Revision = next.Revision
		return nil
	})
}

// DeleteEnvironment implements store.Store.
func (s *Store) DeleteEnvironment(_ context.Context, name string, now time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, name)
		if err != nil {
			return err
		}
		if err := store.CheckDeletable(env, now); err != nil {
			return err
		}
		for _, bucket := range [][]byte{bucketVersion, bucketDeploy} {
			if err := deletePrefix(tx.Bucket(bucket), envPrefix(name)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketEnv).Delete([]byte(name))
	})
}

// ListEnvironments implements store.Store.
func (s *Store) ListEnvironments(_ context.Context) ([]*environment.Environment, error) {
	var envs []*environment.Environment
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEnv).ForEach(func(k, v []byte) error {
			var env environment.Environment
			if err := json.Unmarshal(v, &env); err != nil {
				return fmt.Errorf("reading environment %s: %w", k, err)
			}
			envs = append(envs, &env)
			return nil
		})
	})
	return envs, err
}

// ExpiredEnvironments implements store.Store.
func (s *Store) ExpiredEnvironments(ctx context.Context, now time.Time) ([]*environment.Environment, error) {
	all, err := s.ListEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	var expired []*environment.Environment
	for _, env := range all {
		if store.Expired(env, now) {
			expired = append(expired, env)
		}
	}
	slices.SortFunc(expired, func(a, b *environment.Environment) int { return a.ExpiresAt.Compare(*b.ExpiresAt) })
	return expired, nil
}
