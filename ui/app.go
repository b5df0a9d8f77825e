// Package ui is Dialtone's desktop window: the silent sign-in at launch, the email, provider and browser
// screens of an interactive sign-in, the problems that can stop it, and the dialer once the agent is signed in.
//
// It never touches the network, the keyring or the browser itself: every such call goes through the small
// interfaces in Deps, runs in a goroutine with a context that a Cancel can cancel, and hands its result back to
// the Fyne thread with fyne.Do. It does not import fyne.io/fyne/v2/app, so tests run without a display.
package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/session"
)

// The window's size until the agent resizes it, and the preferences it is remembered in. Fyne cannot place a
// window, so its position is left to the window manager.
const (
	defaultWidth  = 420
	defaultHeight = 640
	prefWidth     = "window.width"
	prefHeight    = "window.height"
)

// App is Dialtone's window. Create it with New and call Start. Its methods must be called on the Fyne thread.
type App struct {
	app  fyne.App
	win  fyne.Window
	deps Deps

	do    func(func())                                              // hands work to the Fyne thread: fyne.Do
	every func(time.Duration) (ticks <-chan time.Time, stop func()) // a ticker for the countdown

	flow     signIn
	job      job
	onEscape func() // cancels the wait on screen; nil when there is none

	starting startingScreen
	email    emailScreen
	choose   chooseScreen
	waiting  waitingScreen
	problem  problemScreen
	dialer   dialerView
	tray     *tray // nil when the app has no system tray
}

// signIn is what the agent is signing in as.
type signIn struct {
	email    string
	prompt   string // "select_account" after "Use another account"
	answer   *directory.Answer
	provider idp.Provider
}

// job is the blocking call the agent is waiting for: a silent sign-in, a lookup, a sign-in or a sign-out.
type job struct {
	id     int
	cancel context.CancelFunc
}

// New builds Dialtone's window in app. It shows nothing until Start.
func New(app fyne.App, deps Deps) *App {
	if deps.LoginTimeout <= 0 {
		deps.LoginTimeout = auth.DefaultTimeout
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	a := &App{app: app, deps: deps, do: fyne.Do, every: newTicker}
	app.SetIcon(Icon)
	a.win = app.NewWindow("Dialtone")
	a.win.SetIcon(Icon)
	a.starting.content = a.makeStarting()
	a.email.content = a.makeEmail()
	a.choose.content = a.makeChoose()
	a.waiting.content = a.makeWaiting()
	a.problem.content = a.makeProblem()
	a.dialer.content = a.makeDialer()
	a.tray = a.makeTray()
	a.win.Resize(a.savedSize())
	a.win.SetMaster()
	a.win.SetCloseIntercept(a.closeWindow)
	return a
}

// Start shows the window and signs the agent in silently if a session is stored, else asks for their email.
// When ctx ends, everything in flight is cancelled and the app quits.
func (a *App) Start(ctx context.Context) {
	a.win.Show()
	go func() {
		<-ctx.Done()
		a.do(a.quit)
	}()
	rec := a.deps.Starter.Stored()
	if rec == nil {
		a.showEmail(a.deps.Starter.LastEmail(), "")
		return
	}
	a.resume(rec)
}

// Window returns Dialtone's window.
func (a *App) Window() fyne.Window { return a.win }

func newTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// newJob cancels the job in flight and starts another. later runs f on the Fyne thread, unless the job has
// ended or been replaced by then: a late answer to a cancelled wait is dropped.
func (a *App) newJob() (ctx context.Context, later func(f func())) {
	a.cancelJob()
	ctx, cancel := context.WithCancel(context.Background())
	a.job.cancel = cancel
	id := a.job.id
	later = func(f func()) {
		a.do(func() {
			if a.job.id == id {
				f()
			}
		})
	}
	return ctx, later
}

// cancelJob cancels the job in flight, if any, and forgets its Escape.
func (a *App) cancelJob() {
	if a.job.cancel != nil {
		a.job.cancel()
		a.job.cancel = nil
	}
	a.job.id++
	a.onEscape = nil
}

// run calls work in a goroutine as a new job and, when it returns, ends the job and calls done with its result
// on the Fyne thread, unless the job was cancelled meanwhile.
func run[T any](a *App, work func(context.Context) (T, error), done func(T, error)) {
	ctx, later := a.newJob()
	go func() {
		v, err := work(ctx)
		later(func() {
			a.cancelJob()
			done(v, err)
		})
	}()
}

// show puts a screen in the window, leaving the dialer's keyboard handling if it was on.
func (a *App) show(content fyne.CanvasObject) {
	a.leaveDialer()
	a.starting.spin.Stop()
	a.email.spin.Stop()
	a.waiting.spin.Stop()
	a.win.SetContent(content)
	a.win.Canvas().SetOnTypedKey(a.typedKey)
	a.onScreen(a.screenName(content))
}

// screenName is content's name for Deps.OnScreen.
func (a *App) screenName(content fyne.CanvasObject) string {
	switch content {
	case a.starting.content:
		return "starting"
	case a.email.content:
		return "email"
	case a.choose.content:
		return "choose"
	case a.waiting.content:
		return "waiting"
	case a.problem.content:
		return "problem"
	case a.dialer.content:
		return "dialer"
	}
	return "unknown"
}

// onScreen tells Deps.OnScreen, if set, what the window shows now.
func (a *App) onScreen(name string) {
	if a.deps.OnScreen != nil {
		a.deps.OnScreen(name)
	}
}

// typedKey takes the keys typed while nothing in the window has the focus.
func (a *App) typedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyEscape {
		a.escape()
	}
}

// escape cancels the wait on screen, if any.
func (a *App) escape() {
	if a.onEscape != nil {
		a.onEscape()
	}
}

// raise brings the window to the front, for when the browser hands back to Dialtone.
func (a *App) raise() {
	a.win.Show()
	a.win.RequestFocus()
}

// startOver shows the email screen with the email being signed in.
func (a *App) startOver() {
	a.showEmail(a.flow.email, "")
}

// useAnotherAccount starts over, asking the provider to let the agent choose the account next time.
func (a *App) useAnotherAccount() {
	a.flow.prompt = "select_account"
	a.showEmail(a.flow.email, "When you continue, your browser asks which account to use.")
}

func (a *App) savedSize() fyne.Size {
	p := a.app.Preferences()
	return fyne.NewSize(float32(p.FloatWithFallback(prefWidth, defaultWidth)), float32(p.FloatWithFallback(prefHeight, defaultHeight)))
}

func (a *App) saveSize() {
	s := a.win.Canvas().Size()
	if s.Width < 1 || s.Height < 1 {
		return
	}
	a.app.Preferences().SetFloat(prefWidth, float64(s.Width))
	a.app.Preferences().SetFloat(prefHeight, float64(s.Height))
}

// closeWindow remembers the window's size and closes the window, which quits Dialtone. It does not hide the
// window to the tray: Fyne cannot tell whether the desktop shows tray icons at all (GNOME does not by default),
// and a hidden window without one would leave the agent no way back.
func (a *App) closeWindow() {
	a.saveSize()
	a.win.Close()
}

// quit cancels everything in flight and quits the app.
func (a *App) quit() {
	a.cancelJob()
	a.stopKeepAlive()
	a.saveSize()
	a.app.Quit()
}

// account is who is signed in, for the dialer, the menu and About.
type account struct {
	name, email    string
	provider       string // the provider's name
	issuer         string
	keyringProblem error // why the session is kept for this run only, or nil
}

func accountOfRecord(rec *session.Record, s *session.Session) account {
	acct := account{name: rec.Name, email: rec.Email, provider: providerName(rec.Provider), issuer: rec.Issuer}
	if s != nil {
		acct.keyringProblem = s.KeyringErr
	}
	return acct
}

func accountOfSession(s *session.Session, p idp.Provider) account {
	return account{name: s.Name, email: s.Email, provider: providerName(p), issuer: s.Issuer, keyringProblem: s.KeyringErr}
}

// dialerView is the signed-in screen: a bar with the account menu, the keyring banner when the session will not
// survive a restart, and the DialerScreen.
type dialerView struct {
	screen     *DialerScreen
	body       *fyne.Container // holds screen's content
	menuButton *keyButton
	menu       *fyne.Menu
	signOut    *fyne.MenuItem
	everywhere *fyne.MenuItem
	another    *fyne.MenuItem
	about      *fyne.MenuItem
	banner     keyringBanner
	aboutBox   about
	account    account
	presence   dialer.Presence    // what the presence dot and the tray show
	stopKeep   context.CancelFunc // stops KeepAlive
	removeKeys func()             // removes the dialer's keyboard handlers from the window
	content    fyne.CanvasObject
}

func (a *App) makeDialer() fyne.CanvasObject {
	d := &a.dialer
	d.signOut = fyne.NewMenuItem("Sign out", func() { a.signOut(false, false) })
	d.everywhere = fyne.NewMenuItem("Sign out everywhere", func() { a.signOut(true, false) })
	d.another = fyne.NewMenuItem("Use another account", func() { a.signOut(false, true) })
	d.about = fyne.NewMenuItem("About Dialtone", a.showAbout)
	d.menu = fyne.NewMenu("", d.signOut, d.everywhere, d.another, fyne.NewMenuItemSeparator(), d.about)
	d.menuButton = a.newButton("", theme.MenuIcon(), a.openMenu)
	d.menuButton.Importance = widget.LowImportance
	d.body = container.NewStack()
	title := widget.NewLabelWithStyle("Dialtone", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	bar := container.NewBorder(nil, nil, container.NewHBox(fixedImage(appIcon, 20), title), d.menuButton)
	top := container.NewVBox(bar, a.makeKeyringBanner())
	return container.NewBorder(top, nil, nil, nil, d.body)
}

// openMenu shows the account menu under its button.
func (a *App) openMenu() {
	b := a.dialer.menuButton
	widget.ShowPopUpMenuAtRelativePosition(a.dialer.menu, a.win.Canvas(), fyne.NewPos(0, b.Size().Height), b)
}

// signedIn shows the dialer online for acct and keeps the session alive.
func (a *App) signedIn(acct account) {
	a.showDialer(acct, dialer.Presence{State: dialer.Online})
	a.keepAlive()
}

// showDialer shows a new DialerScreen for acct at presence p, with the keyring banner if the session is kept for
// this run only.
func (a *App) showDialer(acct account, p dialer.Presence) {
	d := &a.dialer
	d.account = acct
	d.screen = NewDialerScreen(DialerConfig{
		Agent:   Agent{Name: acct.name, Email: acct.email},
		Region:  a.deps.Region,
		Line:    a.deps.Line,
		History: a.deps.History,
	})
	d.body.Objects = []fyne.CanvasObject{d.screen.Content()}
	d.body.Refresh()
	a.show(d.content)
	d.banner.dismissed = false
	a.showKeyringBanner(acct.keyringProblem)
	d.removeKeys = d.screen.InstallKeyboard(a.win)
	a.tray.setSignedIn(true)
	a.setPresence(p)
}

// leaveDialer stops the dialer's keyboard handling, when it is on.
func (a *App) leaveDialer() {
	if a.dialer.removeKeys != nil {
		a.dialer.removeKeys()
		a.dialer.removeKeys = nil
	}
}

// setPresence shows p on the presence dot and the tray icon.
func (a *App) setPresence(p dialer.Presence) {
	if a.dialer.screen == nil {
		return
	}
	a.dialer.presence = p
	a.dialer.screen.SetPresence(p)
	a.tray.setPresence(p.State)
	a.onScreen("dialer/" + strings.ReplaceAll(strings.ToLower(p.State.String()), " ", "-"))
}

// about is the content of the About dialog.
type about struct {
	version, account, provider, issuer *widget.Label
	dialog                             *dialog.CustomDialog
}

// showAbout shows the version and who is signed in with which provider.
func (a *App) showAbout() {
	acct := a.dialer.account
	ab := &a.dialer.aboutBox
	ab.version = widget.NewLabel("Version " + versionOr(a.deps.Version))
	ab.account = widget.NewLabel(signedInAs(acct))
	ab.account.Wrapping = fyne.TextWrapWord
	ab.provider = widget.NewLabel(acct.provider)
	ab.issuer = widget.NewLabel(acct.issuer)
	ab.issuer.Wrapping = fyne.TextWrapBreak
	form := widget.NewForm(
		widget.NewFormItem("Dialtone", ab.version),
		widget.NewFormItem("Signed in as", ab.account),
		widget.NewFormItem("Provider", ab.provider),
		widget.NewFormItem("Issuer", ab.issuer),
	)
	ab.dialog = dialog.NewCustom("About Dialtone", "Close", form, a.win)
	ab.dialog.Resize(fyne.NewSize(a.win.Canvas().Size().Width-32, 0))
	ab.dialog.Show()
}

func versionOr(v string) string {
	if v == "" {
		return "(development build)"
	}
	return v
}

func signedInAs(acct account) string {
	if acct.name == "" {
		return acct.email
	}
	return acct.name + " <" + acct.email + ">"
}
