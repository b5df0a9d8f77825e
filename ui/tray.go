package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"dialtone/assets"
	"dialtone/dialer"
)

// tray is Dialtone's system-tray icon: the app's mark with a dot in the presence colour, and a menu with Show
// and Sign out. Fyne adds Quit to the menu. Closing the window still quits (see closeWindow).
type tray struct {
	app     desktop.App
	menu    *fyne.Menu
	show    *fyne.MenuItem
	signOut *fyne.MenuItem
	icons   map[dialer.State]fyne.Resource
	state   dialer.State
}

// The presence colours of the tray icon, as the presence dot shows them in the default theme.
var trayColors = map[dialer.State]color.NRGBA{
	dialer.Online:       {R: 0x43, G: 0xa0, B: 0x47, A: 0xff},
	dialer.Reconnecting: {R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff},
	dialer.Connecting:   {R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff},
	dialer.Refused:      {R: 0xf4, G: 0x43, B: 0x36, A: 0xff},
	dialer.SignedOut:    {R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
}

// makeTray sets up the tray when the app is a desktop app, else returns nil. A tap on the icon shows the window.
func (a *App) makeTray() *tray {
	d, ok := a.app.(desktop.App)
	if !ok {
		return nil
	}
	icons, err := trayIcons()
	if err != nil {
		fyne.LogError("could not draw the tray icons", err)
		return nil
	}
	t := &tray{app: d, icons: icons}
	t.show = fyne.NewMenuItem("Show Dialtone", a.raise)
	t.signOut = fyne.NewMenuItem("Sign out", func() { a.signOut(false, false) })
	t.menu = fyne.NewMenu("Dialtone", t.show, t.signOut)
	d.SetSystemTrayMenu(t.menu)
	d.SetSystemTrayWindow(a.win)
	t.setSignedIn(false)
	t.setPresence(dialer.SignedOut)
	return t
}

// setPresence colours the icon's dot for s. A nil tray does nothing.
func (t *tray) setPresence(s dialer.State) {
	if t == nil {
		return
	}
	t.state = s
	t.app.SetSystemTrayIcon(t.icons[s])
}

// setSignedIn enables Sign out while the agent is signed in; signed out, the dot turns grey.
func (t *tray) setSignedIn(in bool) {
	if t == nil {
		return
	}
	t.signOut.Disabled = !in
	t.menu.Refresh()
	if !in {
		t.setPresence(dialer.SignedOut)
	}
}

// trayIcons draws the tray icon once for each presence.
func trayIcons() (map[dialer.State]fyne.Resource, error) {
	base, err := png.Decode(bytes.NewReader(assets.Tray))
	if err != nil {
		return nil, err
	}
	icons := map[dialer.State]fyne.Resource{}
	for s, c := range trayColors {
		var buf bytes.Buffer
		if err := png.Encode(&buf, withDot(base, c)); err != nil {
			return nil, err
		}
		icons[s] = fyne.NewStaticResource("tray-"+s.String()+".png", buf.Bytes())
	}
	return icons, nil
}

// withDot returns img with a dot of colour c in a white ring at its bottom right corner.
func withDot(img image.Image, c color.NRGBA) image.Image {
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	size := float64(out.Bounds().Dx())
	cx, cy := size*0.77, size*0.77
	disc(out, cx, cy, size*0.22, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff})
	disc(out, cx, cy, size*0.16, c)
	return out
}

// disc paints a circle of radius r at (cx, cy), antialiased.
func disc(img *image.NRGBA, cx, cy, r float64, c color.NRGBA) {
	b := img.Bounds()
	mask := image.NewAlpha(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			mask.SetAlpha(x, y, color.Alpha{A: uint8(255 * discCoverage(x, y, cx, cy, r))})
		}
	}
	draw.DrawMask(img, b, image.NewUniform(c), image.Point{}, mask, b.Min, draw.Over)
}

// discCoverage is how much of pixel (x, y) the circle covers, sampled 4×4.
func discCoverage(x, y int, cx, cy, r float64) float64 {
	n := 0
	for i := range 4 {
		for j := range 4 {
			dx := float64(x) + (float64(i)+0.5)/4 - cx
			dy := float64(y) + (float64(j)+0.5)/4 - cy
			if dx*dx+dy*dy <= r*r {
				n++
			}
		}
	}
	return float64(n) / 16
}
