package main

import (
	"context"
	"sync/atomic"

	"dialtone/internal/session"
	"dialtone/ui"
)

// earlyResume is the session store with the launch's silent sign-in
// already under way: runApp starts it before Fyne opens the window, so the
// keyring, the token request and the saving of the rotated token overlap
// with the window's creation instead of following it. The window's first
// Resume takes that result; later ones (Retry) are ordinary.
type earlyResume struct {
	*session.Store

	stored *session.Record // what was stored when the early sign-in began
	taken  atomic.Bool     // the window has taken the early result
	cancel context.CancelFunc
	done   chan struct{}
	s      *session.Session
	err    error
}

// resumeEarly starts the silent sign-in of sessions now, if a session is
// stored; else it returns sessions as they are. When it succeeds, then
// (nil: nothing) is handed the session at once — the agent's Warm, so that
// the phone line registers while the window is still being made.
func resumeEarly(ctx context.Context, sessions *session.Store, then func(*session.Session)) ui.Starter {
	rec := sessions.Stored()
	if rec == nil {
		return sessions
	}
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyResume{Store: sessions, stored: rec, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		e.s, e.err = sessions.Resume(ctx)
		if e.err == nil && then != nil {
			then(e.s)
		}
	}()
	return e
}

// Resume returns the early sign-in's result the first time, waiting for it
// or for ctx (whose end cancels it: the window's Cancel), and signs in
// afresh after that.
func (e *earlyResume) Resume(ctx context.Context) (*session.Session, error) {
	if !e.taken.CompareAndSwap(false, true) {
		return e.Store.Resume(ctx)
	}
	select {
	case <-e.done:
		return e.s, e.err
	case <-ctx.Done():
		e.cancel()
		<-e.done
		return nil, ctx.Err()
	}
}

// Stored returns the session stored when the early sign-in began, until the
// window has taken its result: a refused sign-in forgets the session, and
// the window must still show whom it tried to sign in, and why that ended.
func (e *earlyResume) Stored() *session.Record {
	if !e.taken.Load() {
		return e.stored
	}
	return e.Store.Stored()
}
