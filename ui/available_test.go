package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"dialtone/dialer"
	"dialtone/internal/agent"
)

// TestAvailableSwitch: with a phone line the bar shows Available; unticking
// it puts the agent Offline (the line unregistered, still signed in), and
// the dot and the Call hint say so.
func TestAvailableSwitch(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	f := h.a.frame.get()
	if f.available.Visible() {
		t.Fatal("the Available switch shows for an account without a line")
	}
	h.a.follow(agent.Update{Presence: dialer.Presence{State: dialer.Online}, Line: true})
	if !f.available.Visible() || !f.available.Checked {
		t.Fatal("with a line, the Available switch is not shown ticked")
	}
	if got := f.dialer.status.Text; got != registeredHint {
		t.Errorf("the Call hint with a line = %q, want %q", got, registeredHint)
	}
	test.Tap(f.available)
	h.until("Offline", func() bool { return f.dialer.presence.Presence().State == dialer.Away })
	if f.available.Checked {
		t.Error("Offline, the switch is still ticked")
	}
}
