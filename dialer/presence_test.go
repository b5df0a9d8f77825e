package dialer

import (
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func TestPresenceDescribe(t *testing.T) {
	tests := []struct {
		name string
		p    Presence
		want string
	}{
		{name: "zero value", p: Presence{}, want: "Signed out"},
		{name: "online", p: Presence{State: Online}, want: "Online"},
		{name: "reconnecting, unknown retry", p: Presence{State: Reconnecting}, want: "Reconnecting"},
		{name: "reconnecting in 20 s", p: Presence{State: Reconnecting, NextRetry: t0.Add(20 * time.Second)}, want: "Reconnecting — next try in 20 s"},
		{name: "rounds seconds up", p: Presence{State: Reconnecting, NextRetry: t0.Add(19*time.Second + time.Millisecond)}, want: "Reconnecting — next try in 20 s"},
		{name: "minutes", p: Presence{State: Reconnecting, NextRetry: t0.Add(150 * time.Second)}, want: "Reconnecting — next try in 3 min"},
		{name: "due", p: Presence{State: Reconnecting, NextRetry: t0}, want: "Reconnecting — trying now"},
		{name: "overdue", p: Presence{State: Reconnecting, NextRetry: t0.Add(-time.Second)}, want: "Reconnecting — trying now"},
		{name: "connecting", p: Presence{State: Connecting}, want: "Connecting…"},
		{name: "connecting, next try", p: Presence{State: Connecting, NextRetry: t0.Add(20 * time.Second)}, want: "Connecting — next try in 20 s"},
		{name: "connecting, due", p: Presence{State: Connecting, NextRetry: t0}, want: "Connecting — trying now"},
		{name: "refused", p: Presence{State: Refused}, want: "Line refused"},
		{name: "refused with a reason", p: Presence{State: Refused, Reason: "forbidden"}, want: "Line refused — forbidden"},
		{name: "a reason only for refused", p: Presence{State: Online, Reason: "forbidden"}, want: "Online"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Describe(t0); got != tt.want {
				t.Errorf("Describe() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	tests := map[State]string{
		SignedOut: "Signed out", Online: "Online", Reconnecting: "Reconnecting", Connecting: "Connecting", Refused: "Line refused",
		State(9): "State(9)",
	}
	for s, want := range tests {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestStateRetries(t *testing.T) {
	for s, want := range map[State]bool{SignedOut: false, Online: false, Reconnecting: true, Connecting: true, Refused: false} {
		if got := s.Retries(); got != want {
			t.Errorf("%v.Retries() = %v, want %v", s, got, want)
		}
	}
}

func TestPresenceTracker(t *testing.T) {
	tracker := NewPresenceTracker(func() time.Time { return t0 })
	var got []Presence
	cancel := tracker.Subscribe(func(p Presence) { got = append(got, p) })

	tracker.SetOnline()
	tracker.SetOnline() // no change, no notification
	tracker.SetReconnecting(20 * time.Second)
	tracker.SetSignedOut()
	cancel()
	tracker.SetOnline() // after cancel, not seen

	want := []Presence{
		{State: SignedOut},
		{State: Online},
		{State: Reconnecting, NextRetry: t0.Add(20 * time.Second)},
		{State: SignedOut},
	}
	if !slices.Equal(got, want) {
		t.Errorf("subscriber saw %v, want %v", got, want)
	}
	if p := tracker.Presence(); p.State != Online {
		t.Errorf("Presence() = %v, want Online", p)
	}
}

// TestPresenceTrackerTellsNewAdvice: the same state with another sentence of advice is a change.
func TestPresenceTrackerTellsNewAdvice(t *testing.T) {
	tracker := NewPresenceTracker(func() time.Time { return t0 })
	var got []Presence
	cancel := tracker.Subscribe(func(p Presence) { got = append(got, p) })
	defer cancel()
	refused := Presence{State: Refused, Reason: "forbidden", Advice: "Contact your admin."}
	tracker.Set(refused)
	tracker.Set(refused) // no change, no notification
	tracker.Set(Presence{State: Refused, Reason: "forbidden", Advice: "Sign in again."})
	if len(got) != 3 {
		t.Errorf("subscriber saw %v, want signed out and both refusals", got)
	}
}

func TestPresenceTrackerDefaultClock(t *testing.T) {
	tracker := NewPresenceTracker(nil)
	before := time.Now()
	tracker.SetReconnecting(time.Minute)
	if next := tracker.Presence().NextRetry; next.Before(before.Add(time.Minute)) {
		t.Errorf("NextRetry = %v, want at least %v", next, before.Add(time.Minute))
	}
}

// TestPresenceTrackerConcurrent runs setters and subscribers at once; run with -race.
func TestPresenceTrackerConcurrent(t *testing.T) {
	tracker := NewPresenceTracker(nil)
	var mu sync.Mutex
	seen := 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			cancel := tracker.Subscribe(func(Presence) { mu.Lock(); seen++; mu.Unlock() })
			defer cancel()
			for j := range 50 {
				tracker.Set(Presence{State: State((i + j) % 3)})
				_ = tracker.Presence()
			}
		})
	}
	wg.Wait()
	if seen == 0 {
		t.Error("subscribers saw no changes")
	}
}
