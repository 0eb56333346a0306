package store

import (
	"errors"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

func TestAcquire(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	held := &environment.Lock{Holder: "p1", Since: t0, Expires: t0.Add(time.Hour)}
	now := t0.Add(time.Minute)
	tests := []struct {
		name      string
		cur       *environment.Lock
		holder    string
		ok        bool
		wantSince time.Time
	}{
		{"free", nil, "p2", true, now},
		{"run out", &environment.Lock{Holder: "p1", Since: t0, Expires: now}, "p2", true, now},
		{"renewed by its holder", held, "p1", true, t0},
		{"held by another", held, "p2", false, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lock, ok := Acquire(tt.cur, tt.holder, now, 10*time.Minute)
			if ok != tt.ok {
				t.Fatalf("ok = %t, want %t", ok, tt.ok)
			}
			if ok && (lock.Holder != tt.holder || !lock.Since.Equal(tt.wantSince) || !lock.Expires.Equal(now.Add(10*time.Minute))) {
				t.Errorf("lock %+v", lock)
			}
		})
	}
	if Frees(nil, "p1") || Frees(held, "p2") || !Frees(held, "p1") {
		t.Error("Frees: only the holder frees a lock")
	}
}

func TestLockedErrorNamesTheHolder(t *testing.T) {
	lock := &environment.Lock{Holder: "p1", Since: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	found := func(string) (*promotion.Promotion, error) {
		return &promotion.Promotion{State: promotion.Applying}, nil
	}
	missing := func(string) (*promotion.Promotion, error) { return nil, errors.New("gone") }
	if got := fault.ErrorMessage(LockedError("prod", lock, found)); got != `environment "prod" is locked by promotion p1 (APPLYING) since 2026-11-01T10:00:00Z` {
		t.Errorf("message %q", got)
	}
	if got := fault.ErrorMessage(LockedError("prod", lock, missing)); got != `environment "prod" is locked by promotion p1 (unknown state) since 2026-11-01T10:00:00Z` {
		t.Errorf("message %q", got)
	}
}
