// Package fakeclock is a clock tests move by hand, safe to read from the
// goroutines of a running system, so expiry, timeouts and soak run instantly.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a time that moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock stopped at now.
func New(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time; pass it where a func() time.Time is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
