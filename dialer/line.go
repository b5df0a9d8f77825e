package dialer

import (
	"context"
	"errors"
)

// ErrNoLine reports that the agent's account has no phone line: a Line that cannot place calls returns it,
// and so does Dialtone when the directory (or the provider list) names no line to register. internal/problem
// classifies it (exit 2) and says it to the agent.
var ErrNoLine = errors.New("dialer: no phone line is set up for this account")

// Line places calls. An implementation connects to the call platform (SIP, a contact-centre API …); this
// package provides none that does, only NoLine.
type Line interface {
	// Call asks the line to call number and returns once the call is placed (ringing) or has failed. It
	// returns ctx.Err() if ctx ends first, and ErrNoLine if the account has no line.
	Call(ctx context.Context, number Number) error
}

// NoLine is the Line of an account without a phone line: every Call returns ErrNoLine and places nothing.
type NoLine struct{}

// Call returns ErrNoLine.
func (NoLine) Call(context.Context, Number) error { return ErrNoLine }

// HasLine reports whether l can place calls: it is false for nil and NoLine, so that a UI can disable its Call
// button up front instead of failing on the first call.
func HasLine(l Line) bool {
	switch l.(type) {
	case nil, NoLine, *NoLine:
		return false
	}
	return true
}
