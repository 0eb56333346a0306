package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// AcquireLock implements store.Store with store.Acquire's rule as two conditional
// updates: take a free or expired lock, else renew one the holder has, else report
// who has it.
func (s *Store) AcquireLock(ctx context.Context, env, holder string, now time.Time, lease time.Duration) (*environment.Lock, error) {
	expires := now.Add(lease)
	take := newUpdate()
	take.set("#h", "lock_holder", str(holder))
	take.set("#s", "lock_since", num(now.UnixNano()))
	take.set("#e", "lock_expires", num(expires.UnixNano()))
	take.add("#rev", "revision", num(1))
	take.values[":now"] = num(now.UnixNano())
	take.cond("attribute_exists(PK) AND (attribute_not_exists(#h) OR #e <= :now)")
	_, err := s.db.UpdateItem(ctx, take.input(s.table, keyOf(envPK(env), skEnv)))
	if err == nil {
		return &environment.Lock{Holder: holder, Since: now, Expires: expires}, nil
	}
	if !conditionFailed(err) {
		return nil, fmt.Errorf("locking %s: %w", env, err)
	}
	renew := newUpdate()
	renew.set("#e", "lock_expires", num(expires.UnixNano()))
	renew.add("#rev", "revision", num(1))
	renew.names["#h"] = "lock_holder"
	renew.values[":holder"] = str(holder)
	renew.cond("attribute_exists(PK) AND #h = :holder")
	in := renew.input(s.table, keyOf(envPK(env), skEnv))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.db.UpdateItem(ctx, in)
	if err == nil {
		return &environment.Lock{Holder: holder, Since: time.Unix(0, getN(out.Attributes, "lock_since")).UTC(), Expires: expires}, nil
	}
	if !conditionFailed(err) {
		return nil, fmt.Errorf("renewing the lock on %s: %w", env, err)
	}
	cur, err := s.GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if _, ok := store.Acquire(cur.Lock, holder, now, lease); ok {
		return nil, fault.Errorf(fault.Conflict, "environment %q lock changed hands while being taken; try again", env)
	}
	return nil, store.LockedError(env, cur.Lock, func(id string) (*promotion.Promotion, error) { return s.getPromotionItem(ctx, id) })
}

// ReleaseLock implements store.Store, conditioned as store.Frees.
func (s *Store) ReleaseLock(ctx context.Context, env, holder string) error {
	u := newUpdate()
	u.remove("#h", "lock_holder")
	u.remove("#s", "lock_since")
	u.remove("#e", "lock_expires")
	u.add("#rev", "revision", num(1))
	u.values[":holder"] = str(holder)
	u.cond("#h = :holder")
	_, err := s.db.UpdateItem(ctx, u.input(s.table, keyOf(envPK(env), skEnv)))
	if conditionFailed(err) {
		_, err := s.GetEnvironment(ctx, env) // not_found, or a lock one does not hold: no-op
		return err
	}
	if err != nil {
		return fmt.Errorf("unlocking %s: %w", env, err)
	}
	return nil
}
