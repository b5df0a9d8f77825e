package e2e

import (
	"slices"
	"testing"
	"time"
)

// handoffWait bounds how long a later launch may take to hand over and exit.
const handoffWait = 10 * time.Second

// TestHandoff runs two dialtone processes on one machine under the X
// server: the first opens the window; each later one (a tel: link, a link
// that holds no number, a plain second launch) hands its argument to it and
// exits 0 without a window, and the first fills its dialer — after the
// sign-in, for a link that came before it. A link that starts Dialtone
// fills the dialer once the silent sign-in is done.
func TestHandoff(t *testing.T) {
	requireSuite(t)
	requireDisplay(t)
	i := idps[0]
	p := i.start(t)
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = startDirectory(t, m, i, p)
	m.browseAs(agent)
	a := m.startApp()
	a.waitScreen("email")
	empty := a.win.waitDrawn(settle{})

	scenario(t, "a link before the sign-in waits for the dialer", func(t *testing.T) string {
		a.t, a.win.t = t, t // fail the scenario, not the test
		handOver(t, m, "tel:+1-201-555-0123;ext=7")
		a.waitScreen("handoff/dial/waiting")
		a.typeText(agent.Email)
		a.key("Return")
		if way, want := a.waitScreen("dialer/online"), []string{"waiting", "dialer", "dialer/online"}; !slices.Equal(way, want) {
			t.Errorf("the window went through %q, want %q", way, want)
		}
		savePNG(t, m.logFile("handoff-dialer.png"), a.win.waitDrawn(newScreen.after(empty)))
		return "dialtone tel:… exited 0 at once; the email screen kept the number until the sign-in, then the dialer showed it"
	})

	scenario(t, "a link while signed in fills the dialer", func(t *testing.T) string {
		a.t, a.win.t = t, t // fail the scenario, not the test
		before := a.win.waitDrawn(settle{maxJitter: 100})
		handOver(t, m, "callto://+44-20-7946-0018")
		a.waitScreen("handoff/dial/filled")
		after := a.win.waitDrawn(typedText.after(before))
		savePNG(t, m.logFile("handoff-filled.png"), after)
		return "dialtone callto:… exited 0; the dialer shows the new number"
	})

	scenario(t, "a link without a number, and a plain second launch", func(t *testing.T) string {
		a.t, a.win.t = t, t // fail the scenario, not the test
		handOver(t, m, "callto:alice")
		a.waitScreen("handoff/refused")
		handOver(t, m)
		a.waitScreen("handoff/none")
		savePNG(t, m.logFile("handoff-refused.png"), a.win.waitDrawn(settle{maxJitter: 100}))
		a.quit()
		return "both exited 0; the window said the link holds no number, then came to the front"
	})

	scenario(t, "a link that starts Dialtone", func(t *testing.T) string {
		a := m.startApp("tel:+1-201-555-0199")
		a.t, a.win.t = t, t
		if way, want := a.waitScreen("dialer/online"), []string{"starting", "handoff/dial/waiting", "dialer", "dialer/online"}; !slices.Equal(way, want) {
			t.Errorf("the window went through %q, want %q", way, want)
		}
		savePNG(t, m.logFile("handoff-started.png"), a.win.waitDrawn(newScreen.after(empty)))
		a.quit()
		return "dialtone tel:… with no Dialtone running: the silent sign-in, then the dialer with the number"
	})
}

// handOver runs a later launch of the app on m with args and checks that
// it handed over quickly and exited 0, printing nothing.
func handOver(t *testing.T, m *machine, args ...string) {
	t.Helper()
	start := time.Now()
	r := m.dialtone(args...)
	if r.code != exitOK || r.stdout != "" || r.stderr != "" {
		t.Fatalf("dialtone %q: exit %d, stdout %q, stderr %q; want 0 and nothing printed", args, r.code, r.stdout, r.stderr)
	}
	if took := time.Since(start); took > handoffWait {
		t.Errorf("dialtone %q took %s to hand over, want under %s", args, took, handoffWait)
	}
}
