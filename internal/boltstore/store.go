package boltstore

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/store"
)

// FileName is the store's file in the data directory.
const FileName = "ferry.db"

var (
	bucketEnv      = []byte("env")
	bucketVersion  = []byte("version")
	bucketDeploy   = []byte("deploy")
	bucketRelease  = []byte("release")
	bucketPlan     = []byte("plan")
	bucketPromo    = []byte("promo")
	bucketPromoEnv = []byte("promo_env")
	bucketPending  = []byte("pending")
	bucketEvent    = []byte("event")
)

// Store is the embedded store.
type Store struct {
	db *bolt.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the store in directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", filepath.Join(dir, FileName), err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEnv, bucketVersion, bucketDeploy, bucketRelease, bucketPlan,
			bucketPromo, bucketPromoEnv, bucketPending, bucketEvent} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }
