package ui

import (
	"errors"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/idp"
)

// emailScreen asks for the agent's work email and looks up how they sign in (lookup.go).
type emailScreen struct {
	env         *env
	at          attempt       // what the screen was shown with: the email filled in and the provider's prompt
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
	spin        *spinner
	cancel      *keyButton
	signOutLink *keyButton // copies the provider's sign-out page when it could not be opened
	signOutRow  fyne.CanvasObject
	signOutURL  string
	submitted   bool // Continue was tried: show the hint as an error
	content     fyne.CanvasObject
}

func newEmailScreen(e *env) *emailScreen {
	s := &emailScreen{env: e, notice: bodyText(""), hint: smallText(""), problem: bodyText("")}
	s.noticeBox = tinted(theme.ColorNamePrimary, s.notice)
	s.signOutLink = e.button("Copy sign-out link", theme.ContentCopyIcon(), s.copySignOutLink)
	s.signOutRow = container.NewHBox(s.signOutLink)
	s.entry = widget.NewEntry()
	s.entry.SetPlaceHolder("name@company.com")
	s.entry.OnChanged = s.changed
	s.entry.OnSubmitted = func(string) { s.submit() }
	s.retry = e.button("Retry", theme.ViewRefreshIcon(), s.submit)
	s.retryRow = container.NewHBox(s.retry)
	s.problemBox = tinted(theme.ColorNameWarning, container.NewVBox(s.problem, s.retryRow))
	s.next = e.button("Continue", nil, s.submit)
	s.next.Importance = widget.HighImportance
	s.content = page(
		heading("Sign in"),
		bodyText("Enter your work email. You finish signing in with your company's single sign-on, in your browser."),
		s.noticeBox, s.signOutRow,
		widget.NewLabel("Work email"),
		s.entry, s.hint, s.problemBox, s.next, s.makeLooking(),
		layout.NewSpacer(), smallText(versionLine(e.deps.Version)),
	)
	return s
}

func (s *emailScreen) makeLooking() fyne.CanvasObject {
	s.spin = newSpinner()
	s.cancel = s.env.button("Cancel", nil, s.env.jobs.escape)
	s.looking = container.NewBorder(nil, nil, s.spin, s.cancel, bodyText("Finding how you sign in…"))
	return s.looking
}

func (s *emailScreen) screenName() string      { return "email" }
func (s *emailScreen) root() fyne.CanvasObject { return s.content }
func (s *emailScreen) leave()                  { s.spin.Stop() }

func versionLine(v string) string {
	return "Dialtone " + versionOr(v)
}

func versionOr(v string) string {
	if v == "" {
		return "(development build)"
	}
	return v
}

// show fills in at's email, with notice above it (none when empty), and gives the field the focus.
func (s *emailScreen) show(at attempt, notice string) {
	s.at, s.submitted = at, false
	s.entry.SetText(at.email)
	s.entry.CursorColumn = utf8.RuneCountInString(at.email) // typing goes on at the end
	s.changed(at.email)
	s.notice.SetText(notice)
	setVisible(s.noticeBox, notice != "")
	s.signOutURL = ""
	s.signOutRow.Hide()
	s.setProblem("", false)
	s.setLooking(false)
	s.env.focus(s.entry)
}

// changed checks the email as it is typed: Continue works only for an address, and a quiet hint says what is
// wrong once the text looks finished (it has a dot after the @), or in red after Continue was tried.
func (s *emailScreen) changed(text string) {
	s.setProblem("", false)
	_, _, err := idp.SplitEmail(text)
	if err == nil {
		s.next.Enable()
	} else {
		s.next.Disable()
	}
	var ie *idp.InvalidEmailError
	if !errors.As(err, &ie) || (!s.submitted && !looksFinished(text)) {
		setShown(s.hint, "")
		return
	}
	s.hint.Importance = widget.MediumImportance
	if s.submitted {
		s.hint.Importance = widget.DangerImportance
	}
	setShown(s.hint, "Check the address: "+ie.Problem+".")
}

func looksFinished(text string) bool {
	at := strings.LastIndexByte(text, '@')
	return at >= 0 && strings.Contains(text[at+1:], ".")
}

// submit looks up the email's providers; Enter in the field does it too.
func (s *emailScreen) submit() {
	addr, _, err := idp.SplitEmail(s.entry.Text)
	if err != nil {
		s.submitted = true
		s.changed(s.entry.Text)
		s.env.focus(s.entry)
		return
	}
	s.lookup(addr)
}

// setProblem shows why the lookup found nothing, with Retry when trying again may help.
func (s *emailScreen) setProblem(text string, retry bool) {
	s.problem.SetText(text)
	setVisible(s.retryRow, retry)
	setVisible(s.problemBox, text != "")
	if retry {
		s.env.focus(s.retry)
	}
}

// offerSignOutLink shows "Copy sign-out link" for url, the provider's sign-out page.
func (s *emailScreen) offerSignOutLink(url string) {
	s.signOutURL = url
	s.signOutLink.SetText("Copy sign-out link")
	s.signOutRow.Show()
}

func (s *emailScreen) copySignOutLink() {
	s.env.copy(s.signOutURL)
	s.signOutLink.SetText("Sign-out link copied")
}
