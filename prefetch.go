package main

import (
	"context"
	"sync"

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

	taken  sync.Once
	cancel context.CancelFunc
	done   chan struct{}
	s      *session.Session
	err    error
}

// resumeEarly starts the silent sign-in of sessions now, if a session is
// stored; else it returns sessions as they are.
func resumeEarly(ctx context.Context, sessions *session.Store) ui.Starter {
	if sessions.Stored() == nil {
		return sessions
	}
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyResume{Store: sessions, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		e.s, e.err = sessions.Resume(ctx)
	}()
	return e
}

// Resume returns the early sign-in's result the first time, waiting for it
// or for ctx (whose end cancels it: the window's Cancel), and signs in
// afresh after that.
func (e *earlyResume) Resume(ctx context.Context) (*session.Session, error) {
	first := false
	e.taken.Do(func() { first = true })
	if !first {
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
