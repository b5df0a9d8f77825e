package e2e

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"dialtone/auth/authtest"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
)

// TestWindowLine runs the desktop app under the X server with an account
// whose directory entry has a phone line at a real Kamailio: the dot turns
// green only once Kamailio has the contact, amber while Kamailio is down,
// green again when it is back; quitting unregisters.
func TestWindowLine(t *testing.T) {
	requireSuite(t)
	requireDisplay(t)
	node := idps[1]
	p := authtest.StartNode(t, authtest.Options{Users: []authtest.User{agent}, LineResource: lineAudience})
	k := linetest.StartKamailioWith(t, linetest.KamailioConfig{Issuer: p.Issuer, Audience: lineAudience, MaxExpires: lineGrant})
	m := newMachine(t)
	line := &sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", k.Port), Resource: lineAudience}
	m.env["DIALTONE_DIRECTORY"] = startDirectoryWithLine(t, m, node, p, line)
	m.browseAs(agent)
	shots := photos{t: t, m: m, docs: os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") == "1"}
	var a *app

	scenario(t, "green once the registrar has the contact", func(t *testing.T) string {
		a = m.startApp()
		a.waitScreen("email")
		empty := a.win.waitDrawn(settle{})
		a.typeText(agent.Email)
		a.key("Return")
		way := a.waitScreen("dialer/online")
		if i := slices.Index(way, "dialer/connecting"); i < 0 || i > slices.Index(way, "dialer/online") {
			t.Errorf("the window went through %q; want connecting before online", way)
		}
		if b := k.Lookup(t, kamailioAOR); len(b) != 1 {
			t.Fatalf("the dot is green, but Kamailio's location table has %+v", b)
		}
		shots.save("dialer-line-online", a.win.waitDrawn(newScreen.after(empty)))
		storedToken(t, p, agent)
		a.quit()
		if b := k.Lookup(t, kamailioAOR); len(b) != 0 {
			t.Errorf("after quitting Kamailio still has %+v", b)
		}
		return "email, Chromium, then connecting → online only once Kamailio's location table has the contact; quitting unregistered it"
	})

	scenario(t, "a restart signs in silently and registers with one token request", func(t *testing.T) string {
		ep := discover(t, p)
		p.ResetRequests()
		a = m.startApp()
		way := a.waitScreen("dialer/online")
		// The line registers during the window's creation (agent.Warm), so the
		// dialer may show green at once.
		if way[0] != "starting" || slices.Contains(way, "email") || slices.Contains(way, "dialer/line-refused") {
			t.Errorf("the window went through %q; want the starting screen, then the dialer online", way)
		}
		if got := p.Requests(ep.token); got != 1 {
			t.Errorf("the silent sign-in and the line made %d token requests, want 1", got)
		}
		if b := k.Lookup(t, kamailioAOR); len(b) != 1 {
			t.Fatalf("the dot is green, but Kamailio's location table has %+v", b)
		}
		return fmt.Sprintf("%q, one token request (the refresh names the line's resource)", way)
	})

	scenario(t, "amber while the registrar is down, green when it is back", func(t *testing.T) string {
		k.Stop(t)
		a.waitScreen("dialer/connecting") // at the next re-registration: 8 s (80% of the grant)
		shots.save("dialer-line-connecting", a.win.waitDrawn(settle{maxJitter: 2000}))
		k.Restart(t)
		a.waitScreen("dialer/online") // at the next try, within a backoff
		if b := k.Lookup(t, kamailioAOR); len(b) != 1 {
			t.Errorf("the dot is green again, but Kamailio's location table has %+v", b)
		}
		return "Kamailio stopped: connecting at the next re-registration; restarted: online, the contact registered again"
	})

	scenario(t, "quitting unregisters", func(t *testing.T) string {
		a.quit()
		if b := k.Lookup(t, kamailioAOR); len(b) != 0 {
			t.Errorf("after quitting Kamailio still has %+v", b)
		}
		return "SIGTERM: the app unregistered (Expires: 0) before it exited"
	})
}
