package ui

import (
	"context"
	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// emailScreen asks for the agent's work email and looks up how they sign in.
type emailScreen struct {
	notice      *widget.Label // what happened before: signed out, session ended …
	noticeBox   fyne.CanvasObject
	entry       *widget.Entry
	hint        *widget.Label // what is wrong with the email typed
	problem     *widget.Label // why the lookup found nothing or failed
	problemBox  fyne.CanvasObject
	retry       *keyButton
	retryRow    fyne.CanvasObject
	next        *keyButton
	looking     fyne.CanvasObject // the spinner, its text and Cancel, while the lookup runs
	spin        *widget.Activity
	cancel      *keyButton
	signOutLink *keyButton // copies the provider's sign-out page when it could not be opened
	signOutRow  fyne.CanvasObject
	signOutURL  string
	submitted   bool // Continue was tried: show the hint as an error
	content     fyne.CanvasObject
}

func (a *App) makeEmail() fyne.CanvasObject {
	e := &a.email
	e.notice = bodyText("")
	e.noticeBox = tinted(theme.ColorNamePrimary, e.notice)
	e.signOutLink = a.newButton("Copy sign-out link", theme.ContentCopyIcon(), a.copySignOutLink)
	e.signOutRow = container.NewHBox(e.signOutLink)
	e.entry = widget.NewEntry()
	e.entry.SetPlaceHolder("name@company.com")
	e.entry.OnChanged = a.emailChanged
	e.entry.OnSubmitted = func(string) { a.submitEmail() }
	e.hint = smallText("")
	e.problem = bodyText("")
	e.retry = a.newButton("Retry", theme.ViewRefreshIcon(), a.submitEmail)
	e.retryRow = container.NewHBox(e.retry)
	e.problemBox = tinted(theme.ColorNameWarning, container.NewVBox(e.problem, e.retryRow))
	e.next = a.newButton("Continue", nil, a.submitEmail)
	e.next.Importance = widget.HighImportance
	e.looking = a.makeLooking()
	return page(
		heading("Sign in"),
		bodyText("Enter your work email. You finish signing in with your company's single sign-on, in your browser."),
		e.noticeBox, e.signOutRow,
		widget.NewLabelWithStyle("Work email", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		e.entry, e.hint, e.problemBox, e.next, e.looking,
		layout.NewSpacer(), smallText(versionLine(a.deps.Version)),
	)
}

func (a *App) makeLooking() fyne.CanvasObject {
	e := &a.email
	e.spin = widget.NewActivity()
	e.cancel = a.newButton("Cancel", nil, a.escape)
	return container.NewBorder(nil, nil, e.spin, e.cancel, bodyText("Finding how you sign in…"))
}

func versionLine(v string) string {
	return "Dialtone " + versionOr(v)
}

// showEmail shows the email screen with email filled in and notice above it (none when empty).
func (a *App) showEmail(email, notice string) {
	e := &a.email
	e.submitted = false
	e.entry.SetText(email)
	a.emailChanged(email)
	e.notice.SetText(notice)
	setVisible(e.noticeBox, notice != "")
	e.signOutURL = ""
	e.signOutRow.Hide()
	a.setLookupProblem("", false)
	a.setLooking(false)
	a.show(e.content)
	a.win.Canvas().Focus(e.entry)
}

// emailChanged checks the email as it is typed: Continue works only for an address, and a quiet hint says what
// is wrong once the text looks finished (it has a dot after the @), or in red after Continue was tried.
func (a *App) emailChanged(text string) {
	e := &a.email
	a.setLookupProblem("", false)
	_, _, err := idp.SplitEmail(text)
	if err == nil {
		e.next.Enable()
	} else {
		e.next.Disable()
	}
	var ie *idp.InvalidEmailError
	if !errors.As(err, &ie) || (!e.submitted && !looksFinished(text)) {
		setShown(e.hint, "")
		return
	}
	e.hint.Importance = widget.MediumImportance
	if e.submitted {
		e.hint.Importance = widget.DangerImportance
	}
	setShown(e.hint, "Check the address: "+ie.Problem+".")
}

func looksFinished(text string) bool {
	at := strings.LastIndexByte(text, '@')
	return at >= 0 && strings.Contains(text[at+1:], ".")
}

// submitEmail looks up the email's providers; Enter in the field does it too.
func (a *App) submitEmail() {
	e := &a.email
	addr, _, err := idp.SplitEmail(e.entry.Text)
	if err != nil {
		e.submitted = true
		a.emailChanged(e.entry.Text)
		a.win.Canvas().Focus(e.entry)
		return
	}
	a.lookup(addr)
}

// lookup asks the directory which providers addr may use; Cancel (or Escape) stops it.
func (a *App) lookup(addr string) {
	a.flow.email = addr
	a.setLookupProblem("", false)
	a.setLooking(true)
	run(a, func(ctx context.Context) (*directory.Answer, error) {
		return a.deps.Directory.LookupOrCached(ctx, addr)
	}, a.lookedUp)
	a.onEscape = func() {
		a.cancelJob()
		a.setLooking(false)
		a.win.Canvas().Focus(a.email.entry)
	}
}

// setLooking switches between the form and the lookup's spinner with Cancel.
func (a *App) setLooking(on bool) {
	e := &a.email
	setVisible(e.looking, on)
	setVisible(e.next, !on)
	if on {
		e.entry.Disable()
		e.spin.Start()
		a.win.Canvas().Focus(e.cancel)
	} else {
		e.entry.Enable()
		e.spin.Stop()
	}
}

// lookedUp goes on with the providers found: straight to the browser when one provider is offered (or
// enforced), to the choice when several are.
func (a *App) lookedUp(ans *directory.Answer, err error) {
	a.setLooking(false)
	var ne *idp.NetworkError
	switch {
	case errors.As(err, &ne):
		a.setLookupProblem(problem.Describe(err), true)
		return
	case err != nil:
		a.showProblem(err, func() { a.lookup(a.flow.email) })
		return
	}
	a.flow.answer = ans
	ans.List.Email = a.flow.email
	p, err := ans.List.Choose("")
	var choice *idp.ChoiceError
	switch {
	case errors.As(err, &choice):
		a.showChoose(choice.Offered)
	case err != nil:
		a.setLookupProblem(problem.Describe(err), false)
	default:
		a.login(p)
	}
}

// setLookupProblem shows why the lookup found nothing, with Retry when trying again may help.
func (a *App) setLookupProblem(text string, retry bool) {
	e := &a.email
	e.problem.SetText(text)
	setVisible(e.retryRow, retry)
	setVisible(e.problemBox, text != "")
	if retry {
		a.win.Canvas().Focus(e.retry)
	}
}

// offerSignOutLink shows "Copy sign-out link" for url, the provider's sign-out page.
func (e *emailScreen) offerSignOutLink(url string) {
	e.signOutURL = url
	e.signOutLink.SetText("Copy sign-out link")
	e.signOutRow.Show()
}

func (a *App) copySignOutLink() {
	a.app.Clipboard().SetContent(a.email.signOutURL)
	a.email.signOutLink.SetText("Sign-out link copied")
}

// cachedNote marks a provider list the directory did not give just now.
func cachedNote(ans *directory.Answer) string {
	if ans == nil || !ans.Cached {
		return ""
	}
	return "The directory could not be reached, so these are the sign-in options saved on " + ans.FetchedAt.Local().Format("2 Jan 2006 at 15:04") + "."
}
