package boltstore

import (
	"bytes"
	"encoding/base64"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/store"
)

// list pages through the keys of bucket that start with prefix, in key order or
// reversed, calling each with the value.
func (s *Store) list(bucket, prefix []byte, page store.Page, reverse bool, each func(*bolt.Tx, []byte) error) (string, error) {
	var after []byte
	if page.Token != "" {
		var err error
		if after, err = base64.RawURLEncoding.DecodeString(page.Token); err != nil || !bytes.HasPrefix(after, prefix) {
			return "", store.BadTokenError(page.Token)
		}
	}
	limit := page.Size()
	var next string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		k, v := seek(c, prefix, after, reverse)
		for n := 0; k != nil && bytes.HasPrefix(k, prefix); n++ {
			if n == limit {
				next = base64.RawURLEncoding.EncodeToString(after)
				return nil
			}
			if err := each(tx, v); err != nil {
				return err
			}
			after = slices.Clone(k)
			if reverse {
				k, v = c.Prev()
			} else {
				k, v = c.Next()
			}
		}
		return nil
	})
	return next, err
}

// seek positions c on the first key to list: the first (or, reversed, last) key
// with prefix, or the one after (before) the key after.
func seek(c *bolt.Cursor, prefix, after []byte, reverse bool) ([]byte, []byte) {
	if !reverse {
		if after == nil {
			return c.Seek(prefix)
		}
		k, v := c.Seek(after)
		if bytes.Equal(k, after) {
			return c.Next()
		}
		return k, v
	}
	if after != nil {
		if k, _ := c.Seek(after); k == nil {
			return c.Last()
		}
		return c.Prev()
	}
	// The last key with prefix: seek past the prefix range, step back.
	end := append(slices.Clone(prefix), 0xff)
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// deletePrefix deletes the keys of b that start with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
