package session

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Status is one report of KeepAlive: the session was renewed (Err is nil),
// the provider could not be reached and the next try is at NextRetry, or
// the session ended (Ended).
type Status struct {
	Session   *Session  // the renewed session, when Err is nil
	NextRetry time.Time // when the provider could not be reached: the next try
	Err       error     // why the session was not renewed
}

// Ended reports that the provider ended the session: the agent must sign
// in again. KeepAlive returns after reporting it.
func (s Status) Ended() bool { return errors.Is(s.Err, ErrLoginRequired) }

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
// from KeepAlive's goroutine after every attempt; after a Status that
// Ended it returns.
func (m *Store) KeepAlive(ctx context.Context, report func(Status)) {
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
			report(Status{Session: s})
		case errors.Is(err, ErrLoginRequired):
			report(Status{Err: err})
			return
		case ctx.Err() != nil:
			return
		default:
			backoff = nextBackoff(backoff)
			report(Status{NextRetry: m.client.Now().Add(backoff), Err: err})
		}
	}
}

// nextRefresh is how long to wait before the next refresh: the backoff
// while reconnecting, else until the margin before expiry.
func (m *Store) nextRefresh(backoff time.Duration) time.Duration {
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
	left := s.ExpiresAt.Sub(m.client.Now())
	return max(left-min(refreshMargin, left/5), 0)
}

// sleep waits d or until ctx is done, and reports whether to go on.
func (m *Store) sleep(ctx context.Context, d time.Duration) bool {
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
