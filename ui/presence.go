package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
)

// dotSize is the diameter of the presence dot.
const dotSize = 10

// PresenceDot shows the agent's presence as a coloured dot and a label: green "Online", amber
// "Reconnecting — next try in 20 s" or "Connecting — next try in 20 s" (counting down every second), red
// "Line refused — forbidden" or grey "Signed out". The colours are the theme's success, warning, error and
// placeholder colours, so the dot follows light and dark themes; the label is always in the foreground colour and
// carries the meaning on its own.
type PresenceDot struct {
	widget.BaseWidget

	presence dialer.Presence
	now      func() time.Time                                   // the clock for the countdown
	after    func(d time.Duration, f func()) (stop func() bool) // schedules a countdown tick off the UI thread
	tick     int                                                // bumped on every SetPresence; stale ticks compare unequal
	stop     func() bool

	dot   *canvas.Circle
	label *widget.Label
}

// NewPresenceDot returns a dot showing p.
func NewPresenceDot(p dialer.Presence) *PresenceDot {
	d := &PresenceDot{
		now:   time.Now,
		after: func(wait time.Duration, f func()) func() bool { return time.AfterFunc(wait, f).Stop },
		dot:   canvas.NewCircle(nil),
		label: widget.NewLabel(""),
	}
	d.ExtendBaseWidget(d)
	d.SetPresence(p)
	return d
}

// CreateRenderer implements fyne.Widget.
func (d *PresenceDot) CreateRenderer() fyne.WidgetRenderer {
	d.applyTheme()
	return widget.NewSimpleRenderer(container.New(dotLayout{}, d.dot, d.label))
}

// Presence returns the presence shown.
func (d *PresenceDot) Presence() dialer.Presence { return d.presence }

// Text returns the label shown next to the dot, for example "Reconnecting — next try in 20 s".
func (d *PresenceDot) Text() string { return d.label.Text }

// SetPresence shows p. While p retries (Reconnecting, Connecting) with a retry time in the future, the label
// counts down every second. Call it on the Fyne thread (from a goroutine, through fyne.Do).
func (d *PresenceDot) SetPresence(p dialer.Presence) {
	d.presence = p
	d.tick++
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
	d.update(d.tick)
}

// Refresh picks up the theme's colours.
func (d *PresenceDot) Refresh() {
	d.applyTheme()
	d.BaseWidget.Refresh()
}

// update shows the presence at the current time and, while a countdown runs, schedules the next second.
func (d *PresenceDot) update(tick int) {
	if tick != d.tick {
		return // a tick scheduled for an earlier presence
	}
	now := d.now()
	d.label.SetText(d.presence.Describe(now))
	d.Refresh()
	if !d.presence.State.Retries() || !now.Before(d.presence.NextRetry) {
		return
	}
	wait := d.presence.NextRetry.Sub(now) % time.Second
	if wait == 0 {
		wait = time.Second
	}
	d.stop = d.after(wait, func() { fyne.Do(func() { d.update(tick) }) })
}

func (d *PresenceDot) applyTheme() {
	th, v := d.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	d.dot.FillColor = th.Color(presenceColor(d.presence.State), v)
	d.dot.Refresh()
}

func presenceColor(s dialer.State) fyne.ThemeColorName {
	switch s {
	case dialer.Online:
		return theme.ColorNameSuccess
	case dialer.Reconnecting, dialer.Connecting:
		return theme.ColorNameWarning
	case dialer.Refused:
		return theme.ColorNameError
	}
	return theme.ColorNamePlaceHolder
}

// dotLayout puts the dot (the first object) where a label's text would start, and the label (the second) just
// after it, so that the dot lines up with labels above and below.
type dotLayout struct{}

// Layout implements fyne.Layout.
func (dotLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	dot, label := objects[0], objects[1]
	pad := theme.Size(theme.SizeNameInnerPadding)
	dot.Resize(fyne.NewSquareSize(dotSize))
	dot.Move(fyne.NewPos(pad, (size.Height-dotSize)/2))
	label.Resize(fyne.NewSize(size.Width-dotSize-pad/2, size.Height))
	label.Move(fyne.NewPos(dotSize+pad/2, 0))
}

// MinSize implements fyne.Layout.
func (dotLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	label := objects[1].MinSize()
	return fyne.NewSize(label.Width+dotSize+theme.Size(theme.SizeNameInnerPadding)/2, max(label.Height, dotSize))
}
