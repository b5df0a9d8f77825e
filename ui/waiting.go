package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// waitingScreen is shown while the agent signs in in the browser: which provider's page opened, the time left,
// and Open again, Copy link and Cancel.
type waitingScreen struct {
	logo     *canvas.Image
	title    *widget.Label
	message  *widget.Label
	link     *widget.Label     // the sign-in address
	linkBox  fyne.CanvasObject // shows link when the browser could not open it
	spin     *widget.Activity
	left     *widget.Label
	cached   *widget.Label
	again    *keyButton
	copy     *keyButton
	cancel   *keyButton
	url      string
	name     string    // the provider's name
	deadline time.Time // when the sign-in times out
	content  fyne.CanvasObject
}

func (a *App) makeWaiting() fyne.CanvasObject {
	w := &a.waiting
	w.logo = fixedImage(providerLogo(idp.TypeOIDC), 56)
	w.title = heading("")
	w.message = bodyText("")
	w.link = bodyText("")
	w.link.Selectable = true
	w.link.Wrapping = fyne.TextWrapBreak
	w.spin = widget.NewActivity()
	w.left = widget.NewLabel("")
	w.cached = smallText("")
	w.again = a.newButton("Open again", theme.ComputerIcon(), nil)
	w.copy = a.newButton("Copy link", theme.ContentCopyIcon(), a.copyLink)
	w.cancel = a.newButton("Cancel", theme.CancelIcon(), a.escape)
	top := container.NewBorder(nil, nil, w.logo, nil, w.title)
	status := container.NewHBox(w.spin, w.left)
	buttons := container.NewGridWithColumns(2, w.again, w.copy)
	w.linkBox = tinted(theme.ColorNameWarning, w.link)
	return page(top, w.message, w.linkBox, status, buttons, w.cancel, w.cached)
}

// login signs in with p in the browser, showing the waiting screen until the browser hands back; Cancel (or
// Escape) stops it and goes back to the email screen.
func (a *App) login(p idp.Provider) {
	a.flow.provider = p
	ctx, later := a.newJob()
	a.onEscape = a.cancelLogin
	a.showWaiting(p)
	a.countdown(ctx, later)
	a.waiting.again.OnTapped = func() { a.openAgain(ctx, later) }
	req := auth.LoginRequest{
		Provider: p, Email: a.flow.email, Prompt: a.flow.prompt,
		OnBrowser: func(url string, err error) { later(func() { a.browserOpened(url, err) }) },
	}
	go func() {
		s, err := a.deps.Signer.Login(ctx, req)
		later(func() {
			a.cancelJob()
			a.loggedIn(s, err)
		})
	}()
}

func (a *App) showWaiting(p idp.Provider) {
	w := &a.waiting
	w.name = providerName(p)
	w.url = ""
	w.deadline = a.deps.Now().Add(a.deps.LoginTimeout)
	w.logo.Resource = providerLogo(p.Type)
	w.logo.Refresh()
	w.title.SetText("Sign in with " + w.name)
	w.message.SetText("Opening " + w.name + " in your browser…")
	a.showLink(false)
	w.again.Disable()
	w.copy.Disable()
	w.copy.Importance = widget.MediumImportance
	w.copy.SetText("Copy link")
	setShown(w.cached, cachedNote(a.flow.answer))
	a.showTimeLeft()
	a.show(w.content)
	a.win.Canvas().Unfocus()
	w.spin.Start()
}

// browserOpened takes the outcome of opening the sign-in page: url is there to open again or copy, and shown
// when the browser could not be opened.
func (a *App) browserOpened(url string, err error) {
	w := &a.waiting
	w.url = url
	w.again.Enable()
	w.copy.Enable()
	if err != nil {
		w.message.SetText("Dialtone could not open your browser. Copy this link into your browser to sign in with " + w.name + ":")
		a.showLink(true)
		w.copy.Importance = widget.HighImportance
		w.copy.Refresh()
		return
	}
	a.showLink(false)
	w.copy.Importance = widget.MediumImportance
	w.copy.Refresh()
	w.message.SetText("The " + w.name + " sign-in page is open in your browser. Finish signing in there; Dialtone comes back by itself.")
}

func (a *App) showLink(on bool) {
	w := &a.waiting
	w.link.SetText(w.url)
	setVisible(w.linkBox, on)
}

// openAgain asks the browser to open the sign-in page again.
func (a *App) openAgain(ctx context.Context, later func(func())) {
	url := a.waiting.url
	go func() {
		err := a.deps.Browser.Open(ctx, url)
		later(func() { a.browserOpened(url, err) })
	}()
}

// copyLink puts the sign-in address on the clipboard.
func (a *App) copyLink() {
	w := &a.waiting
	a.app.Clipboard().SetContent(w.url)
	w.copy.SetText("Link copied")
}

// cancelLogin stops the sign-in and goes back to the email screen.
func (a *App) cancelLogin() {
	a.cancelJob()
	a.showEmail(a.flow.email, problem.Describe(auth.ErrCancelled))
}

// countdown updates the time left every second until ctx ends.
func (a *App) countdown(ctx context.Context, later func(func())) {
	ticks, stop := a.every(time.Second)
	go func() {
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
				later(a.showTimeLeft)
			}
		}
	}()
}

func (a *App) showTimeLeft() {
	w := &a.waiting
	left := max(w.deadline.Sub(a.deps.Now()), 0).Round(time.Second)
	w.left.SetText(fmt.Sprintf("Waiting for the browser · %d:%02d left", int(left.Minutes()), int(left.Seconds())%60))
	w.left.Importance = widget.MediumImportance
	if left < time.Minute {
		w.left.Importance = widget.WarningImportance
	}
	w.left.Refresh()
}

// loggedIn brings the window to the front and shows the dialer, or what went wrong.
func (a *App) loggedIn(s *session.Session, err error) {
	a.raise()
	switch {
	case err == nil:
		a.flow.prompt = ""
		a.signedIn(accountOfSession(s, a.flow.provider))
	case errors.Is(err, auth.ErrCancelled):
		a.showEmail(a.flow.email, problem.Describe(err))
	default:
		p := a.flow.provider
		a.showProblem(err, func() { a.login(p) })
	}
}
