package store

import (
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Acquire returns the lock holder has after asking, at now, for an environment
// whose stored lock is cur: a free lock, or one whose lease has run out, is taken
// (since now); holder's own lock is renewed (since stays); either way it lasts
// until now+lease. A lock another promotion holds is refused: ok is false.
func Acquire(cur *environment.Lock, holder string, now time.Time, lease time.Duration) (lock *environment.Lock, ok bool) {
	since := now
	if cur.Held(now) {
		if cur.Holder != holder {
			return nil, false
		}
		since = cur.Since
	}
	return &environment.Lock{Holder: holder, Since: since, Expires: now.Add(lease)}, true
}

// Frees reports whether holder releasing the stored lock cur frees it: only the
// holder's release does; any other is a no-op, so retries are safe.
func Frees(cur *environment.Lock, holder string) bool {
	return cur != nil && cur.Holder == holder
}

// LockedError is the conflict of an environment's lock held by another promotion:
// it names the holder, its state and since when. holder reads a promotion; a
// holder that is not recorded yet is a start that reserved the lock a moment
// before recording its promotion, and reads "starting"; when the holder cannot
// be read, the state reads "unknown state".
func LockedError(env string, lock *environment.Lock, holder func(id string) (*promotion.Promotion, error)) error {
	state := "unknown state"
	switch p, err := holder(lock.Holder); {
	case err == nil:
		state = string(p.State)
	case fault.ErrorCode(err) == fault.NotFound:
		state = "starting"
	}
	return fault.Errorf(fault.Conflict, "environment %q is locked by promotion %s (%s) since %s",
		env, lock.Holder, state, lock.Since.UTC().Format(time.RFC3339))
}
