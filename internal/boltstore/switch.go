package boltstore

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/store"
)

// Switch implements store.Store.
func (s *Store) Switch(_ context.Context, req store.SwitchRequest) (*environment.VersionEntry, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var entry *environment.VersionEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, req.Environment)
		if err != nil {
			return err
		}
		replay, err := req.Check(env)
		switch {
		case err != nil:
			return err
		case replay:
			entry, err = getVersion(tx, req.Environment, env.Version)
			return err
		}
		if tx.Bucket(bucketRelease).Get([]byte(req.ReleaseID)) == nil {
			return store.ReleaseNotStoredError(req.ReleaseID)
		}
		p, err := getPromo(tx, req.PromotionID)
		if err != nil {
			return err
		}
		if err := store.CheckSwitchable(p); err != nil {
			return err
		}
		e := req.Entry()
		entry = &e
		env.Version = e.Version
		current := req.Deployment()
		env.Current = &current
		env.Revision++
		key := versionKey(req.Environment, e.Version)
		refs, err := compressed(store.EncodeNodes(req.Nodes))
		if err != nil {
			return err
		}
		p.State, p.UpdatedAt = req.State, req.At
		p.Revision++
		return firstError(
			putJSON(tx.Bucket(bucketEnv), []byte(env.Name), env),
			putJSON(tx.Bucket(bucketVersion), key, entry),
			tx.Bucket(bucketDeploy).Put(key, refs),
			putPromo(tx, p),
		)
	})
	return entry, err
}

func getVersion(tx *bolt.Tx, env string, version int64) (*environment.VersionEntry, error) {
	var e environment.VersionEntry
	v := tx.Bucket(bucketVersion).Get(versionKey(env, version))
	if v == nil {
		return nil, store.NoVersionError(env, version)
	}
	return &e, json.Unmarshal(v, &e)
}

// History implements store.Store.
func (s *Store) History(_ context.Context, env string, page store.Page) ([]environment.VersionEntry, string, error) {
	var entries []environment.VersionEntry
	next, err := s.list(bucketVersion, envPrefix(env), page, true, func(_ *bolt.Tx, v []byte) error {
		var e environment.VersionEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	return entries, next, err
}
