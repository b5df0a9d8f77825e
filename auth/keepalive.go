package auth

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// State is how a session stands, as the dialer's presence dot shows it.
type State int

// The states KeepAlive reports.
const (
	StateOnline       State = iota + 1 // the last refresh succeeded
	StateReconnecting                  // the provider is unreachable; retrying with backoff
	StateSignedOut                     // the provider ended the session; sign in again
)

// Status is one report of KeepAlive.
type Status struct {
	State     State
	Session   *Session  // the live session when Online
	NextRetry time.Time // when Reconnecting: the next attempt
	Err       error     // why, when not Online
}

// Keep-alive timing: refresh this long before the access token expires
// (or a fifth of its lifetime, whichever is shorter), and back off from
// minBackoff doubling to maxBackoff with ±20 % jitter while offline.
const (
	refreshMargin = 2 * time.Minute
	minBackoff    = 2 * time.Second
	maxBackoff    = 5 * time.Minute
	idleRefresh   = 30 * time.Minute // when the provider gives no expiry
)

// KeepAlive keeps the session alive until ctx is done or the session ends:
// it refreshes ahead of access-token expiry and, while the provider cannot
// be reached, retries with capped exponential backoff and jitter, never
// dropping the stored session for a network failure. report is called
// from KeepAlive's goroutine on every change; after StateSignedOut it
// returns.
func (m *Sessions) KeepAlive(ctx context.Context, report func(Status)) {
	backoff := time.Duration(0)
	for {
		wait := m.nextRefresh(backoff)
		if !m.sleep(ctx, wait) {
			return
		}
		s, err := m.Refresh(ctx)
		switch {
		case err == nil:
			backoff = 0
			report(Status{State: StateOnline, Session: s})
		case errors.Is(err, ErrLoginRequired):
			report(Status{State: StateSignedOut, Err: err})
			return
		case ctx.Err() != nil:
			return
		default:
			backoff = nextBackoff(backoff)
			report(Status{State: StateReconnecting, NextRetry: m.client.now().Add(backoff), Err: err})
		}
	}
}

// nextRefresh is how long to wait before the next refresh: the backoff
// while reconnecting, else until the margin before expiry.
func (m *Sessions) nextRefresh(backoff time.Duration) time.Duration {
	if backoff > 0 {
		return backoff
	}
	s := m.Current()
	if s == nil {
		return 0
	}
	if s.ExpiresAt.IsZero() {
		return idleRefresh
	}
	left := s.ExpiresAt.Sub(m.client.now())
	return max(left-min(refreshMargin, left/5), 0)
}

// sleep waits d or until ctx is done, and reports whether to go on.
func (m *Sessions) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// nextBackoff doubles d from minBackoff up to maxBackoff, with ±20 %
// jitter so many agents do not retry in step after an outage.
func nextBackoff(d time.Duration) time.Duration {
	d = min(max(2*d, minBackoff), maxBackoff)
	jitter := time.Duration(rand.Int64N(int64(d/5)*2+1)) - d/5
	return d + jitter
}
