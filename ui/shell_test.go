package ui

import (
	"errors"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/session"
)

// built names the screens built so far.
func (h *harness) built() []string {
	var names []string
	for name, ok := range map[string]bool{
		"starting": h.a.starting.built, "email": h.a.email.built, "choose": h.a.choose.built,
		"waiting": h.a.waiting.built, "problem": h.a.problem.built, "dialer": h.a.frame.built,
	} {
		if ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func TestLaunchBuildsOnlyTheFirstScreen(t *testing.T) {
	h := newHarness(t)
	if got := h.built(); len(got) != 0 {
		t.Errorf("New built %q, want nothing before Start", got)
	}
	h.s.stored = priya
	h.start()
	if got := h.built(); !slices.Equal(got, []string{"starting"}) {
		t.Errorf("a launch with a stored session built %q, want only the starting screen", got)
	}
	next(h, h.s.resumes).reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	if got := h.built(); !slices.Equal(got, []string{"dialer", "starting"}) {
		t.Errorf("signed in silently, the app built %q, want the starting screen and the dialer", got)
	}
}

func TestDialerShowsEveryPresence(t *testing.T) {
	h, app := newTrayHarness(t)
	var names []string
	h.a.env.deps.OnScreen = func(name string) { names = append(names, name) }
	h.signedIn()
	retry := time.Now().Add(-time.Second) // due already: the dot starts no countdown timer
	tests := []struct {
		presence dialer.Presence
		text     string
		colour   fyne.ThemeColorName
		name     string
	}{
		{dialer.Presence{State: dialer.Connecting}, "Connecting…", theme.ColorNameWarning, "dialer/connecting"},
		{dialer.Presence{State: dialer.Refused, Reason: "forbidden"}, "Line refused — forbidden", theme.ColorNameError, "dialer/line-refused"},
		{dialer.Presence{State: dialer.Reconnecting, NextRetry: retry}, "Reconnecting — trying now", theme.ColorNameWarning, "dialer/reconnecting"},
		{dialer.Presence{State: dialer.Online}, "Online", theme.ColorNameSuccess, "dialer/online"},
	}
	for _, tt := range tests {
		h.a.follow(agent.Update{Presence: tt.presence})
		dot := h.frame().dialer.presence
		if dot.Text() != tt.text || dot.dot.FillColor != theme.Color(tt.colour) {
			t.Errorf("%v: the dot says %q in %v, want %q in %s", tt.presence.State, dot.Text(), dot.dot.FillColor, tt.text, tt.colour)
		}
		if app.trayIcon != h.a.tray.icon(tt.presence.State) {
			t.Errorf("%v: the tray does not show it", tt.presence.State)
		}
		if got := names[len(names)-1]; got != tt.name {
			t.Errorf("%v: OnScreen got %q, want %q", tt.presence.State, got, tt.name)
		}
	}
}

func TestReportInFlightWhenSigningOutIsDropped(t *testing.T) {
	h, app := newTrayHarness(t)
	keep := h.signedIn()
	keep.report(session.Status{NextRetry: time.Now().Add(-time.Second), Err: session.ErrOffline}) // queued for the Fyne thread
	h.frame().signOut.Action()

	logout := next(h, h.s.logouts) // runs the queued report meanwhile
	if !h.shows("starting") || app.trayIcon == h.a.tray.icon(dialer.Reconnecting) {
		t.Error("a keep-alive report that arrived while signing out was shown")
	}
	logout.reply(session.LogoutResult{}, nil)
	h.waitFor("email")
}

func TestLookupTryAgainGoesBackToTheEmailScreen(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(nil, errors.New("something odd"))
	h.waitFor("problem")

	test.Tap(h.problemScreen().primary) // Try again
	if !h.shows("email") || !h.emailScreen().looking.Visible() {
		t.Error("Try again does not show the email screen looking the email up")
	}
	if got := next(h, h.dir.lookups).in; got != priya.Email {
		t.Errorf("looked up %q, want %q", got, priya.Email)
	}
}
