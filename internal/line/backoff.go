package line

import (
	"errors"
	"time"
)

// backoff spaces out retries after failures: capped exponential delays with
// "equal jitter" — each delay is drawn from [d/2, d) — so that many clients
// that lost the same registrar do not come back in step.
type backoff struct {
	min, max time.Duration
	failures int
}

// next counts a failure and returns the delay before the next try; r, in
// [0, 1), picks the point in the jitter range.
func (b *backoff) next(r float64) time.Duration {
	d := b.min
	for i := 0; i < b.failures && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.failures++
	return d/2 + time.Duration(r*float64(d/2))
}

// reset starts over after a success.
func (b *backoff) reset() { b.failures = 0 }

// maxRetryAfter caps a registrar's Retry-After.
const maxRetryAfter = time.Hour

// retryDelay is how long to wait after a temporary failure: the
// registrar's Retry-After when it sent one (capped), else the backoff's.
func retryDelay(err error, b *backoff, r float64) time.Duration {
	var ue *UnreachableError
	if errors.As(err, &ue) && ue.RetryAfter > 0 {
		b.failures++
		return min(ue.RetryAfter, maxRetryAfter)
	}
	return b.next(r)
}
