package session

import (
	"dialtone/internal/idp"

	"context"
	"errors"
	"os"
	"testing"
	"time"

	"dialtone/internal/keyring"

	"dialtone/auth"
	"dialtone/auth/authtest"
)

// These tests sign in against real OpenID providers on loopback: zitadel's
// example provider in-process and the certified node oidc-provider. With
// DIALTONE_REAL_KEYRING=1 (set by .ci/with-keyring) refresh tokens go to a
// real Secret Service; otherwise to go-keyring's in-memory mock.

var (
	agent = authtest.User{Subject: "agent-1", Email: "agent@acme.test", Password: "demo-password-1", Name: "Ada Agent", EmailVerified: true}
	other = authtest.User{Subject: "agent-2", Email: "boss@acme.test", Password: "demo-password-2", Name: "Bo Boss", EmailVerified: true}
)

// realOP starts one kind of real provider.
type realOP struct {
	name  string
	start func(testing.TB, authtest.Options) *authtest.Provider
	// params the provider needs for a refresh token (oidc-provider wants
	// prompt=consent with offline_access).
	params map[string]string
}

var realOPs = []realOP{
	{"zitadel", authtest.StartZitadel, nil},
	{"node-oidc-provider", authtest.StartNode, map[string]string{"prompt": "consent"}},
}

func providerFor(op realOP, p *authtest.Provider) idp.Provider {
	return idp.Provider{ID: op.name, Type: idp.TypeOIDC, Issuer: p.Issuer, ClientID: p.ClientID, AuthParams: op.params}
}

func useKeyring(t *testing.T) *keyring.Store {
	t.Helper()
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		keyring.MockInit()
	}
	return &keyring.Store{Service: "dialtone-test-" + t.Name()}
}

// world is one real provider and one agent's machine: keyring and config.
type world struct {
	op      realOP
	idp     *authtest.Provider
	keyring *keyring.Store
	dir     string
}

func newWorld(t *testing.T, op realOP) *world {
	t.Helper()
	return &world{op: op, idp: op.start(t, authtest.Options{Users: []authtest.User{agent, other}}), keyring: useKeyring(t), dir: t.TempDir()}
}

// sessions is one Dialtone process on the agent's machine.
// sessions is a Dialtone process started now, with browser b.
func (w *world) sessions(b auth.Browser) *Store {
	s := NewStore(auth.NewClient(auth.Config{Browser: b, Timeout: time.Minute}), w.keyring, &Folder{Dir: w.dir})
	s.born = time.Now()
	return s
}

func (w *world) login(t *testing.T, typed string, as authtest.User) (*Session, error) {
	t.Helper()
	b := &authtest.FormBrowser{Username: as.Email, Password: as.Password}
	s, err := w.sessions(b).Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: providerFor(w.op, w.idp), Email: typed}})
	if werr := b.Err(); err != nil && werr != nil {
		t.Logf("browser walk: %v", werr)
	}
	return s, err
}

func forEachOP(t *testing.T, test func(t *testing.T, op realOP)) {
	for _, op := range realOPs {
		t.Run(op.name, func(t *testing.T) { test(t, op) })
	}
}

func TestRealLogin(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		s, err := w.login(t, "Agent@Acme.test", agent)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if s.Email != agent.Email || s.Subject != agent.Subject || s.Issuer != w.idp.Issuer || !s.HasRefreshToken() {
			t.Errorf("session = %v (refresh token: %v), want %s / %s with a refresh token", s, s.HasRefreshToken(), agent.Email, agent.Subject)
		}
		if s.KeyringErr != nil {
			t.Errorf("the session was not stored: %v", s.KeyringErr)
		}
	})
}

func TestRealLoginEmailMismatch(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		_, err := w.login(t, agent.Email, other)
		var ee *auth.EmailError
		if !errors.As(err, &ee) || ee.Problem != auth.EmailMismatch || ee.Typed != agent.Email || ee.Got != other.Email {
			t.Fatalf("Login as another user = %v, want an email mismatch naming %s and %s", err, agent.Email, other.Email)
		}
	})
}

func TestRealLoginAccessDenied(t *testing.T) {
	op := realOPs[1] // only oidc-provider has a cancel link
	w := newWorld(t, op)
	b := &authtest.FormBrowser{Deny: true}
	_, err := w.sessions(b).Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: providerFor(op, w.idp), Email: agent.Email}})
	var pe *auth.ProviderError
	if !errors.As(err, &pe) || pe.Code != "access_denied" {
		t.Fatalf("Login declined at the provider = %v, want access_denied", err)
	}
}

func TestRealSilentReLogin(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		if _, err := w.login(t, agent.Email, agent); err != nil {
			t.Fatalf("Login: %v", err)
		}
		w.idp.ResetRequests()
		s, err := w.sessions(nil).Resume(t.Context())
		if err != nil {
			t.Fatalf("Resume in a fresh process: %v", err)
		}
		if s.Email != agent.Email || s.AccessToken() == "" {
			t.Errorf("resumed = %v, want %s with an access token", s, agent.Email)
		}
		if got := w.idp.Requests(w.idp.TokenEndpointPath()); got != 1 {
			t.Errorf("token requests = %d, want 1", got)
		}
		if total := totalRequests(w.idp); total != 1 {
			t.Errorf("requests to the provider during a silent re-login = %d, want exactly 1", total)
		}
		w.idp.ResetRequests()
		if _, err := w.sessions(nil).Resume(t.Context()); err != nil {
			t.Errorf("second Resume with the rotated token: %v", err)
		}
		if got := w.idp.Requests(w.idp.TokenEndpointPath()); got != 1 {
			t.Errorf("token requests of the second Resume = %d, want 1", got)
		}
	})
}

// totalRequests counts requests to every path the provider serves.
func totalRequests(p *authtest.Provider) int {
	n := 0
	for _, path := range []string{p.TokenEndpointPath(), "/.well-known/openid-configuration", "/jwks", "/keys", "/userinfo", "/me", "/oauth/v2/keys"} {
		n += p.Requests(path)
	}
	return n
}

func TestRealRevokedAtProviderRequiresLogin(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		if _, err := w.login(t, agent.Email, agent); err != nil {
			t.Fatalf("Login: %v", err)
		}
		w.idp.RevokeAll(t)
		_, err := w.sessions(nil).Resume(t.Context())
		if !errors.Is(err, ErrLoginRequired) {
			t.Fatalf("Resume after revocation = %v, want ErrLoginRequired", err)
		}
		if got := w.sessions(nil).LastEmail(); got != agent.Email {
			t.Errorf("LastEmail = %q, want %q filled in", got, agent.Email)
		}
	})
}

func TestRealProviderDownThenBack(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		if _, err := w.login(t, agent.Email, agent); err != nil {
			t.Fatalf("Login: %v", err)
		}
		w.idp.Down()
		_, err := w.sessions(nil).Resume(t.Context())
		if !errors.Is(err, ErrOffline) {
			t.Fatalf("Resume with the provider down = %v, want ErrOffline", err)
		}
		w.idp.Up()
		if _, err := w.sessions(nil).Resume(t.Context()); err != nil {
			t.Fatalf("Resume with the provider back: %v (the token must have been kept)", err)
		}
	})
}

func TestRealLogoutRevokes(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		if _, err := w.login(t, agent.Email, agent); err != nil {
			t.Fatalf("Login: %v", err)
		}
		res, err := w.sessions(nil).Logout(t.Context(), false)
		if err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if !res.Revoked && res.RevokeErr != nil {
			t.Errorf("revocation failed: %v", res.RevokeErr)
		}
		if _, err := w.sessions(nil).Resume(t.Context()); !errors.Is(err, ErrLoginRequired) {
			t.Errorf("Resume after logout = %v, want ErrLoginRequired", err)
		}
	})
}

var _ = context.Background
