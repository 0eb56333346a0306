package boltstore

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/boltfile"
	"github.com/ferrydev/ferry/internal/store"
)

// FileName is the store's file in the data directory.
const FileName = "ferry.db"

// What names the store's file in errors.
const What = "store file"

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

// Open opens (creating if needed) the store in directory dir. A damaged store
// file gives a *boltfile.DamagedError naming it, never a panic.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	db, err := boltfile.Open(filepath.Join(dir, FileName), What, bucketEnv, bucketVersion, bucketDeploy, bucketRelease,
		bucketPlan, bucketPromo, bucketPromoEnv, bucketPending, bucketEvent)
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }
