package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"dialtone/auth"
)

// App is Dialtone's window. Create it with New and call Start. Its methods must be called on the Fyne thread.
type App struct {
	app     fyne.App
	env     env    // what the screens are built with
	current screen // what the window shows; nil before Start

	starting lazy[*startingScreen]
	email    lazy[*emailScreen]
	choose   lazy[*chooseScreen]
	waiting  lazy[*waitingScreen]
	problem  lazy[*problemScreen]
	frame    lazy[*frame]
	tray     *tray // nil when the app has no system tray

	reports int   // counts Keeper.Begin calls: a report from an earlier one is dropped
	link    *link // a tel: link waiting for the dialer to show (see Dial); nil when none
}

// New makes Dialtone's window in app. It builds no screen and shows nothing until Start.
func New(app fyne.App, deps Deps) *App {
	return newApp(app, deps, fyne.Do, newTicker)
}

// newApp is New with the hand-off to the Fyne thread and the countdown's ticker given, for tests.
func newApp(app fyne.App, deps Deps, do func(func()), every ticker) *App {
	app.SetIcon(Icon)
	win := app.NewWindow("Dialtone")
	win.SetIcon(Icon)
	a := &App{app: app}
	a.env = env{app: app, win: win, deps: withDefaults(deps), jobs: &jobs{do: do}, every: every, nav: a}
	a.starting = lazyScreen(&a.env, newStartingScreen)
	a.email = lazyScreen(&a.env, newEmailScreen)
	a.choose = lazyScreen(&a.env, newChooseScreen)
	a.waiting = lazyScreen(&a.env, newWaitingScreen)
	a.problem = lazyScreen(&a.env, newProblemScreen)
	a.frame = lazyScreen(&a.env, newFrame)
	if !deps.NoTray {
		a.tray = newTray(app, win, func() { a.signOut(false, false) })
	}
	win.Resize(savedSize(app.Preferences()))
	win.SetMaster()
	win.SetCloseIntercept(a.closeWindow)
	// However the app stops — quit, the window closed, or Fyne's own SIGINT/SIGTERM handler, which quits the
	// driver before Start's context is seen — the agent is let go: the line unregisters. Fyne runs OnStopped
	// before app.Run returns (Agent is safe to call from its goroutine, and End twice is harmless).
	if deps.Keeper != nil {
		app.Lifecycle().SetOnStopped(deps.Keeper.End)
	}
	return a
}

func withDefaults(deps Deps) Deps {
	if deps.LoginTimeout <= 0 {
		deps.LoginTimeout = auth.DefaultTimeout
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return deps
}

// Start shows the window and signs the agent in silently if a session is stored, else asks for their email.
// When ctx ends, everything in flight is cancelled and the app quits.
func (a *App) Start(ctx context.Context) {
	go func() {
		<-ctx.Done()
		a.env.jobs.do(a.quit)
	}()
	// Show paints the first frame at once (an empty window); the first
	// screen is drawn on the next frame. Painting it inside Show instead
	// delays the window and, when a stored session is resumed, the dialer,
	// which usually replaces it before that next frame (docs/benchmarks.md).
	a.env.win.Show()
	starter := a.env.deps.Starter
	if rec := starter.Stored(); rec != nil {
		a.resume(rec)
	} else {
		a.showEmail(attempt{email: starter.LastEmail()}, "")
	}
	a.tray.start() // after the first frame, before app.Run (see tray.start)
}

// Window returns Dialtone's window.
func (a *App) Window() fyne.Window { return a.env.win }

// show puts s in the window, after the screen before it has left.
func (a *App) show(s screen) {
	if a.current != nil {
		a.current.leave()
	}
	a.current = s
	a.env.win.SetContent(s.root())
	a.env.win.Canvas().SetOnTypedKey(a.typedKey)
	a.onScreen(s.screenName())
}

// onScreen tells Deps.OnScreen, if set, what the window shows now.
func (a *App) onScreen(name string) {
	if a.env.deps.OnScreen != nil {
		a.env.deps.OnScreen(name)
	}
}

// typedKey takes the keys typed while nothing in the window has the focus: Escape cancels the wait on screen.
func (a *App) typedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyEscape {
		a.env.jobs.escape()
	}
}

// closeWindow remembers the window's size and closes the window, which quits Dialtone. It does not hide the
// window to the tray: Fyne cannot tell whether the desktop shows tray icons at all (GNOME does not by default),
// and a hidden window without one would leave the agent no way back.
func (a *App) closeWindow() {
	saveSize(a.app.Preferences(), a.env.win)
	a.env.win.Close()
}

// quit cancels everything in flight and quits the app.
func (a *App) quit() {
	a.env.jobs.stop()
	a.env.deps.Keeper.End()
	saveSize(a.app.Preferences(), a.env.win)
	a.app.Quit()
}
