// Package boltstore keeps Ferry's state in one bbolt file under the data directory,
// for ferry local. It implements store.Store with the same behaviour as the
// DynamoDB store: bbolt runs one write transaction at a time, so every operation is
// atomic and serializable by construction.
//
// Layout, one bucket per kind of record (keys in brackets):
//
//	env        [name]                           environment JSON
//	version    [env 0x00 version(8, big-endian)] history entry JSON
//	deploy     [env 0x00 version(8)]            node references, gzipped JSON
//	release    [id]                             canonical release JSON, gzipped
//	plan       [digest]                         plan JSON, gzipped
//	promo      [id]                             promotion JSON with its task token
//	promo_env  [env 0x00 created(8) id]         id: promotions by environment
//	pending    [created(8) id]                  id: promotions awaiting approval
//	event      [id] → nested bucket [seq(8)]    event JSON, in order
//
// Page tokens are the base64url of the last key returned.
package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
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

// CreateEnvironment implements store.Store.
func (s *Store) CreateEnvironment(_ context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEnv)
		if b.Get([]byte(env.Name)) != nil {
			return fault.Errorf(fault.Conflict, "environment %q already exists", env.Name)
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
		return nil, fault.Errorf(fault.NotFound, "environment %q not found", name)
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
		if cur.Revision != env.Revision {
			return fault.Errorf(fault.Conflict, "environment %q changed since it was read (revision %d, not %d)", env.Name, cur.Revision, env.Revision)
		}
		cur.Policy, cur.Freeze, cur.ExpiresAt, cur.Ephemeral, cur.Changes = env.Policy, env.Freeze, env.ExpiresAt, env.Ephemeral, env.Changes
		cur.UpdatedAt = env.UpdatedAt
		cur.Revision++
		if err := putJSON(tx.Bucket(bucketEnv), []byte(env.Name), cur); err != nil {
			return err
		}
		env.Revision = cur.Revision
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
		if env.Lock.Held(now) {
			return fault.Errorf(fault.Conflict, "environment %q is locked by promotion %s", name, env.Lock.Holder)
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
		if env.Ephemeral && env.ExpiresAt != nil && !env.ExpiresAt.After(now) {
			expired = append(expired, env)
		}
	}
	slices.SortFunc(expired, func(a, b *environment.Environment) int { return a.ExpiresAt.Compare(*b.ExpiresAt) })
	return expired, nil
}

// AcquireLock implements store.Store.
func (s *Store) AcquireLock(_ context.Context, name, holder string, now time.Time, lease time.Duration) (*environment.Lock, error) {
	var lock *environment.Lock
	err := s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, name)
		if err != nil {
			return err
		}
		if env.Lock.Held(now) && env.Lock.Holder != holder {
			return lockConflict(tx, name, env.Lock)
		}
		since := now
		if env.Lock.Held(now) {
			since = env.Lock.Since
		}
		env.Lock = &environment.Lock{Holder: holder, Since: since, Expires: now.Add(lease)}
		env.Revision++
		lock = env.Lock
		return putJSON(tx.Bucket(bucketEnv), []byte(name), env)
	})
	return lock, err
}

// lockConflict says who holds an environment's lock, in what state and since when.
func lockConflict(tx *bolt.Tx, env string, lock *environment.Lock) error {
	state := "unknown state"
	if p, err := getPromo(tx, lock.Holder); err == nil {
		state = string(p.State)
	}
	return store.LockedError(env, lock, state)
}

// ReleaseLock implements store.Store.
func (s *Store) ReleaseLock(_ context.Context, name, holder string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		env, err := getEnv(tx, name)
		if err != nil {
			return err
		}
		if env.Lock == nil || env.Lock.Holder != holder {
			return nil
		}
		env.Lock = nil
		env.Revision++
		return putJSON(tx.Bucket(bucketEnv), []byte(name), env)
	})
}

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
		if env.Version != req.BaseVersion {
			if env.Current != nil && env.Current.PromotionID == req.PromotionID && env.Version == req.BaseVersion+1 {
				entry, err = getVersion(tx, req.Environment, env.Version) // a retry of a switch that happened
				return err
			}
			return store.StaleError(req.Environment, env.Version, req.BaseVersion)
		}
		if tx.Bucket(bucketRelease).Get([]byte(req.ReleaseID)) == nil {
			return fault.Errorf(fault.Invalid, "release %s is not stored", req.ReleaseID)
		}
		p, err := getPromo(tx, req.PromotionID)
		if err != nil {
			return err
		}
		if p.State.Final() {
			return store.EndedError(p)
		}
		e := req.Entry()
		entry = &e
		env.Version = e.Version
		env.Current = &environment.Deployment{Version: e.Version, ReleaseID: e.ReleaseID, PromotionID: e.PromotionID, At: e.At, By: e.By}
		env.Revision++
		key := versionKey(req.Environment, e.Version)
		refs, err := gzipJSON(req.Nodes)
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
		return nil, fault.Errorf(fault.NotFound, "environment %q has no version %d", env, version)
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

// Deployment implements store.Store.
func (s *Store) Deployment(_ context.Context, env string, version int64) ([]environment.NodeRef, error) {
	var refs []environment.NodeRef
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDeploy).Get(versionKey(env, version))
		if v == nil {
			return fault.Errorf(fault.NotFound, "environment %q has no deployment at version %d", env, version)
		}
		return gunzipJSON(v, &refs)
	})
	return refs, err
}

// PutRelease implements store.Store.
func (s *Store) PutRelease(_ context.Context, r *release.Release) error {
	id := r.ID()
	data, err := store.Compress(release.Canonical(r))
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRelease)
		if b.Get([]byte(id)) != nil {
			return nil
		}
		return b.Put([]byte(id), data)
	})
}

// GetRelease implements store.Store.
func (s *Store) GetRelease(_ context.Context, id string) (*release.Release, error) {
	var data []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRelease).Get([]byte(id))
		if v == nil {
			return fault.Errorf(fault.NotFound, "release %s not found", id)
		}
		var err error
		data, err = store.Decompress(v)
		return err
	})
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
	data, err := gzipJSON(p)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlan)
		if b.Get([]byte(p.Digest)) != nil {
			return nil
		}
		return b.Put([]byte(p.Digest), data)
	})
}

// GetPlan implements store.Store.
func (s *Store) GetPlan(_ context.Context, digest string) (*plan.Plan, error) {
	var p plan.Plan
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPlan).Get([]byte(digest))
		if v == nil {
			return fault.Errorf(fault.NotFound, "plan %s not found", digest)
		}
		return gunzipJSON(v, &p)
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// promoRecord is a promotion as stored: its JSON form plus the task token, which
// the JSON form leaves out.
type promoRecord struct {
	promotion.Promotion
	TaskToken string `json:"task_token,omitempty"`
}

func getPromo(tx *bolt.Tx, id string) (*promotion.Promotion, error) {
	v := tx.Bucket(bucketPromo).Get([]byte(id))
	if v == nil {
		return nil, fault.Errorf(fault.NotFound, "promotion %q not found", id)
	}
	var rec promoRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", id, err)
	}
	rec.Promotion.TaskToken = rec.TaskToken
	return &rec.Promotion, nil
}

// putPromo writes p and keeps the pending index in step with its state.
func putPromo(tx *bolt.Tx, p *promotion.Promotion) error {
	rec := promoRecord{Promotion: *p, TaskToken: p.TaskToken}
	rec.Events = nil
	pendingKey := createdKey(nil, p.CreatedAt, p.ID)
	var err error
	if p.State == promotion.AwaitingApproval {
		err = tx.Bucket(bucketPending).Put(pendingKey, []byte(p.ID))
	} else {
		err = tx.Bucket(bucketPending).Delete(pendingKey)
	}
	return firstError(err, putJSON(tx.Bucket(bucketPromo), []byte(p.ID), &rec))
}

// CreatePromotion implements store.Store.
func (s *Store) CreatePromotion(_ context.Context, p *promotion.Promotion) error {
	if err := store.ValidatePromotion(p); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketPromo).Get([]byte(p.ID)) != nil {
			return fault.Errorf(fault.Conflict, "promotion %q already exists", p.ID)
		}
		c := *p
		c.Revision = 1
		if err := putPromo(tx, &c); err != nil {
			return err
		}
		if _, err := tx.Bucket(bucketEvent).CreateBucket([]byte(p.ID)); err != nil {
			return err
		}
		p.Revision = 1
		return tx.Bucket(bucketPromoEnv).Put(createdKey(envPrefix(p.Target), p.CreatedAt, p.ID), []byte(p.ID))
	})
}

// GetPromotion implements store.Store.
func (s *Store) GetPromotion(_ context.Context, id string) (*promotion.Promotion, error) {
	var p *promotion.Promotion
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPromo(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketEvent).Bucket([]byte(id)).ForEach(func(_, v []byte) error {
			var e promotion.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			p.Events = append(p.Events, e)
			return nil
		})
	})
	return p, err
}

// SavePromotion implements store.Store.
func (s *Store) SavePromotion(_ context.Context, p *promotion.Promotion) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		cur, err := getPromo(tx, p.ID)
		if err != nil {
			return err
		}
		if cur.Revision != p.Revision {
			return fault.Errorf(fault.Conflict, "promotion %q changed since it was read (revision %d, not %d)", p.ID, cur.Revision, p.Revision)
		}
		next := *p
		next.Approvals = cur.Approvals
		next.Revision++
		if err := putPromo(tx, &next); err != nil {
			return err
		}
		p.Revision = next.Revision
		return nil
	})
}

// RecordDecision implements store.Store.
func (s *Store) RecordDecision(_ context.Context, id string, a promotion.Approval) (*promotion.Promotion, error) {
	var p *promotion.Promotion
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPromo(tx, id); err != nil {
			return err
		}
		if p.State != promotion.AwaitingApproval {
			return store.NotAwaitingError(p)
		}
		for _, prev := range p.Approvals {
			if prev.Identity == a.Identity {
				return store.DecidedError(id, prev)
			}
		}
		p.Approvals = append(p.Approvals, a)
		p.Revision++
		return putPromo(tx, p)
	})
	return p, err
}

// AppendEvent implements store.Store.
func (s *Store) AppendEvent(_ context.Context, id string, e promotion.Event) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvent).Bucket([]byte(id))
		if b == nil {
			return fault.Errorf(fault.NotFound, "promotion %q not found", id)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), e)
	})
}

// ListPromotions implements store.Store.
func (s *Store) ListPromotions(_ context.Context, env string, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(bucketPromoEnv, envPrefix(env), page, true)
}

// PendingApprovals implements store.Store.
func (s *Store) PendingApprovals(_ context.Context, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(bucketPending, nil, page, false)
}

// promotions lists the promotions an index bucket points to.
func (s *Store) promotions(index, prefix []byte, page store.Page, newestFirst bool) ([]*promotion.Promotion, string, error) {
	var out []*promotion.Promotion
	next, err := s.list(index, prefix, page, newestFirst, func(tx *bolt.Tx, id []byte) error {
		p, err := getPromo(tx, string(id))
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, next, err
}

// list pages through the keys of bucket that start with prefix, in key order or
// reversed, calling each with the value.
func (s *Store) list(bucket, prefix []byte, page store.Page, reverse bool, each func(*bolt.Tx, []byte) error) (string, error) {
	var after []byte
	if page.Token != "" {
		var err error
		if after, err = base64.RawURLEncoding.DecodeString(page.Token); err != nil || !bytes.HasPrefix(after, prefix) {
			return "", fault.Errorf(fault.Invalid, "page token %q is not one this list gave", page.Token)
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

func envPrefix(env string) []byte { return append([]byte(env), 0) }

func versionKey(env string, version int64) []byte {
	return binary.BigEndian.AppendUint64(envPrefix(env), uint64(version))
}

// createdKey appends a creation time and an id, so keys sort by time.
func createdKey(prefix []byte, at time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(slices.Clone(prefix), uint64(at.UnixNano()))
	return append(k, id...)
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func gzipJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return store.Compress(data)
}

func gunzipJSON(data []byte, v any) error {
	raw, err := store.Decompress(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
