package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/problem"
)

// problemScreen says what stopped the sign-in, in problem.Describe's words, with what the agent can do about it
// and, for an admin, the technical error behind "Details".
type problemScreen struct {
	env         *env
	title       *widget.Label
	message     *widget.Label
	details     *disclosure
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

func newProblemScreen(e *env) *problemScreen {
	p := &problemScreen{env: e, title: heading(""), message: bodyText(""), detailsText: smallText("")}
	p.detailsText.Selectable = true
	p.details = newDisclosure(e, "Details", p.detailsText)
	p.primary = e.button("", nil, nil)
	p.primary.Importance = widget.HighImportance
	p.secondary = e.button("", nil, nil)
	warning := fixedImage(theme.NewWarningThemedResource(theme.WarningIcon()), 40)
	top := container.NewBorder(nil, nil, container.NewCenter(warning), nil, p.title)
	p.content = page(top, p.message, p.details.box, p.primary, p.secondary)
	return p
}

func (p *problemScreen) screenName() string      { return "problem" }
func (p *problemScreen) root() fyne.CanvasObject { return p.content }
func (p *problemScreen) leave()                  {}

// show says what err is and offers what to do: again starts the step that failed again; going back starts
// over with at.
func (p *problemScreen) show(err error, at attempt, again func()) {
	kind := problem.Classify(err)
	b := buttonsFor(kind)
	p.title.SetText(kind.Title())
	p.message.SetText(problem.Describe(err))
	p.detailsText.SetText(err.Error())
	p.details.close()
	setVisible(p.details.box, kind.ForAdmin())
	p.setAction(p.primary, b[0], err, at, again)
	p.setAction(p.secondary, b[1], err, at, again)
	p.env.focus(p.primary)
}

// setAction makes b do act, or hides it for noAction.
func (p *problemScreen) setAction(b *keyButton, act action, err error, at attempt, again func()) {
	setVisible(b, act != noAction)
	b.SetText(actionLabels[act])
	nav := p.env.nav
	switch act {
	case tryAgain, retry:
		b.OnTapped = again
	case useAnother:
		b.OnTapped = func() { nav.useAnotherAccount(at.email) }
	case backToStart:
		b.OnTapped = func() { nav.showEmail(at, "") }
	case copyDetails:
		b.OnTapped = func() {
			p.env.copy(err.Error())
			b.SetText("Details copied")
		}
	}
}
