package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// startingScreen is shown while the stored session signs in silently at launch, and while the agent signs out:
// a spinner over who is being signed in or out.
type startingScreen struct {
	env     *env
	spin    *spinner
	title   *widget.Label
	name    *widget.Label
	email   *widget.Label
	cancel  *keyButton
	content fyne.CanvasObject
}

func newStartingScreen(e *env) *startingScreen {
	s := &startingScreen{env: e, spin: newSpinner()}
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.name = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.name.SizeName = theme.SizeNameSubHeadingText
	s.email = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	s.cancel = e.button("Cancel", nil, e.jobs.escape)
	s.cancel.Importance = widget.LowImportance
	column := container.NewVBox(fixedImage(appIcon, 72), s.name, s.email, container.NewCenter(s.spin), s.title, container.NewCenter(s.cancel))
	s.content = container.NewCenter(column)
	return s
}

func (s *startingScreen) screenName() string      { return "starting" }
func (s *startingScreen) root() fyne.CanvasObject { return s.content }
func (s *startingScreen) leave()                  { s.spin.Stop() }

// set says what is happening and to whom; cancellable adds a Cancel.
func (s *startingScreen) set(title, name, email string, cancellable bool) {
	s.title.SetText(title)
	setShown(s.name, name)
	s.email.SetText(email)
	setVisible(s.cancel, cancellable)
	s.spin.Start()
}

// resume signs the stored session in silently, showing who is being signed in; Cancel goes to the email screen.
func (s *startingScreen) resume(rec *session.Record) {
	s.set("Signing you in…", rec.Name, rec.Email, true)
	cancelled := func() { s.env.nav.showEmail(attempt{email: rec.Email}, "") }
	run(s.env.jobs, cancelled, s.env.deps.Starter.Resume, func(ss *session.Session, err error) { s.resumed(rec, ss, err) })
}

// resumed ends the silent sign-in: in the dialer when it worked, in the dialer reconnecting when the provider
// could not be reached (a network blip never signs the agent out), on the email screen saying why when the agent
// must sign in again (the session ended, or the keyring could not give it: locked, not answering, no session
// bus), else on the problem screen.
func (s *startingScreen) resumed(rec *session.Record, ss *session.Session, err error) {
	nav, at := s.env.nav, attempt{email: rec.Email}
	switch {
	case err == nil:
		nav.signedIn(accountOfRecord(rec), ss)
	case errors.Is(err, session.ErrOffline):
		nav.signedIn(accountOfRecord(rec), nil)
	case signInAgain(problem.Classify(err)):
		nav.showEmail(at, problem.Describe(err))
	default:
		nav.showProblem(err, at, func() { nav.resume(rec) })
	}
}

// signInAgain reports whether a silent sign-in that failed with a problem of kind k leaves the agent only
// signing in again: the stored session is gone, or the keyring could not give it back.
func signInAgain(k problem.Kind) bool { return k == problem.SignInRequired || k == problem.Keyring }
