package line

import (
	"errors"
	"time"
)

// Status is where a line stands, as the UI's dot shows it.
type Status int

// The statuses of a line. The zero value is StatusUnregistered.
const (
	// StatusUnregistered: no registration (grey): not started, stopped,
	// or unregistered.
	StatusUnregistered Status = iota
	// StatusRegistering: a REGISTER is on its way (amber).
	StatusRegistering
	// StatusConnecting: the last try failed for now; the next one is due
	// at State.NextTry (amber).
	StatusConnecting
	// StatusRegistered: the registrar answered 200 OK; calls can reach the
	// agent until State.ExpiresAt (green).
	StatusRegistered
	// StatusRefused: the registrar or its challenge refused the line;
	// State.Err is a *RefusedError (red). Nothing is retried.
	StatusRefused
)

var statusNames = [...]string{"unregistered", "registering", "connecting", "registered", "refused"}

// String is the status's name as the command line prints it in JSON:
// "unregistered", "registering", "connecting", "registered" or "refused".
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "unknown"
	}
	return statusNames[s]
}

// MarshalText makes a Status marshal as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// State is a line's status with what goes with it.
type State struct {
	Status    Status
	NextTry   time.Time // StatusConnecting: when the next REGISTER goes out
	ExpiresAt time.Time // StatusRegistered: when the registration lapses
	Err       error     // StatusConnecting: why the last try failed; StatusRefused: the *RefusedError
}

// Reason returns why the line was refused, or "" unless Status is
// StatusRefused.
func (s State) Reason() Reason {
	var re *RefusedError
	if s.Status != StatusRefused || !errors.As(s.Err, &re) {
		return ""
	}
	return re.Reason
}
