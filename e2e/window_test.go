package e2e

import (
	"context"
	"image"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/dirserver"
	"dialtone/internal/idp"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// docsProvider is the provider whose run photographs the window for
// docs/screenshots when DIALTONE_UPDATE_SCREENSHOTS=1.
const docsProvider = "zitadel"

// TestWindow runs the desktop app under the X server against each provider:
// the first sign-in through the email and waiting screens to the dialer; a
// restart through the starting screen; a restart with the provider down;
// and a restart after the provider revoked the session.
func TestWindow(t *testing.T) {
	requireSuite(t)
	requireDisplay(t)
	for _, i := range idps {
		t.Run(i.name, func(t *testing.T) { windowScenarios(t, i) })
	}
}

// requireDisplay skips t without an X server, or fails it when CI=true.
func requireDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") != "" {
		return
	}
	const msg = "the window tests need an X server: run them under .ci/with-x"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true)")
	}
	t.Skip(msg)
}

// photos saves the window's screenshots: into the logs, and into
// docs/screenshots as well for the docs provider when asked to.
type photos struct {
	t    *testing.T
	m    *machine
	docs bool
}

func (p photos) save(name string, img *image.RGBA) {
	p.t.Helper()
	savePNG(p.t, p.m.logFile("window-"+name+".png"), img)
	if p.docs {
		savePNG(p.t, filepath.Join("..", "docs", "screenshots", "window-"+name+".png"), img)
	}
}

func windowScenarios(t *testing.T, i idpKind) {
	p := i.start(t)
	ep := discover(t, p)
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = startDirectory(t, m, i, p)
	m.browseAs(agent)
	shots := photos{t: t, m: m, docs: i.name == docsProvider && os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") == "1"}

	scenario(t, "first login", func(t *testing.T) string {
		gate := filepath.Join(m.dir, "open-browser")
		m.env["DIALTONE_E2E_BROWSER_GATE"] = gate
		defer delete(m.env, "DIALTONE_E2E_BROWSER_GATE")
		t.Cleanup(func() { openGate(t, gate) }) // a failed test leaves no browser waiting
		a := m.startApp()
		way := a.waitScreen("email")
		empty := a.win.waitDrawn(settle{})
		a.typeText(agent.Email)
		shots.save("email", a.win.waitDrawn(typedText.after(empty)))
		a.key("Return")
		way = append(way, a.waitScreen("waiting")...)
		opening := a.win.waitDrawn(newScreen.after(empty))
		// The browser command runs (it waits for the gate), so after a few
		// seconds the app takes the sign-in page as open in the browser.
		waiting := a.win.waitDrawn(newScreen.after(opening))
		shots.save("waiting", waiting)
		openGate(t, gate)
		way = append(way, a.waitScreen("dialer/online")...)
		shots.save("dialer", a.win.waitDrawn(newScreen.after(waiting)))
		if want := []string{"email", "waiting", "dialer", "dialer/online"}; !slices.Equal(way, want) {
			t.Errorf("the window went through %q, want %q (the enforced provider skips the choice)", way, want)
		}
		storedToken(t, p, agent)
		a.quit()
		return "typed the email, Return; the enforced provider skipped the choice; Chromium signed in; the dialer is online"
	})

	scenario(t, "restart signs in silently", func(t *testing.T) string {
		unlock := holdSessionLock(t, m)
		p.ResetRequests()
		a := m.startApp()
		way := a.waitScreen("starting")
		shots.save("starting", a.win.waitDrawn(newScreen))
		unlock()
		way = append(way, a.waitScreen("dialer/online")...)
		if want := []string{"starting", "dialer", "dialer/online"}; !slices.Equal(way, want) {
			t.Errorf("the window went through %q, want %q", way, want)
		}
		if got, want := requests(p, ep.all()...), map[string]int{ep.token: 1}; !maps.Equal(got, want) {
			t.Errorf("the silent sign-in made the requests %v, want %v", got, want)
		}
		storedToken(t, p, agent)
		a.quit()
		return "starting screen (held on the session lock for its picture), then the dialer online after one token request"
	})

	scenario(t, "provider down at start", func(t *testing.T) string {
		p.Down()
		a := m.startApp()
		way := a.waitScreen("dialer/reconnecting")
		shots.save("dialer-reconnecting", a.win.waitDrawn(settle{maxJitter: 2000}))
		p.Up()
		way = append(way, a.waitScreen("dialer/online")...)
		if slices.Contains(way, "email") || slices.Contains(way, "problem") {
			t.Errorf("the window went through %q; an outage must not sign the agent out", way)
		}
		storedToken(t, p, agent)
		a.quit()
		return "the dialer shows reconnecting while the provider is down, and online when it is back"
	})

	scenario(t, "revoked at the provider", func(t *testing.T) string {
		p.RevokeAll(t)
		a := m.startApp()
		if way, want := a.waitScreen("email"), []string{"starting", "email"}; !slices.Equal(way, want) {
			t.Errorf("the window went through %q, want %q", way, want)
		}
		shots.save("session-ended", a.win.waitDrawn(settle{maxJitter: 100}))
		noStoredToken(t, p, agent)
		a.key("Return") // the email is filled in: Return alone signs in again
		way := a.waitScreen("dialer/online")
		if want := []string{"waiting", "dialer", "dialer/online"}; !slices.Equal(way, want) {
			t.Errorf("after Return on the email screen the window went through %q, want %q", way, want)
		}
		storedToken(t, p, agent)
		a.quit()
		return "the email screen with the email filled in; Return alone signs in again to the dialer"
	})
}

// startDirectory runs the reference provider directory with an account for
// acme.test that offers two providers at p, one of them enforced, and
// returns its URL.
func startDirectory(t *testing.T, m *machine, i idpKind, p *authtest.Provider) string {
	t.Helper()
	return startDirectoryWithLine(t, m, i, p, nil)
}

// startDirectoryWithLine is startDirectory with the account's phone line
// (nil: none).
func startDirectoryWithLine(t *testing.T, m *machine, i idpKind, p *authtest.Provider, line *sipaddr.Config) string {
	t.Helper()
	ctx := t.Context()
	d, err := dirserver.Open(ctx, filepath.Join(m.dir, "directory.db"), dirserver.Options{AdminToken: "e2e-suite-admin-token", RateLimit: -1})
	if err != nil {
		t.Fatalf("could not open the directory: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.SaveAccount(ctx, &dirserver.Account{Name: "acme", Title: "Acme", Domains: []string{"acme.test"}, Line: line}); err != nil {
		t.Fatal(err)
	}
	noSecret := ""
	for _, pr := range []struct {
		id, name string
		enforced bool
	}{{"acme-sso", "Acme SSO", true}, {"acme-backup", "Acme backup SSO", false}} {
		in := &dirserver.ProviderInput{
			Type: idp.TypeOIDC, Name: pr.name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: &noSecret,
			AuthParams: i.authParams, Enabled: true, Enforced: pr.enforced,
		}
		if err := d.SaveProvider(ctx, "acme", pr.id, in); err != nil {
			t.Fatalf("could not add %s to the directory: %v", pr.id, err)
		}
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// holdSessionLock takes the lock of m's session store, so that the app's
// silent sign-in waits on the starting screen until unlock.
func holdSessionLock(t *testing.T, m *machine) (unlock func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	release, err := (&session.Folder{Dir: m.configDir}).Lock(ctx)
	if err != nil {
		t.Fatalf("could not lock the session store: %v", err)
	}
	t.Cleanup(func() { release() })
	return func() {
		if err := release(); err != nil {
			t.Errorf("could not unlock the session store: %v", err)
		}
	}
}

// openGate lets the testbrowser waiting on the gate file go on.
func openGate(t *testing.T, gate string) {
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Errorf("could not open the browser's gate: %v", err)
	}
}
