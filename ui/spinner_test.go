package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestSpinner(t *testing.T) {
	test.NewTempApp(t)
	s := newSpinner()
	w := test.NewWindow(s)
	t.Cleanup(w.Close)

	if got, want := s.arc.FillColor, theme.Color(theme.ColorNamePrimary); got != want {
		t.Errorf("ring colour = %v, want the primary colour %v", got, want)
	}
	s.turn(0.25)
	if s.arc.StartAngle != 90 || s.arc.EndAngle != 360 {
		t.Errorf("a quarter turn draws %v°–%v°, want 90°–360°", s.arc.StartAngle, s.arc.EndAngle)
	}
	s.Start()
	s.Start()
	if !s.running {
		t.Error("Start did not start the ring")
	}
	s.Stop()
	if s.running {
		t.Error("Stop did not stop the ring")
	}
}
