package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dialtone/dialer"
)

var dialT0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func TestPresenceDot(t *testing.T) {
	tests := []struct {
		name      string
		presence  dialer.Presence
		wantText  string
		wantColor fyne.ThemeColorName
	}{
		{name: "signed out", presence: dialer.Presence{}, wantText: "Signed out", wantColor: theme.ColorNamePlaceHolder},
		{name: "online", presence: dialer.Presence{State: dialer.Online}, wantText: "Online", wantColor: theme.ColorNameSuccess},
		{
			name:     "reconnecting",
			presence: dialer.Presence{State: dialer.Reconnecting, NextRetry: dialT0.Add(20 * time.Second)},
			wantText: "Reconnecting — next try in 20 s", wantColor: theme.ColorNameWarning,
		},
		{name: "connecting", presence: dialer.Presence{State: dialer.Connecting}, wantText: "Connecting…", wantColor: theme.ColorNameWarning},
		{
			name:     "connecting, next try",
			presence: dialer.Presence{State: dialer.Connecting, NextRetry: dialT0.Add(20 * time.Second)},
			wantText: "Connecting — next try in 20 s", wantColor: theme.ColorNameWarning,
		},
		{
			name:     "line refused",
			presence: dialer.Presence{State: dialer.Refused, Reason: "forbidden"},
			wantText: "Line refused — forbidden", wantColor: theme.ColorNameError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newTestDot(t)
			d.SetPresence(tt.presence)
			if got := d.Text(); got != tt.wantText {
				t.Errorf("Text() = %q, want %q", got, tt.wantText)
			}
			if got, want := d.dot.FillColor, theme.Color(tt.wantColor); got != want {
				t.Errorf("dot colour = %v, want %v (%s)", got, want, tt.wantColor)
			}
			if got := d.Presence(); got != tt.presence {
				t.Errorf("Presence() = %v, want %v", got, tt.presence)
			}
		})
	}
}

func TestPresenceDotCountdown(t *testing.T) {
	d, timers := newTestDot(t)
	d.SetPresence(dialer.Presence{State: dialer.Reconnecting, NextRetry: dialT0.Add(2500 * time.Millisecond)})
	if got, want := d.Text(), "Reconnecting — next try in 3 s"; got != want {
		t.Fatalf("Text() = %q, want %q", got, want)
	}
	steps := []struct {
		wantWait time.Duration
		wantText string
	}{
		{wantWait: 500 * time.Millisecond, wantText: "Reconnecting — next try in 2 s"},
		{wantWait: time.Second, wantText: "Reconnecting — next try in 1 s"},
		{wantWait: time.Second, wantText: "Reconnecting — trying now"},
	}
	for i, step := range steps {
		if wait := timers.fire(t); wait != step.wantWait {
			t.Errorf("tick %d was scheduled after %v, want %v", i, wait, step.wantWait)
		}
		if got := d.Text(); got != step.wantText {
			t.Errorf("after tick %d, Text() = %q, want %q", i, got, step.wantText)
		}
	}
	if len(timers.pending) != 0 {
		t.Errorf("%d ticks scheduled after the retry time, want none", len(timers.pending))
	}
}

func TestPresenceDotStaleTick(t *testing.T) {
	d, timers := newTestDot(t)
	d.SetPresence(dialer.Presence{State: dialer.Reconnecting, NextRetry: dialT0.Add(20 * time.Second)})
	tick := timers.pending[0]
	d.SetPresence(dialer.Presence{State: dialer.Online})
	if !tick.stopped {
		t.Error("the countdown was not stopped when the presence changed")
	}
	timers.fire(t) // as if the timer had fired just before it was stopped
	if got := d.Text(); got != "Online" {
		t.Errorf("after a stale tick, Text() = %q, want %q", got, "Online")
	}
	if len(timers.pending) != 0 {
		t.Errorf("a stale tick scheduled %d more", len(timers.pending))
	}
}

// newTestDot returns a PresenceDot on a test app, with a fake clock at dialT0 and fake timers that move it.
func newTestDot(t *testing.T) (*PresenceDot, *dotTimers) {
	t.Helper()
	test.NewTempApp(t)
	timers := &dotTimers{clock: &dialClock{t: dialT0}}
	d := NewPresenceDot(dialer.Presence{})
	d.now, d.after = timers.clock.Now, timers.after
	w := test.NewWindow(d)
	t.Cleanup(w.Close)
	return d, timers
}

// dotTimers stands in for time.AfterFunc: fire runs the oldest scheduled func after moving the clock.
type dotTimers struct {
	clock   *dialClock
	pending []*dotTimer
}

type dotTimer struct {
	wait    time.Duration
	f       func()
	stopped bool
}

func (ft *dotTimers) after(wait time.Duration, f func()) func() bool {
	tm := &dotTimer{wait: wait, f: f}
	ft.pending = append(ft.pending, tm)
	return func() bool { tm.stopped = true; return true }
}

// fire runs the oldest timer, stopped or not (a real timer may fire just before Stop), and returns its wait.
func (ft *dotTimers) fire(t *testing.T) time.Duration {
	t.Helper()
	if len(ft.pending) == 0 {
		t.Fatal("no tick is scheduled")
	}
	tm := ft.pending[0]
	ft.pending = ft.pending[1:]
	ft.clock.Advance(tm.wait)
	tm.f()
	return tm.wait
}
