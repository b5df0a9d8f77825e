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
// and Sign out. Fyne adds Quit to the menu. Closing the window still quits (see App.closeWindow).
type tray struct {
	app     desktop.App
	win     fyne.Window
	menu    *fyne.Menu
	show    *fyne.MenuItem
	signOut *fyne.MenuItem
	icons   map[dialer.State]fyne.Resource // drawn when first shown
	state   dialer.State                   // the presence the icon shows, or will once started
	started bool                           // the menu and icon are in the system tray
}

// The presence colours of the tray icon, as the presence dot shows them in the default theme.
var trayColors = map[dialer.State]color.NRGBA{
	dialer.Online:       {R: 0x43, G: 0xa0, B: 0x47, A: 0xff},
	dialer.Reconnecting: {R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff},
	dialer.Connecting:   {R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff},
	dialer.Refused:      {R: 0xf4, G: 0x43, B: 0x36, A: 0xff},
	dialer.SignedOut:    {R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
	dialer.Away:         {R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff},
}

// newTray prepares the tray of win when app is a desktop app, else returns nil; start puts it in the system
// tray. Show (and a tap on the icon) raises the window; Sign out calls signOut.
func newTray(app fyne.App, win fyne.Window, signOut func()) *tray {
	d, ok := app.(desktop.App)
	if !ok {
		return nil
	}
	t := &tray{app: d, win: win, icons: map[dialer.State]fyne.Resource{}, state: dialer.SignedOut}
	t.show = fyne.NewMenuItem("Show Dialtone", func() { raise(win) })
	t.signOut = fyne.NewMenuItem("Sign out", signOut)
	t.signOut.Disabled = true
	t.menu = fyne.NewMenu("Dialtone", t.show, t.signOut)
	return t
}

// start puts the menu and the icon of the current presence in the system tray. Fyne starts its tray when
// app.Run starts, so start must run before Run; Start calls it just after the window's first frame, because
// Fyne makes the tray with a hidden window of its own (and its own OpenGL context), which would otherwise
// delay that frame.
func (t *tray) start() {
	if t == nil || t.started {
		return
	}
	t.app.SetSystemTrayMenu(t.menu)
	t.app.SetSystemTrayWindow(t.win)
	t.started = true
	t.app.SetSystemTrayIcon(t.icon(t.state))
}

// setPresence shows s on the tray icon.
func (t *tray) setPresence(s dialer.State) {
	if t == nil {
		return
	}
	t.state = s
	if t.started {
		t.app.SetSystemTrayIcon(t.icon(s))
	}
}

// setSignedIn enables Sign out while the agent is signed in; signed out, the dot turns grey.
func (t *tray) setSignedIn(in bool) {
	if t == nil {
		return
	}
	t.signOut.Disabled = !in
	if t.started {
		t.menu.Refresh()
	}
	if !in {
		t.setPresence(dialer.SignedOut)
	}
}

// icon is the tray icon for s, drawn the first time it is needed; the app's icon if it cannot be drawn.
func (t *tray) icon(s dialer.State) fyne.Resource {
	if r, ok := t.icons[s]; ok {
		return r
	}
	r, err := trayIcon(s)
	if err != nil {
		fyne.LogError("could not draw the tray icon", err)
		r = Icon
	}
	t.icons[s] = r
	return r
}

// trayIcon draws the tray icon for s.
func trayIcon(s dialer.State) (fyne.Resource, error) {
	base, err := png.Decode(bytes.NewReader(assets.Tray))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, withDot(base, trayColors[s])); err != nil {
		return nil, err
	}
	return fyne.NewStaticResource("tray-"+s.String()+".png", buf.Bytes()), nil
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
