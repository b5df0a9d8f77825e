package ui

import (
	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// nav is how a screen moves the app on: each method shows a screen (the shell's job) and asks it to go on from
// there. *App implements it; every method runs on the Fyne thread.
type nav interface {
	resume(rec *session.Record)                      // sign rec in silently, on the starting screen
	showEmail(at attempt, notice string)             // ask for the email, notice above it ("" for none)
	showSignedOut(email, notice, signOutURL string)  // the same after a sign-out, with the provider's page to copy
	useAnotherAccount(email string)                  // start over, the provider to ask which account
	showChoose(at attempt, offered []idp.Provider)   // offer the providers
	login(at attempt, p idp.Provider)                // sign in with p in the browser, on the waiting screen
	showProblem(err error, at attempt, again func()) // say what stopped at; again starts the failed step again
	signedIn(acct account, s *session.Session)       // the dialer, the agent kept reachable
	signOut(everywhere, another bool)                // sign the agent out, on the starting screen
	setAvailable(on bool)                            // register the line again, or unregister it (Offline)
}

// attempt is one sign-in as it goes from screen to screen: the email being signed in, the prompt the provider
// gets, and the providers the directory offered.
type attempt struct {
	email  string
	prompt string            // "select_account" after "Use another account", until the agent is signed in
	answer *directory.Answer // nil until the lookup answers
}

// line is the account's phone line from the directory's answer, or nil.
func (at attempt) line() *sipaddr.Config {
	if at.answer == nil || at.answer.List == nil {
		return nil
	}
	return at.answer.List.Line
}

// anotherAccountNotice is what the email screen says after "Use another account".
const anotherAccountNotice = "When you continue, your browser asks which account to use."

func (a *App) resume(rec *session.Record) {
	s := a.starting.get()
	a.show(s)
	s.resume(rec)
}

// showEmail also shows the agent signed out on the tray: the email screen is never shown while they are signed
// in.
func (a *App) showEmail(at attempt, notice string) {
	a.tray.setSignedIn(false)
	e := a.email.get()
	a.show(e)
	e.show(at, notice)
}

func (a *App) showSignedOut(email, notice, signOutURL string) {
	a.showEmail(attempt{email: email}, notice)
	if signOutURL != "" {
		a.email.get().offerSignOutLink(signOutURL)
	}
}

func (a *App) useAnotherAccount(email string) {
	a.showEmail(attempt{email: email, prompt: "select_account"}, anotherAccountNotice)
}

func (a *App) showChoose(at attempt, offered []idp.Provider) {
	c := a.choose.get()
	a.show(c)
	c.show(at, offered)
}

func (a *App) login(at attempt, p idp.Provider) {
	w := a.waiting.get()
	a.show(w)
	w.login(at, p)
}

// showProblem shows err, unless it is a cancelled sign-in, which is no problem: that goes back to the email
// screen.
func (a *App) showProblem(err error, at attempt, again func()) {
	if problem.Classify(err) == problem.Cancelled {
		a.showEmail(at, problem.Describe(err))
		return
	}
	p := a.problem.get()
	a.show(p)
	p.show(err, at, again)
}
