package ui

import "fyne.io/fyne/v2"

// The window's size until the agent resizes it, and the preferences it is remembered in. Fyne cannot place a
// window, so its position is left to the window manager.
const (
	defaultWidth  = 420
	defaultHeight = 640
	prefWidth     = "window.width"
	prefHeight    = "window.height"
)

// savedSize is the window size remembered in p, or the default.
func savedSize(p fyne.Preferences) fyne.Size {
	return fyne.NewSize(float32(p.FloatWithFallback(prefWidth, defaultWidth)), float32(p.FloatWithFallback(prefHeight, defaultHeight)))
}

// saveSize remembers w's size in p, unless w has none yet.
func saveSize(p fyne.Preferences, w fyne.Window) {
	s := w.Canvas().Size()
	if s.Width < 1 || s.Height < 1 {
		return
	}
	p.SetFloat(prefWidth, float64(s.Width))
	p.SetFloat(prefHeight, float64(s.Height))
}
