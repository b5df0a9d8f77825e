package linetest

import (
	"testing"
	"time"

	"dialtone/internal/line"
)

// States collects a line's states: pass its Record as Options.OnState.
type States chan line.State

// NewStates returns a collector with room for every state of a test.
func NewStates() States { return make(States, 256) }

// Record is an Options.OnState callback.
func (s States) Record(st line.State) { s <- st }

// WaitFor returns the next state with status want, skipping others; it
// fails the test if none comes within the given time.
func (s States) WaitFor(t testing.TB, want line.Status, within time.Duration) line.State {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case st := <-s:
			if st.Status == want {
				return st
			}
		case <-deadline:
			t.Fatalf("the line did not become %v within %s", want, within)
			return line.State{}
		}
	}
}

// Drain returns the states recorded so far.
func (s States) Drain() []line.State {
	var got []line.State
	for {
		select {
		case st := <-s:
			got = append(got, st)
		default:
			return got
		}
	}
}
