package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// Deployment implements store.Store.
func (s *Store) Deployment(_ context.Context, env string, version int64) ([]environment.NodeRef, error) {
	data, err := s.get(bucketDeploy, versionKey(env, version), store.NoDeploymentError(env, version))
	if err != nil {
		return nil, err
	}
	return store.DecodeNodes(env, version, data)
}

// PutRelease implements store.Store.
func (s *Store) PutRelease(_ context.Context, r *release.Release) error {
	data, err := store.CompressRelease(r)
	if err != nil {
		return err
	}
	return s.putImmutable(bucketRelease, []byte(r.ID()), data)
}

// GetRelease implements store.Store.
func (s *Store) GetRelease(_ context.Context, id string) (*release.Release, error) {
	data, err := s.get(bucketRelease, []byte(id), store.ReleaseNotFoundError(id))
	if err != nil {
		return nil, err
	}
	return store.DecodeRelease(id, data)
}

// ReleaseExists implements store.Store.
func (s *Store) ReleaseExists(_ context.Context, id string) (bool, error) {
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucketRelease).Get([]byte(id)) != nil
		return nil
	})
	return found, err
}

// PutPlan implements store.Store.
func (s *Store) PutPlan(_ context.Context, p *plan.Plan) error {
	data, err := compressed(store.EncodePlan(p))
	if err != nil {
		return err
	}
	return s.putImmutable(bucketPlan, []byte(p.Digest), data)
}

// GetPlan implements store.Store.
func (s *Store) GetPlan(_ context.Context, digest string) (*plan.Plan, error) {
	data, err := s.get(bucketPlan, []byte(digest), store.PlanNotFoundError(digest))
	if err != nil {
		return nil, err
	}
	return store.DecodePlan(digest, data)
}

// putImmutable stores data under key in bucket unless something is there already:
// content is immutable, so putting it twice is a no-op.
func (s *Store) putImmutable(bucket, key, data []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get(key) != nil {
			return nil
		}
		return b.Put(key, data)
	})
}

// get reads and decompresses the content under key in bucket, or returns missing.
func (s *Store) get(bucket, key []byte, missing error) ([]byte, error) {
	var data []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get(key)
		if v == nil {
			return missing
		}
		var err error
		data, err = store.Decompress(v)
		return err
	})
	return data, err
}
