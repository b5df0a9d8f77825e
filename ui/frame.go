package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
	"dialtone/internal/agent"
)

// frame is the signed-in screen: a bar with the app's mark and the account menu, the keyring banner when the
// session will not survive a restart, and the signed-in agent's DialerScreen.
type frame struct {
	env        *env
	menuButton *keyButton
	menu       *fyne.Menu
	signOut    *fyne.MenuItem
	everywhere *fyne.MenuItem
	another    *fyne.MenuItem
	about      *fyne.MenuItem
	banner     *keyringBanner
	available  *widget.Check   // Available / Offline, shown when the account has a phone line
	bar        *fyne.Container // the app's mark, the Available switch and the menu button
	body       *fyne.Container // holds the dialer's content
	dialer     *DialerScreen   // nil until show
	aboutBox   *about          // the last About shown, or nil
	account    account
	removeKeys func() // removes the dialer's keyboard handlers from the window; nil when they are off
	content    fyne.CanvasObject
}

func newFrame(e *env) *frame {
	f := &frame{env: e, banner: newKeyringBanner(e), body: container.NewStack()}
	f.signOut = fyne.NewMenuItem("Sign out", func() { e.nav.signOut(false, false) })
	f.everywhere = fyne.NewMenuItem("Sign out everywhere", func() { e.nav.signOut(true, false) })
	f.another = fyne.NewMenuItem("Use another account", func() { e.nav.signOut(false, true) })
	f.about = fyne.NewMenuItem("About Dialtone", func() { f.aboutBox = showAbout(e.win, e.deps.Version, f.account) })
	f.menu = fyne.NewMenu("", f.signOut, f.everywhere, f.another, fyne.NewMenuItemSeparator(), f.about)
	f.menuButton = e.button("", theme.MenuIcon(), f.openMenu)
	f.menuButton.Importance = widget.LowImportance
	title := widget.NewLabel("Dialtone")
	f.available = widget.NewCheck("Available", f.setAvailable)
	f.available.Hide()
	f.bar = container.NewBorder(nil, nil, container.NewHBox(fixedImage(appIcon, 20), title), container.NewHBox(f.available, f.menuButton))
	f.content = container.NewBorder(container.NewVBox(f.bar, f.banner.box), nil, nil, nil, f.body)
	return f
}

func (f *frame) screenName() string      { return "dialer" }
func (f *frame) root() fyne.CanvasObject { return f.content }

// leave stops the dialer's keyboard handling.
func (f *frame) leave() {
	if f.removeKeys != nil {
		f.removeKeys()
		f.removeKeys = nil
	}
}

// show puts a new DialerScreen for acct in the frame and sends what is typed in the window to it.
func (f *frame) show(acct account) {
	d := f.env.deps
	f.account = acct
	f.dialer = NewDialerScreen(DialerConfig{Agent: acct.Agent, Region: d.Region, Line: d.Line, History: d.History})
	f.body.Objects = []fyne.CanvasObject{f.dialer.Content()}
	f.body.Refresh()
	f.banner.reset()
	f.removeKeys = f.dialer.InstallKeyboard(f.env.win)
}

// update shows how the agent stands: the presence dot, the keyring banner, and the Available switch when the
// account has a phone line.
func (f *frame) update(u agent.Update) {
	f.dialer.SetPresence(u.Presence)
	f.dialer.setLine(u.Line)
	f.banner.show(u.KeyringErr)
	if f.available.Visible() != u.Line {
		setVisible(f.available, u.Line)
		f.bar.Refresh() // lays the bar out again around the switch
	}
	if u.Line {
		f.available.Checked = u.Presence.State != dialer.Away
		f.available.Refresh()
	}
}

// setAvailable puts the agent Offline (the line unregistered, still signed in) or Available again.
func (f *frame) setAvailable(on bool) {
	if f.dialer == nil || on == (f.dialer.presence.Presence().State != dialer.Away) {
		return // the switch only followed an update
	}
	f.env.nav.setAvailable(on)
}

// openMenu shows the account menu under its button.
func (f *frame) openMenu() {
	b := f.menuButton
	widget.ShowPopUpMenuAtRelativePosition(f.menu, f.env.win.Canvas(), fyne.NewPos(0, b.Size().Height), b)
}
