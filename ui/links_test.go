package ui

import (
	"testing"

	"fyne.io/fyne/v2/widget"

	"dialtone/internal/session"
)

// dialerShows checks what the signed-in dialer shows: the number as typed input, and the message under it.
func (h *harness) dialerShows(input, message string, isError bool) {
	h.t.Helper()
	d := h.frame().dialer
	if got := d.input.String(); got != input {
		h.t.Errorf("the dialer holds %q, want %q", got, input)
	}
	if got := d.message.Text; got != message {
		h.t.Errorf("the message under the number is %q, want %q", got, message)
	}
	if got := d.message.Importance == widget.DangerImportance; got != isError {
		h.t.Errorf("the message is shown as an error: %v, want %v", got, isError)
	}
}

// raised checks that the window was shown and asked for the focus since the count was before.
func (h *harness) raised(before int) {
	h.t.Helper()
	if w := h.app.win; w.hidden || w.focusRequests <= before {
		h.t.Errorf("window hidden %v, focus requests %d (before %d): want it shown and raised", w.hidden, w.focusRequests, before)
	}
}

func TestDialFillsTheDialer(t *testing.T) {
	tests := []struct {
		name, number, ext string
		input, message    string
	}{
		{"international", "+1-201-555-0123", "", "+12015550123", ""},
		{"with an extension", "+1-201-555-0123", "7", "+12015550123", "Extension 7"},
		{"national, with an extension", "020 7946 0018", "22", "02079460018", "Valid number · +44 20 7946 0018 · extension 22"},
		{"service code", "*72", "", "*72", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.signedIn()
			h.win.Hide()
			focus := h.app.win.focusRequests
			if !h.a.Dial(tt.number, tt.ext) {
				t.Error("Dial reported the number waiting, with the dialer on screen")
			}
			h.raised(focus)
			h.dialerShows(tt.input, tt.message, false)
		})
	}
}

func TestDialReplacesTheNumberBeingTyped(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	h.frame().dialer.press('5')
	h.a.Dial("+1-201-555-0123", "")
	h.dialerShows("+12015550123", "", false)
}

func TestDialWaitsForTheSignIn(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	if h.a.Dial("+1-201-555-0123", "") {
		t.Error("Dial reported the number in the dialer while the window waits for the browser")
	}
	h.a.Dial("+1-212-555-0199", "4") // a later link replaces the waiting one
	login.reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	h.dialerShows("+12125550199", "Extension 4", false)
	if h.a.link != nil {
		t.Error("the link still waits after it filled the dialer")
	}
}

func TestDialWaitsThroughAnEndedSession(t *testing.T) {
	h := newHarness(t)
	h.s.stored = priya
	h.start()
	h.a.Dial("+1-201-555-0123", "")
	next(h, h.s.resumes).reply(nil, session.ErrLoginRequired)
	h.waitFor("email")
	if h.a.link == nil {
		t.Fatal("the link was dropped when the silent sign-in failed")
	}
	h.submit(priya.Email).reply(listOf(okta), nil)
	next(h, h.s.logins).reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	h.dialerShows("+12015550123", "", false)
}

func TestRefuseLinkSaysWhy(t *testing.T) {
	const why = "The link “callto:alice” holds no phone number to dial."
	h := newHarness(t)
	h.signedIn()
	h.frame().dialer.press('5')
	focus := h.app.win.focusRequests
	if !h.a.RefuseLink(why) {
		t.Error("RefuseLink reported waiting, with the dialer on screen")
	}
	h.raised(focus)
	h.dialerShows("5", why, true)
}

func TestRaise(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.waitFor("email")
	h.win.Hide()
	focus := h.app.win.focusRequests
	h.a.Raise()
	h.raised(focus)
	if !h.shows("email") {
		t.Error("Raise changed the screen")
	}
}
