package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/auth"
)

// problemScreen says what stopped the sign-in, in auth.Describe's words, with what the agent can do about it
// and, for an admin, the technical error behind "Details".
type problemScreen struct {
	title       *widget.Label
	message     *widget.Label
	details     *widget.Accordion
	detailsText *widget.Label
	primary     *keyButton
	secondary   *keyButton
	content     fyne.CanvasObject
}

// action is what a problem screen's button does.
type action int

// The problem screens' actions.
const (
	noAction    action = iota
	tryAgain           // start the step that failed again
	retry              // the same, after a network failure
	useAnother         // start over, letting the agent choose the account in the browser
	backToStart        // go back to the email screen
	copyDetails        // put the technical error on the clipboard, for the admin
)

var actionLabels = map[action]string{
	tryAgain: "Try again", retry: "Retry", useAnother: "Use another account",
	backToStart: "Back to sign-in", copyDetails: "Copy details for your admin",
}

// problem is how a problem screen presents an error.
type problem struct {
	title              string
	primary, secondary action
	details            bool // show err.Error() behind "Details"
}

func (a *App) makeProblem() fyne.CanvasObject {
	p := &a.problem
	p.title = heading("")
	p.message = bodyText("")
	p.detailsText = smallText("")
	p.detailsText.Selectable = true
	p.details = widget.NewAccordion(widget.NewAccordionItem("Details", p.detailsText))
	p.primary = a.newButton("", nil, nil)
	p.primary.Importance = widget.HighImportance
	p.secondary = a.newButton("", nil, nil)
	top := container.NewBorder(nil, nil, container.NewCenter(fixedImage(theme.NewWarningThemedResource(theme.WarningIcon()), 40)), nil, p.title)
	return page(top, p.message, p.details, p.primary, p.secondary)
}

// showProblem shows err; again starts the step that failed again. A cancelled sign-in is no problem: it goes
// back to the email screen.
func (a *App) showProblem(err error, again func()) {
	if errors.Is(err, auth.ErrCancelled) {
		a.showEmail(a.flow.email, auth.Describe(err))
		return
	}
	pr := problemFor(err)
	p := &a.problem
	p.title.SetText(pr.title)
	p.message.SetText(auth.Describe(err))
	p.detailsText.SetText(err.Error())
	p.details.CloseAll()
	setVisible(p.details, pr.details)
	a.setAction(p.primary, pr.primary, err, again)
	a.setAction(p.secondary, pr.secondary, err, again)
	a.show(p.content)
	a.win.Canvas().Focus(p.primary)
}

// setAction makes b do act, or hides it for noAction.
func (a *App) setAction(b *keyButton, act action, err error, again func()) {
	setVisible(b, act != noAction)
	b.SetText(actionLabels[act])
	switch act {
	case tryAgain, retry:
		b.OnTapped = again
	case useAnother:
		b.OnTapped = a.useAnotherAccount
	case backToStart:
		b.OnTapped = a.startOver
	case copyDetails:
		b.OnTapped = func() {
			a.app.Clipboard().SetContent(err.Error())
			b.SetText("Details copied")
		}
	}
}

// problemFor decides how to present err: a title, what the buttons do, and whether to show the details.
func problemFor(err error) problem {
	var (
		pe   *auth.ProviderError
		ee   *auth.EmailError
		ce   *auth.ConfigError
		ve   *auth.VerificationError
		ne   *auth.NetworkError
		port *auth.PortInUseError
		ke   *auth.KeyringError
	)
	switch {
	case errors.Is(err, auth.ErrTimeout):
		return problem{"Sign-in timed out", tryAgain, backToStart, false}
	case errors.As(err, &ee) && ee.Problem == auth.EmailMismatch:
		return problem{"A different account signed in", useAnother, backToStart, false}
	case errors.As(err, &ee):
		return problem{"Your email could not be confirmed", backToStart, copyDetails, true}
	case errors.As(err, &pe) && pe.Code == "access_denied":
		return problem{"Sign-in declined", tryAgain, useAnother, false}
	case errors.As(err, &pe):
		return problem{"Your identity provider refused the sign-in", tryAgain, copyDetails, true}
	case errors.As(err, &ce):
		return problem{"Single sign-on is not set up correctly", copyDetails, backToStart, true}
	case errors.As(err, &ve):
		return problem{"The sign-in failed a security check", tryAgain, copyDetails, true}
	case errors.As(err, &port):
		return problem{"Sign-in could not start", tryAgain, backToStart, true}
	case errors.Is(err, auth.ErrOffline), errors.As(err, &ne):
		return problem{"Dialtone cannot connect", retry, backToStart, true}
	case errors.As(err, &ke):
		return problem{"The system keyring is not available", tryAgain, backToStart, true}
	}
	return problem{"Sign-in failed", tryAgain, backToStart, true}
}

// keyringBanner tells the agent, above the dialer, that the session is kept for this run only. It does not stop
// them from working, and they can dismiss it.
type keyringBanner struct {
	text      *widget.Label
	dismiss   *keyButton
	box       fyne.CanvasObject
	dismissed bool // for this session
}

func (a *App) makeKeyringBanner() fyne.CanvasObject {
	b := &a.dialer.banner
	b.text = smallText("")
	b.text.Importance = widget.MediumImportance
	b.dismiss = a.newButton("", theme.CancelIcon(), a.dismissKeyringBanner)
	b.dismiss.Importance = widget.LowImportance
	row := container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), b.dismiss, b.text)
	b.box = container.NewPadded(tinted(theme.ColorNameWarning, row))
	b.box.Hide()
	return b.box
}

// showKeyringBanner shows why the session will not survive a restart, or hides the banner when err is nil.
func (a *App) showKeyringBanner(err error) {
	b := &a.dialer.banner
	if err == nil || b.dismissed {
		b.box.Hide()
		return
	}
	b.text.SetText(auth.Describe(err))
	b.box.Show()
}

func (a *App) dismissKeyringBanner() {
	a.dialer.banner.dismissed = true
	a.dialer.banner.box.Hide()
}
