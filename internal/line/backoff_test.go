package line

import (
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterAndCap(t *testing.T) {
	b := backoff{min: time.Second, max: 8 * time.Second}
	tests := []struct {
		r    float64
		want time.Duration // delays 1, 2, 4, 8, 8 s, each drawn from [d/2, d)
	}{
		{0, 500 * time.Millisecond},
		{0.5, 1500 * time.Millisecond},
		{0, 2 * time.Second},
		{0.75, 7 * time.Second},
		{0.5, 6 * time.Second}, // capped at 8 s
	}
	for i, tt := range tests {
		if got := b.next(tt.r); got != tt.want {
			t.Errorf("failure %d: next(%v) = %v, want %v", i+1, tt.r, got, tt.want)
		}
	}
	b.reset()
	if got := b.next(0); got != 500*time.Millisecond {
		t.Errorf("after reset: next(0) = %v, want 500ms", got)
	}
}

func TestRetryDelayHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want time.Duration
	}{
		{"retry-after", &UnreachableError{Status: 503, RetryAfter: 30 * time.Second}, 30 * time.Second},
		{"capped", &UnreachableError{Status: 503, RetryAfter: 5 * time.Hour}, maxRetryAfter},
		{"network", &UnreachableError{Err: errNoAnswer}, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := backoff{min: time.Second, max: time.Minute}
			if got := retryDelay(tt.err, &b, 0); got != tt.want {
				t.Errorf("retryDelay = %v, want %v", got, tt.want)
			}
		})
	}
}
