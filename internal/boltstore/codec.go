package boltstore

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/store"
)

// putJSON stores v's JSON under key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// compressed compresses content in the stored form an encoder gave, passing on
// the encoder's error.
func compressed(data []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return store.Compress(data)
}

// firstError returns the first error that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
