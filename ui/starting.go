package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
	"dialtone/internal/keyring"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// startingScreen is shown while the stored session signs in silently at launch, and while the agent signs out:
// a spinner over who is being signed in or out.
type startingScreen struct {
	spin    *widget.Activity
	title   *widget.Label
	name    *widget.Label
	email   *widget.Label
	cancel  *keyButton
	content fyne.CanvasObject
}

func (a *App) makeStarting() fyne.CanvasObject {
	s := &a.starting
	s.spin = widget.NewActivity()
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.name = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.name.SizeName = theme.SizeNameSubHeadingText
	s.email = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.cancel = a.newButton("Cancel", nil, a.escape)
	s.cancel.Importance = widget.LowImportance
	column := container.NewVBox(fixedImage(appIcon, 72), s.name, s.email, container.NewCenter(s.spin), s.title, container.NewCenter(s.cancel))
	return container.NewCenter(column)
}

// showStarting shows the starting screen with what is happening and to whom; cancellable adds a Cancel.
func (a *App) showStarting(title, name, email string, cancellable bool) {
	s := &a.starting
	s.title.SetText(title)
	setShown(s.name, name)
	s.email.SetText(email)
	setVisible(s.cancel, cancellable)
	a.show(s.content)
	s.spin.Start()
}

// resume signs the stored session in silently, showing who is being signed in; Cancel goes to the email screen.
func (a *App) resume(rec *session.Record) {
	a.flow.email = rec.Email
	a.showStarting("Signing you in…", rec.Name, rec.Email, true)
	run(a, a.deps.Starter.Resume, func(s *session.Session, err error) { a.resumed(rec, s, err) })
	a.onEscape = func() {
		a.cancelJob()
		a.startOver()
	}
}

// resumed ends the silent sign-in: in the dialer when it worked, in the dialer reconnecting when the provider
// could not be reached (a network blip never signs the agent out), else on the email screen.
func (a *App) resumed(rec *session.Record, s *session.Session, err error) {
	var kerr *keyring.Error
	switch {
	case err == nil:
		a.signedIn(accountOfRecord(rec, s))
	case errors.Is(err, session.ErrOffline):
		a.showDialer(accountOfRecord(rec, nil), dialer.Presence{State: dialer.Reconnecting})
		a.keepAlive()
	case errors.Is(err, session.ErrLoginRequired):
		a.showEmail(rec.Email, problem.Describe(err))
	case errors.As(err, &kerr):
		a.showEmail(rec.Email, "Dialtone could not read your saved sign-in from the system keyring. Sign in again; unlock or start your keyring to stay signed in next time.")
	default:
		a.showProblem(err, func() { a.resume(rec) })
	}
}

// keepAlive keeps the session alive in the background until stopKeepAlive, showing how it stands on the
// presence dot and the tray icon.
func (a *App) keepAlive() {
	a.stopKeepAlive()
	ctx, cancel := context.WithCancel(context.Background())
	a.dialer.stopKeep = cancel
	report := func(st session.Status) {
		a.do(func() {
			if ctx.Err() == nil {
				a.statusChanged(st)
			}
		})
	}
	go a.deps.Keeper.KeepAlive(ctx, report)
}

func (a *App) stopKeepAlive() {
	if a.dialer.stopKeep != nil {
		a.dialer.stopKeep()
		a.dialer.stopKeep = nil
	}
}

// statusChanged follows a KeepAlive report: renewed is Online (green), the provider out of reach is
// Reconnecting (amber) with the next retry, an ended session goes back to the email screen with the email filled
// in.
func (a *App) statusChanged(st session.Status) {
	switch {
	case st.Err == nil:
		a.setPresence(dialer.Presence{State: dialer.Online})
		if st.Session != nil {
			a.showKeyringBanner(st.Session.KeyringErr)
		}
	case st.Ended():
		a.stopKeepAlive()
		a.tray.setSignedIn(false)
		a.showEmail(a.dialer.account.email, sessionEnded(st.Err))
	default:
		a.setPresence(dialer.Presence{State: dialer.Reconnecting, NextRetry: st.NextRetry})
	}
}

// sessionEnded says why the provider ended the session.
func sessionEnded(err error) string {
	if err == nil {
		return problem.Describe(session.ErrLoginRequired)
	}
	return problem.Describe(err)
}

// signOut signs the agent out (everywhere: at the provider's browser session too), then shows the email
// screen; another also asks the provider to let the agent choose the account at the next sign-in.
func (a *App) signOut(everywhere, another bool) {
	acct := a.dialer.account
	a.stopKeepAlive()
	a.win.Show()
	a.showStarting("Signing out…", acct.name, acct.email, false)
	run(a, func(ctx context.Context) (signOutResult, error) { return a.logout(ctx, everywhere) },
		func(r signOutResult, err error) { a.signedOut(acct, r, err, everywhere, another) })
}

// signOutResult is what Logout did, and whether the provider's sign-out page opened.
type signOutResult struct {
	session.LogoutResult
	openErr error
}

// logout signs out and, when the provider gives a sign-out page, opens it in the browser.
func (a *App) logout(ctx context.Context, everywhere bool) (signOutResult, error) {
	res, err := a.deps.Leaver.Logout(ctx, everywhere)
	r := signOutResult{LogoutResult: res}
	if err == nil && res.EndSessionURL != "" {
		r.openErr = a.deps.Browser.Open(ctx, res.EndSessionURL)
	}
	return r, err
}

func (a *App) signedOut(acct account, r signOutResult, err error, everywhere, another bool) {
	if err != nil {
		a.showProblem(err, func() { a.signOut(everywhere, another) })
		return
	}
	a.tray.setSignedIn(false)
	a.flow.email = acct.email
	if another {
		a.useAnotherAccount()
		return
	}
	a.showEmail(acct.email, signedOutNotice(acct, r, everywhere))
	if r.openErr != nil {
		a.email.offerSignOutLink(r.EndSessionURL)
	}
}

// signedOutNotice tells the agent they are signed out, and what could not be done at the provider.
func signedOutNotice(acct account, r signOutResult, everywhere bool) string {
	msg := "You are signed out."
	if r.RevokeErr != nil {
		msg += " Your identity provider could not be told, so your session there ends when it expires."
	}
	switch {
	case r.openErr != nil:
		msg += " Dialtone could not open your browser to sign you out of " + acct.provider + " too: copy the sign-out link into your browser."
	case everywhere && r.EndSessionURL == "":
		msg += " " + acct.provider + " has no sign-out page, so you may still be signed in to it in your browser."
	}
	return msg
}
