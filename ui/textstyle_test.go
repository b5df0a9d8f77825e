package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestScreensDrawOnlyRegularText drives the app to every screen of the
// screenshot set and checks that all the text on it is in the regular
// style: each other style costs Fyne one more copy of its fonts in memory
// (see theme.go). The About box is Fyne's dialog, whose title is bold; it
// is shown only on request.
func TestScreensDrawOnlyRegularText(t *testing.T) {
	for _, s := range screenshots {
		if strings.HasPrefix(s.name, "about") {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			h := newHarness(t)
			h.win.Resize(fyne.NewSize(defaultWidth, defaultHeight))
			s.drive(h)
			settle(h.win)
			for _, o := range h.win.Canvas().Overlays().List() {
				checkRegular(t, o)
			}
			checkRegular(t, h.win.Content())
		})
	}
}

// checkRegular fails for any text in o and what it contains that is not in
// the regular style.
func checkRegular(t *testing.T, o fyne.CanvasObject) {
	t.Helper()
	switch v := o.(type) {
	case *widget.Button, *widget.Accordion:
		t.Errorf("a %T measures its label in bold, even an empty one: use newButton or newDisclosure", v)
	case *canvas.Text:
		if v.TextStyle != (fyne.TextStyle{}) && v.Text != "" {
			t.Errorf("%q is drawn in style %+v, want the regular style", v.Text, v.TextStyle)
		}
	case *fyne.Container:
		for _, c := range v.Objects {
			checkRegular(t, c)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			checkRegular(t, c)
		}
	}
}
