package ui

import (
	"context"
	"errors"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// login signs in with p in the browser, showing the waiting screen until the browser hands back; Cancel (or
// Escape) stops it and goes back to the email screen.
func (w *waitingScreen) login(at attempt, p idp.Provider) {
	ctx, later := w.env.jobs.start(func() { w.env.nav.showEmail(at, problem.Describe(auth.ErrCancelled)) })
	w.show(at, p)
	w.countdown(ctx, later)
	w.again.OnTapped = func() { w.openAgain(ctx, later) }
	req := session.LoginRequest{LoginRequest: auth.LoginRequest{
		Provider: p, Email: at.email, Prompt: at.prompt,
		OnBrowser: func(url string, err error) { later(func() { w.browserOpened(url, err) }) },
	}, Line: at.line()}
	go func() {
		s, err := w.env.deps.Signer.Login(ctx, req)
		later(func() {
			w.env.jobs.stop()
			w.loggedIn(at, p, s, err)
		})
	}()
}

// countdown updates the time left every second until ctx ends.
func (w *waitingScreen) countdown(ctx context.Context, later func(func())) {
	ticks, stop := w.env.every(time.Second)
	go func() {
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
				later(w.showTimeLeft)
			}
		}
	}()
}

// openAgain asks the browser to open the sign-in page again.
func (w *waitingScreen) openAgain(ctx context.Context, later func(func())) {
	url := w.url
	go func() {
		err := w.env.deps.Browser.Open(ctx, url)
		later(func() { w.browserOpened(url, err) })
	}()
}

// loggedIn brings the window to the front and shows the dialer, or what went wrong.
func (w *waitingScreen) loggedIn(at attempt, p idp.Provider, s *session.Session, err error) {
	raise(w.env.win)
	nav := w.env.nav
	switch {
	case err == nil:
		nav.signedIn(accountOfSession(s, p), s)
	case errors.Is(err, auth.ErrCancelled):
		nav.showEmail(at, problem.Describe(err))
	default:
		nav.showProblem(err, at, func() { nav.login(at, p) })
	}
}
