package ui

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dialtone/dialer"
	"dialtone/internal/session"
)

func newTrayHarness(t *testing.T) (*harness, *fakeTrayApp) {
	app := &fakeTrayApp{fakeApp: &fakeApp{App: test.NewTempApp(t)}}
	return newHarnessWith(t, app), app
}

func TestNoTrayWithoutDesktopApp(t *testing.T) {
	h := newHarness(t)
	if h.a.tray != nil {
		t.Error("a tray was made for an app without one")
	}
}

func TestTrayFollowsPresence(t *testing.T) {
	out, outApp := newTrayHarness(t)
	if outApp.trayMenu != nil || outApp.trayIcon != nil {
		t.Fatal("the tray was put in the system tray before Start showed the window")
	}
	out.start()
	out.waitFor("email")
	if outApp.trayWindow != out.win || outApp.trayMenu != out.a.tray.menu {
		t.Fatal("the tray is not set up on the app after Start")
	}
	if outApp.trayIcon != out.a.tray.icon(dialer.SignedOut) || !out.a.tray.signOut.Disabled {
		t.Error("signed out, the tray is not grey with Sign out disabled")
	}

	h, app := newTrayHarness(t)
	tr := h.a.tray
	keep := h.signedIn()
	if app.trayIcon != tr.icon(dialer.Online) || tr.signOut.Disabled {
		t.Error("signed in, the tray is not green with Sign out enabled")
	}
	keep.report(session.Status{NextRetry: time.Now().Add(-time.Second), Err: session.ErrOffline})
	h.until("the tray turns amber", func() bool { return app.trayIcon == tr.icon(dialer.Reconnecting) })

	tr.signOut.Action()
	next(h, h.s.logouts).reply(session.LogoutResult{}, nil)
	h.waitFor("email")
	if app.trayIcon != tr.icon(dialer.SignedOut) || !tr.signOut.Disabled {
		t.Error("after Sign out, the tray is not grey with Sign out disabled")
	}
}

func TestTrayShowRaisesAndCloseQuits(t *testing.T) {
	h, app := newTrayHarness(t)
	h.start()

	h.win.Hide()
	h.a.tray.show.Action()
	if app.win.hidden || app.win.focusRequests != 1 {
		t.Errorf("Show: hidden %v, focus requests %d; want shown and raised", app.win.hidden, app.win.focusRequests)
	}
	h.a.closeWindow()
	if !app.win.closed {
		t.Error("closing the window did not close it, although the tray may not be visible")
	}
}

func TestTrayIconsHaveThePresenceColour(t *testing.T) {
	for state, want := range trayColors {
		icon, err := trayIcon(state)
		if err != nil {
			t.Fatalf("%v: %v", state, err)
		}
		img, err := png.Decode(bytes.NewReader(icon.Content()))
		if err != nil {
			t.Fatalf("%v: %v", state, err)
		}
		size := img.Bounds().Dx()
		r, g, b, _ := img.At(size*77/100, size*77/100).RGBA()
		if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
			t.Errorf("%v: dot is #%02x%02x%02x, want #%02x%02x%02x", state, r>>8, g>>8, b>>8, want.R, want.G, want.B)
		}
	}
}
