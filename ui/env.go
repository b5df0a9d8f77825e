package ui

import (
	"time"

	"fyne.io/fyne/v2"
)

// screen is one of the window's screens. The shell shows one at a time.
type screen interface {
	// screenName is the screen's name for Deps.OnScreen, for example "email".
	screenName() string
	// root is what the window shows.
	root() fyne.CanvasObject
	// leave stops what runs only while the screen shows (spinners, keyboard handlers); another screen follows.
	leave()
}

// env is what every screen is built with: the app and its window, Dialtone's dependencies, the one job in
// flight, and the shell to move on with.
type env struct {
	app   fyne.App
	win   fyne.Window
	deps  Deps
	jobs  *jobs
	every ticker // the countdown's clock
	nav   nav
}

// ticker ticks every d until stop is called: time.NewTicker, or a hand-moved one in tests.
type ticker func(d time.Duration) (ticks <-chan time.Time, stop func())

func newTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// button returns a button labelled text that calls tapped, and cancels the job in flight on Escape.
func (e *env) button(text string, icon fyne.Resource, tapped func()) *keyButton {
	return newButton(text, icon, tapped, e.jobs.escape)
}

// focus gives o the keyboard focus.
func (e *env) focus(o fyne.Focusable) { e.win.Canvas().Focus(o) }

// copy puts text on the clipboard.
func (e *env) copy(text string) { e.app.Clipboard().SetContent(text) }

// raise brings the window to the front, for when the browser hands back to Dialtone.
func raise(w fyne.Window) {
	w.Show()
	w.RequestFocus()
}

// lazy is a screen built the first time it is asked for, so that a launch builds only the screen it shows.
type lazy[S screen] struct {
	env   *env
	build func(*env) S
	s     S
	built bool
}

// lazyScreen returns build's screen for e, to be built on first use.
func lazyScreen[S screen](e *env, build func(*env) S) lazy[S] {
	return lazy[S]{env: e, build: build}
}

// get returns the screen, building it on first use.
func (l *lazy[S]) get() S {
	if !l.built {
		l.s, l.built = l.build(l.env), true
	}
	return l.s
}
