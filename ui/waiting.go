package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/idp"
)

// waitingScreen is shown while the agent signs in in the browser (login.go): which provider's page opened, the
// time left, and Open again, Copy link and Cancel.
type waitingScreen struct {
	env      *env
	logo     *canvas.Image
	title    *widget.Label
	message  *widget.Label
	link     *widget.Label     // the sign-in address
	linkBox  fyne.CanvasObject // shows link when the browser could not open it
	spin     *spinner
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

func newWaitingScreen(e *env) *waitingScreen {
	w := &waitingScreen{env: e, title: heading(""), message: bodyText(""), link: bodyText(""), spin: newSpinner()}
	w.logo = fixedImage(providerLogo(idp.TypeOIDC), 56)
	w.link.Selectable = true
	w.link.Wrapping = fyne.TextWrapBreak
	w.left = widget.NewLabel("")
	w.cached = smallText("")
	w.again = e.button("Open again", theme.ComputerIcon(), nil)
	w.copy = e.button("Copy link", theme.ContentCopyIcon(), w.copyLink)
	w.cancel = e.button("Cancel", theme.CancelIcon(), e.jobs.escape)
	top := container.NewBorder(nil, nil, w.logo, nil, w.title)
	status := container.NewHBox(w.spin, w.left)
	buttons := container.NewGridWithColumns(2, w.again, w.copy)
	w.linkBox = tinted(theme.ColorNameWarning, w.link)
	w.content = page(top, w.message, w.linkBox, status, buttons, w.cancel, w.cached)
	return w
}

func (w *waitingScreen) screenName() string      { return "waiting" }
func (w *waitingScreen) root() fyne.CanvasObject { return w.content }
func (w *waitingScreen) leave()                  { w.spin.Stop() }

// show says that p's sign-in page is opening, with nothing to open again or copy yet.
func (w *waitingScreen) show(at attempt, p idp.Provider) {
	w.name = providerName(p)
	w.url = ""
	w.deadline = w.env.deps.Now().Add(w.env.deps.LoginTimeout)
	w.logo.Resource = providerLogo(p.Type)
	w.logo.Refresh()
	w.title.SetText("Sign in with " + w.name)
	w.message.SetText("Opening " + w.name + " in your browser…")
	w.showLink(false)
	w.again.Disable()
	w.copy.Disable()
	w.copy.Importance = widget.MediumImportance
	w.copy.SetText("Copy link")
	setShown(w.cached, cachedNote(at.answer))
	w.showTimeLeft()
	w.env.win.Canvas().Unfocus()
	w.spin.Start()
}

// browserOpened takes the outcome of opening the sign-in page: url is there to open again or copy, and shown
// when the browser could not be opened.
func (w *waitingScreen) browserOpened(url string, err error) {
	w.url = url
	w.again.Enable()
	w.copy.Enable()
	if err != nil {
		w.message.SetText("Dialtone could not open your browser. Copy this link into your browser to sign in with " + w.name + ":")
		w.showLink(true)
		w.copy.Importance = widget.HighImportance
		w.copy.Refresh()
		return
	}
	w.showLink(false)
	w.copy.Importance = widget.MediumImportance
	w.copy.Refresh()
	w.message.SetText("The " + w.name + " sign-in page is open in your browser. Finish signing in there; Dialtone comes back by itself.")
}

func (w *waitingScreen) showLink(on bool) {
	w.link.SetText(w.url)
	setVisible(w.linkBox, on)
}

// copyLink puts the sign-in address on the clipboard.
func (w *waitingScreen) copyLink() {
	w.env.copy(w.url)
	w.copy.SetText("Link copied")
}

func (w *waitingScreen) showTimeLeft() {
	left := max(w.deadline.Sub(w.env.deps.Now()), 0).Round(time.Second)
	w.left.SetText(fmt.Sprintf("Waiting for the browser · %d:%02d left", int(left.Minutes()), int(left.Seconds())%60))
	w.left.Importance = widget.MediumImportance
	if left < time.Minute {
		w.left.Importance = widget.WarningImportance
	}
	w.left.Refresh()
}
