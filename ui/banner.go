package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/problem"
)

// keyringBanner tells the agent, above the dialer, that the session is kept for this run only. It does not stop
// them from working, and they can dismiss it.
type keyringBanner struct {
	text      *widget.Label
	dismiss   *keyButton
	box       fyne.CanvasObject
	dismissed bool // for this session
}

func newKeyringBanner(e *env) *keyringBanner {
	b := &keyringBanner{text: smallText("")}
	b.text.Importance = widget.MediumImportance
	b.dismiss = e.button("", theme.CancelIcon(), b.hide)
	b.dismiss.Importance = widget.LowImportance
	row := container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), b.dismiss, b.text)
	b.box = container.NewPadded(tinted(theme.ColorNameWarning, row))
	b.box.Hide()
	return b
}

// show says why the session will not survive a restart, or hides the banner when err is nil. Once dismissed,
// the banner stays hidden until reset.
func (b *keyringBanner) show(err error) {
	if err == nil || b.dismissed {
		b.box.Hide()
		return
	}
	b.text.SetText(problem.Describe(err))
	b.box.Show()
}

// hide dismisses the banner for this session.
func (b *keyringBanner) hide() {
	b.dismissed = true
	b.box.Hide()
}

// reset forgets a dismissal, for a new session.
func (b *keyringBanner) reset() { b.dismissed = false }
