package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// spinner shows that Dialtone is waiting: a ring in the theme's primary colour whose gap turns once a second
// while it runs. Unlike Fyne's Activity, whose pulsing dots look like a plain dot in a still frame, any frame of
// it reads as "busy", screenshots included.
type spinner struct {
	widget.BaseWidget
	arc     *canvas.Arc
	anim    *fyne.Animation
	running bool
}

func newSpinner() *spinner {
	s := &spinner{arc: canvas.NewArc(0, 270, 0.7, nil)}
	s.anim = fyne.NewAnimation(time.Second, s.turn)
	s.anim.Curve = fyne.AnimationLinear
	s.anim.RepeatCount = fyne.AnimationRepeatForever
	s.ExtendBaseWidget(s)
	return s
}

// Start turns the ring.
func (s *spinner) Start() {
	if !s.running {
		s.running = true
		s.anim.Start()
	}
}

// Stop stops the ring where it is.
func (s *spinner) Stop() {
	if s.running {
		s.running = false
		s.anim.Stop()
	}
}

// turn draws the ring done of the way round.
func (s *spinner) turn(done float32) {
	s.arc.StartAngle = 360 * done
	s.arc.EndAngle = s.arc.StartAngle + 270
	s.arc.Refresh()
}

// CreateRenderer implements fyne.Widget: the ring at the size of an inline icon, centred.
func (s *spinner) CreateRenderer() fyne.WidgetRenderer {
	s.applyTheme()
	size := fyne.NewSquareSize(s.Theme().Size(theme.SizeNameInlineIcon))
	return widget.NewSimpleRenderer(container.NewCenter(container.NewGridWrap(size, s.arc)))
}

// Refresh picks up the theme's colour.
func (s *spinner) Refresh() {
	s.applyTheme()
	s.BaseWidget.Refresh()
}

func (s *spinner) applyTheme() {
	s.arc.FillColor = s.Theme().Color(theme.ColorNamePrimary, fyne.CurrentApp().Settings().ThemeVariant())
}
