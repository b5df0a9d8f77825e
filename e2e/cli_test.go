package e2e

import (
	"dialtone/internal/session"
	"maps"
	"strings"
	"testing"
	"time"
)

// Exit codes of the command line (README).
const (
	exitOK          = 0
	exitUsage       = 2
	exitRefused     = 3
	exitUnreachable = 4
)

// scenario runs one named scenario as a subtest and logs a summary line a
// CI reader can scan: what it showed, and how long it took. The scenarios
// of a provider build on each other, so once one failed the rest skip.
func scenario(t *testing.T, name string, f func(t *testing.T) string) {
	t.Helper()
	failedBefore := t.Failed()
	t.Run(name, func(t *testing.T) {
		if failedBefore {
			t.Skip("skipped: an earlier scenario of this provider failed")
		}
		start := time.Now()
		summary := f(t)
		t.Logf("%s: %s (%s)", t.Name(), summary, time.Since(start).Round(10*time.Millisecond))
	})
}

// TestCommandLine runs the sign-in scenarios through the command-line twin
// of the app, against each provider: the same engine, keyring and browser
// as the window, driven as subprocesses.
func TestCommandLine(t *testing.T) {
	requireSuite(t)
	for _, i := range idps {
		t.Run(i.name, func(t *testing.T) { commandLineScenarios(t, i) })
	}
}

func commandLineScenarios(t *testing.T, i idpKind) {
	p := i.start(t)
	ep := discover(t, p)
	m := newMachine(t)
	list := m.providersFile(i.entry("acme-sso", p, nil))

	scenario(t, "email mismatch refused", func(t *testing.T) string {
		other := newMachine(t)
		other.browseAs(boss)
		r := other.dialtone("login", "--email", agent.Email, "--providers", list, "--timeout", "1m")
		failed(t, r, exitRefused, "You typed agent@acme.test, but the browser signed in boss@acme.test")
		noStoredToken(t, p, agent)
		noStoredToken(t, p, boss)
		if meta := other.metadata(); meta.Session != nil {
			t.Errorf("a session was stored for %s", meta.Session.Email)
		}
		return "signed in as boss@acme.test for agent@acme.test: exit 3 with the mismatch sentence, nothing in the keyring"
	})

	var rt string
	scenario(t, "first login", func(t *testing.T) string {
		m.browseAs(agent)
		m.env["DIALTONE_E2E_BROWSER_SHOT"] = m.logFile("browser.png")
		signedIn(t, m.dialtone("login", "--email", agent.Email, "--providers", list, "--timeout", "1m"), agent, p, "acme-sso")
		rt = storedToken(t, p, agent)
		delete(m.env, "DIALTONE_E2E_BROWSER_SHOT")
		return "Chromium signed in at the provider's form; the session JSON is printed and the refresh token is in the keyring"
	})

	scenario(t, "restart signs in silently with one request", func(t *testing.T) string {
		p.ResetRequests()
		r := m.dialtone("status", "--json")
		signedIn(t, r, agent, p, "acme-sso")
		if got, want := requests(p, ep.all()...), map[string]int{ep.token: 1}; !maps.Equal(got, want) {
			t.Errorf("the silent sign-in made the requests %v, want %v", got, want)
		}
		rotated := storedToken(t, p, agent)
		if rotated == rt {
			t.Errorf("the provider rotates refresh tokens, but the keyring holds the old one")
		}
		rt = rotated
		return "status --json: exit 0, exactly one token request, the rotated refresh token stored"
	})

	scenario(t, "provider down, then back", func(t *testing.T) string {
		p.Down()
		failed(t, m.dialtone("status"), exitUnreachable, "cannot reach your identity provider")
		if got := storedToken(t, p, agent); got != rt {
			t.Errorf("the refresh token changed while the provider was down")
		}
		p.Up()
		signedIn(t, m.dialtone("status", "--json"), agent, p, "acme-sso")
		rt = storedToken(t, p, agent)
		return "down: exit 4 (offline, session kept, token unchanged); up again: exit 0, online"
	})

	scenario(t, "logout revokes and deletes the keyring item", func(t *testing.T) string {
		if !keyringKeys(t)[session.SecretKey(p.Issuer, p.ClientID, agent.Subject)] {
			t.Fatalf("secret-tool does not find the keyring item before the logout")
		}
		p.ResetRequests()
		r := m.dialtone("logout")
		if r.code != exitOK || !strings.Contains(r.stderr, "the identity provider revoked the session") {
			t.Fatalf("logout: exit %d, stderr:\n%s\nwant 0 and a revoked message", r.code, r.stderr)
		}
		if n := p.Requests(ep.revocation); n != 1 {
			t.Errorf("the logout made %d revocation requests, want 1", n)
		}
		noStoredToken(t, p, agent)
		refreshRefused(t, p, ep, rt)
		failed(t, m.dialtone("status"), exitRefused, "Your session has ended")
		return "one revocation request; the provider refuses the old refresh token; secret-tool finds no item; status: exit 3"
	})

	scenario(t, "enforced provider skips the choice", func(t *testing.T) string {
		two := m.providersFile(i.entry("google", p, nil), i.entry("okta", p, map[string]any{"enforced": true}))
		signedIn(t, m.dialtone("login", "--email", agent.Email, "--providers", two, "--timeout", "1m"), agent, p, "okta")
		rt = storedToken(t, p, agent)
		failed(t, m.dialtone("login", "--email", agent.Email, "--providers", two, "--provider", "google"), exitUsage, "does not offer the provider")
		return "two providers, okta enforced: login without --provider signs in with okta; --provider google is refused"
	})

	scenario(t, "revoked at the provider", func(t *testing.T) string {
		p.RevokeAll(t)
		failed(t, m.dialtone("status"), exitRefused, "Your session has ended")
		noStoredToken(t, p, agent)
		refreshRefused(t, p, ep, rt)
		meta := m.metadata()
		if meta.Session != nil || meta.LastEmail != agent.Email {
			t.Errorf("after the revocation the metadata has session %v and last email %q; want none and %s (the email screen's)", meta.Session, meta.LastEmail, agent.Email)
		}
		return "status: exit 3; the keyring item is deleted and the email is kept for the email screen"
	})
}
