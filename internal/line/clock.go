package line

import "time"

// Clock is the time source of a line's timers: re-registration, backoff and
// Retry-After waits. Tests inject a fake one; nil means the real clock.
// SIP transaction timeouts (Options.Timeout) always use real time.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
