package ui

import (
	"dialtone/internal/problem"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// problemScreen says what stopped the sign-in, in problem.Describe's words, with what the agent can do about it
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

// buttons are what a problem screen's two buttons do for a kind of problem.
var buttons = map[problem.Kind][2]action{
	problem.TimedOut:         {tryAgain, backToStart},
	problem.WrongAccount:     {useAnother, backToStart},
	problem.EmailUnconfirmed: {backToStart, copyDetails},
	problem.Declined:         {tryAgain, useAnother},
	problem.Refused:          {tryAgain, copyDetails},
	problem.Misconfigured:    {copyDetails, backToStart},
	problem.Untrusted:        {tryAgain, copyDetails},
	problem.Unreachable:      {retry, backToStart},
}

// buttonsFor is what the two buttons do for kind k: Try again and Back to
// sign-in unless the kind has better ones.
func buttonsFor(k problem.Kind) [2]action {
	if b, ok := buttons[k]; ok {
		return b
	}
	return [2]action{tryAgain, backToStart}
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
	kind := problem.Classify(err)
	if kind == problem.Cancelled {
		a.showEmail(a.flow.email, problem.Describe(err))
		return
	}
	b := buttonsFor(kind)
	p := &a.problem
	p.title.SetText(kind.Title())
	p.message.SetText(problem.Describe(err))
	p.detailsText.SetText(err.Error())
	p.details.CloseAll()
	setVisible(p.details, kind.ForAdmin())
	a.setAction(p.primary, b[0], err, again)
	a.setAction(p.secondary, b[1], err, again)
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
	b.text.SetText(problem.Describe(err))
	b.box.Show()
}

func (a *App) dismissKeyringBanner() {
	a.dialer.banner.dismissed = true
	a.dialer.banner.box.Hide()
}
