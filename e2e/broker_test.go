package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/keyring"
	"dialtone/internal/session"
)

// brokerCase is one upstream set-up of the brokered scenarios: which
// customer identity provider, how the broker authenticates to it, how it
// calls userinfo, and which database the broker keeps its state in.
type brokerCase struct {
	name       string
	idp        idpKind
	authMethod string   // the confidential client's token endpoint authentication
	advertised []string // what the provider advertises (node only), to force client_secret_post
	userinfo   string
	postgres   bool
}

var brokerCases = []brokerCase{
	{name: "zitadel basic GET sqlite", idp: idps[0], authMethod: authtest.AuthClientSecretBasic, userinfo: "GET"},
	{name: "node post POST postgres", idp: idps[1], authMethod: authtest.AuthClientSecretPost, advertised: []string{authtest.AuthClientSecretPost}, userinfo: "POST", postgres: true},
}

// brokerSetup is a directory with its broker behind a counting front, an
// upstream provider, and the acme account whose one provider is Brokered.
type brokerSetup struct {
	dir      *brokertest.Directory
	front    *brokertest.Front
	upstream *authtest.Provider
	issuer   string // the broker's
}

// startBrokered starts the customer's provider with a confidential client
// for the broker, and the directory on SQLite or PostgreSQL.
func startBrokered(t *testing.T, c brokerCase) *brokerSetup {
	t.Helper()
	dsn := dirstoretest.Backends(t)[0].NewDSN(t)
	if c.postgres {
		dsn = dirstoretest.NewPostgres(t)
	}
	front := brokertest.NewFront(t)
	opts := brokertest.Options(nil)
	opts.BrokerIssuer = front.URL + "/broker"
	d := brokertest.Start(t, dsn, opts)
	front.SetBackends(d.URL)
	o := authtest.Options{
		Users: []authtest.User{agent, boss}, ClientID: "dialtone-broker", ClientSecret: "the web app's secret " + c.name,
		ClientAuthMethod: c.authMethod, RedirectURIs: []string{opts.BrokerIssuer + "/idpresponse"}, AdvertisedAuthMethods: c.advertised,
	}
	var p *authtest.Provider
	if c.idp.name == "node" {
		p = authtest.StartNode(t, o)
	} else {
		p = authtest.StartZitadel(t, o)
	}
	d.AddBrokered(t, "acme", "acme.test", "acme-sso", brokertest.Upstream{
		Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, UserinfoMethod: c.userinfo, AuthParams: c.idp.authParams,
	})
	return &brokerSetup{dir: d, front: front, upstream: p, issuer: opts.BrokerIssuer}
}

// TestBroker runs the sign-in scenarios through the directory's broker
// with the dialtone binary, headless Chromium and the real keyring: the
// customer's provider is each real test provider with a confidential
// client, the broker's database SQLite or PostgreSQL.
func TestBroker(t *testing.T) {
	requireSuite(t)
	for _, c := range brokerCases {
		t.Run(c.name, func(t *testing.T) { brokerScenarios(t, c) })
	}
}

func brokerScenarios(t *testing.T, c brokerCase) {
	b := startBrokered(t, c)
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = b.front.URL
	upstream := discover(t, b.upstream)

	scenario(t, "email mismatch refused at the broker", func(t *testing.T) string {
		other := newMachine(t)
		other.env["DIALTONE_DIRECTORY"] = b.front.URL
		other.browseAs(boss)
		r := other.dialtone("login", "--email", agent.Email, "--timeout", "1m")
		failed(t, r, exitRefused, "You typed agent@acme.test, but the browser signed in boss@acme.test")
		if meta := other.metadata(); meta.Session != nil {
			t.Errorf("a session was stored for %s", meta.Session.Email)
		}
		return "signed in upstream as boss@acme.test for agent@acme.test: the broker refused, exit 3 with the same sentence as a direct provider"
	})

	var s cliSession
	var rt string
	scenario(t, "first login", func(t *testing.T) string {
		m.browseAs(agent)
		b.upstream.ResetRequests()
		s = brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), b.issuer)
		rt = brokerToken(t, s)
		if n := b.upstream.Requests(upstream.userinfo); n != 1 {
			t.Errorf("the upstream's userinfo (%s) was asked %d times, want 1", c.userinfo, n)
		}
		return "Chromium went desktop → broker → " + c.idp.name + "'s form → broker → desktop; the session is the broker's; its refresh token is in the keyring"
	})

	scenario(t, "restart signs in silently with one request to the broker", func(t *testing.T) string {
		before := b.front.Served(b.dir.URL)
		b.upstream.ResetRequests()
		brokerSignedIn(t, m.dialtone("status", "--json"), b.issuer)
		if got := b.front.Served(b.dir.URL)[len(before):]; !slices.Equal(got, []string{"/broker/token"}) {
			t.Errorf("the silent sign-in made the requests %v, want exactly [/broker/token]", got)
		}
		if got := requests(b.upstream, upstream.all()...); len(got) != 0 {
			t.Errorf("the silent sign-in reached the upstream: %v", got)
		}
		rotated := brokerToken(t, s)
		if rotated == rt {
			t.Error("the broker rotates refresh tokens, but the keyring holds the old one")
		}
		if code := brokerRefresh(t, b.issuer, rt); code != "invalid_grant" {
			t.Errorf("the spent refresh token got %q, want invalid_grant", code)
		}
		rt = rotated
		return "status --json: exit 0, one request (/broker/token), none upstream; the spent token is refused"
	})

	scenario(t, "a spent token presented again ends the family", func(t *testing.T) string {
		if code := brokerRefresh(t, b.issuer, rt); code != "invalid_grant" {
			t.Errorf("after the spent token came back, the family's live token got %q, want invalid_grant", code)
		}
		return "the spent token came back (above): the broker ended the family, and refuses its live token too"
	})

	scenario(t, "logout revokes at the broker", func(t *testing.T) string {
		s = brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), b.issuer)
		rt = brokerToken(t, s)
		before := len(b.front.Served(b.dir.URL))
		revocations := b.upstream.Requests(upstream.revocation)
		r := m.dialtone("logout")
		if r.code != exitOK || !strings.Contains(r.stderr, "the identity provider revoked the session") {
			t.Fatalf("logout: exit %d, stderr:\n%s\nwant 0 and a revoked message", r.code, r.stderr)
		}
		if got := b.front.Served(b.dir.URL)[before:]; !slices.Equal(got, []string{"/broker/revoke"}) {
			t.Errorf("the logout made %v, want one revocation at the broker", got)
		}
		if n := b.upstream.Requests(upstream.revocation) - revocations; n != 1 {
			t.Errorf("the broker revoked at the upstream %d times, want 1", n)
		}
		noBrokerToken(t, s)
		if code := brokerRefresh(t, b.issuer, rt); code != "invalid_grant" {
			t.Errorf("the revoked refresh token got %q, want invalid_grant", code)
		}
		return "one revocation at the broker, which revoked upstream too; the broker refuses the token; no keyring item"
	})

	scenario(t, "admin disables the provider: the next silent sign-in is refused", func(t *testing.T) string {
		s = brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), b.issuer)
		brokerToken(t, s)
		adminAPI(t, b.front.URL, http.MethodPatch, "/admin/v1/accounts/acme/providers/acme-sso", dirserver.ProviderFlags{Enabled: ptrTo(false)})
		failed(t, m.dialtone("status"), exitRefused, "Your session has ended")
		noBrokerToken(t, s)
		return "PATCH enabled=false through the admin API; status: exit 3, the keyring item deleted"
	})
}

// brokerSignedIn checks that r is a sign-in of the agent at the broker
// (the subject is the broker's own, not the upstream's).
func brokerSignedIn(t *testing.T, r result, issuer string) cliSession {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var s cliSession
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("stdout is not the session as JSON: %q", r.stdout)
	}
	if s.Email != agent.Email || s.Issuer != issuer || s.Provider != "acme-sso" || s.Subject == "" || s.Subject == agent.Subject {
		t.Fatalf("session %+v, want %s at %s with the broker's subject", s, agent.Email, issuer)
	}
	return s
}

// brokerToken returns the refresh token the keyring holds for s and
// remembers it for the token scan.
func brokerToken(t *testing.T, s cliSession) string {
	t.Helper()
	rt, err := brokerKeyring(t, s)
	if err != nil {
		t.Fatalf("the keyring holds no refresh token for %s at the broker: %v", s.Email, err)
	}
	seen.add(rt, s.Email+" at the broker "+s.Issuer)
	return rt
}

func noBrokerToken(t *testing.T, s cliSession) {
	t.Helper()
	rt, err := brokerKeyring(t, s)
	if rt != "" {
		seen.add(rt, s.Email+" at the broker")
	}
	if !errors.Is(err, keyring.ErrNoSecret) {
		t.Errorf("the keyring still holds the broker's refresh token (read error: %v)", err)
	}
}

func brokerKeyring(t *testing.T, s cliSession) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	item, err := (&keyring.Store{}).Get(ctx, session.SecretKey(s.Issuer, "dialtone", s.Subject))
	if err != nil {
		return "", err
	}
	rt, _, err := session.StoredRefreshToken(item)
	return rt, err
}

// brokerRefresh spends rt at the broker and returns the error code, or ""
// on success.
func brokerRefresh(t *testing.T, issuer, rt string) string {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"dialtone"}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, _ := do(t, req)
	var answer struct {
		Error        string `json:"error"`
		RefreshToken string `json:"refresh_token"`
	}
	json.Unmarshal(body, &answer)
	if answer.RefreshToken != "" {
		seen.add(answer.RefreshToken, "a refresh at the broker by the test")
	}
	return answer.Error
}

// adminAPI sends an admin API request and fails the test unless it
// succeeds.
func adminAPI(t *testing.T, base, method, path string, body any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+brokertest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, answer)
	}
}

func ptrTo[T any](v T) *T { return &v }
