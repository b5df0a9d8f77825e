package linetest

import (
	"sync"
	"testing"
	"time"
)

// Clock is a line.Clock that moves only when the test says so. Each timer
// the line sets is announced on Timers, so a test waits for the line to
// settle instead of sleeping.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	timers  chan time.Duration
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewClock returns a clock at now.
func NewClock(now time.Time) *Clock {
	return &Clock{now: now, timers: make(chan time.Duration, 64)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives once the clock has been advanced
// by d, and announces d to NextTimer.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	c.mu.Unlock()
	c.timers <- d
	return ch
}

// Advance moves the clock and fires every timer that is due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// NextTimer waits, at most within, for the line to set a timer and
// returns its duration.
func (c *Clock) NextTimer(t testing.TB, within time.Duration) time.Duration {
	t.Helper()
	select {
	case d := <-c.timers:
		return d
	case <-time.After(within):
		t.Fatalf("no timer was set within %s", within)
		return 0
	}
}
