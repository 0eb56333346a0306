package storetest

import (
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

func testLock(t *testing.T, s store.Store) {
	newEnv(t, s, "prod")
	newPromotion(t, s, "p1", "prod", promotion.AwaitingApproval, t0)
	lock, err := s.AcquireLock(ctx, "prod", "p1", t0, 10*time.Minute)
	must(t, err)
	if lock.Holder != "p1" || !lock.Since.Equal(t0) || !lock.Expires.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("lock %+v", lock)
	}
	_, err = s.AcquireLock(ctx, "prod", "p2", t0.Add(time.Minute), 10*time.Minute)
	wantCode(t, err, fault.Conflict, "p1", "AWAITING_APPROVAL", "2026-11-01T10:00:00Z")

	renewed, err := s.AcquireLock(ctx, "prod", "p1", t0.Add(5*time.Minute), 10*time.Minute)
	must(t, err)
	if !renewed.Since.Equal(t0) || !renewed.Expires.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("renewed lock %+v: since must stay, expiry move", renewed)
	}
	must(t, s.ReleaseLock(ctx, "prod", "p2")) // not the holder: nothing happens
	_, err = s.AcquireLock(ctx, "prod", "p2", t0.Add(6*time.Minute), 10*time.Minute)
	wantCode(t, err, fault.Conflict)

	taken, err := s.AcquireLock(ctx, "prod", "p2", t0.Add(16*time.Minute), 10*time.Minute) // the lease ran out
	must(t, err)
	if taken.Holder != "p2" {
		t.Errorf("expired lock not taken over: %+v", taken)
	}
	must(t, s.ReleaseLock(ctx, "prod", "p2"))
	must(t, s.ReleaseLock(ctx, "prod", "p2")) // again: a retry is harmless
	env, err := s.GetEnvironment(ctx, "prod")
	must(t, err)
	if env.Lock != nil {
		t.Errorf("lock still held after release: %+v", env.Lock)
	}
	_, err = s.AcquireLock(ctx, "ghost", "p1", t0, time.Minute)
	wantCode(t, err, fault.NotFound)
}
