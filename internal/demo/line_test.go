package demo_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/demo"
	"dialtone/internal/line"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// acmeLine is Acme's phone line as the directory names it: the demo's
// registrar, and the resource its tokens must be for.
func acmeLine(t *testing.T, d *demo.Demo) *sipaddr.Config {
	t.Helper()
	l := lookup(t, d, acme).Line
	if l == nil || l.Registrar != d.Registrar || l.Resource != demo.LineResource {
		t.Fatalf("the directory gives Acme the line %+v, want %s for %s", l, d.Registrar, demo.LineResource)
	}
	return l
}

// signIn signs email in with the account's provider at its sign-in form,
// as the app does for an account with line l (nil: none): the line's
// resource is asked for at the authorization request (RFC 8707).
func signIn(t *testing.T, d *demo.Demo, m *agentMachine, email, provider string, l *sipaddr.Config) *session.Session {
	t.Helper()
	p, ok := lookup(t, d, email).Find(provider)
	if !ok {
		t.Fatalf("%s has no provider %s", email, provider)
	}
	b := &authtest.FormBrowser{Username: email, Password: demo.Password}
	s, err := m.sessions(b).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: p, Email: email}, Line: l})
	if err != nil {
		t.Fatalf("Login as %s with %s: %v (browser: %v)", email, provider, err, b.Err())
	}
	return s
}

// TestAcmeLineRegisters is what turns the demo's dot green: Ada signs in
// at the demo provider's form, a later Dialtone renews the session for
// the line's resource (one refresh grant), and the line registers at the
// demo registrar with that access token, then unregisters.
func TestAcmeLineRegisters(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	m := newAgentMachine(t)
	signIn(t, d, m, acme, "acme-sso", acmeLine(t, d))

	store := m.sessions(noBrowser{t})
	if _, err := store.Resume(t.Context()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	tok, err := store.AccessToken(t.Context(), time.Minute)
	if err != nil {
		t.Fatalf("AccessToken: %v", err)
	}
	claims := verifyAtProvider(t, d, tok)
	if claims.Email != acme || !slices.Contains(claims.Audience, demo.LineResource) {
		t.Errorf("access token email %q, aud %q; want %s and %s in the audience", claims.Email, claims.Audience, acme, demo.LineResource)
	}

	l := newLine(t, d, *acmeLine(t, d), storeTokens{store})
	st, err := l.Register(t.Context())
	if err != nil || st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered", st.Status, err)
	}
	if b := d.Bindings("sip:" + acme); len(b) != 1 {
		t.Errorf("the registrar has %d bindings of sip:%s, want 1", len(b), acme)
	}
	if err := l.Unregister(t.Context()); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if b := d.Bindings("sip:" + acme); len(b) != 0 {
		t.Errorf("the registrar has %d bindings after Unregister, want none", len(b))
	}
}

// TestRegistrarRefusesTokensNotForTheLine: the registrar takes only the
// demo provider's access tokens for the line's resource whose email is the
// line's address.
func TestRegistrarRefusesTokensNotForTheLine(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	ada := newAgentMachine(t)
	signIn(t, d, ada, acme, "acme-sso", acmeLine(t, d))
	granted := refresh(t, d, ada.refreshToken(t), demo.LineResource)
	plain := refresh(t, d, granted.RefreshToken)
	const globex = "agent@globex.test"
	gus := signIn(t, d, newAgentMachine(t), globex, "globex-sso", acmeLine(t, d))
	// Globex's contractors sign in at the broker, whose tokens a registrar
	// that trusts the demo provider refuses: so Globex has no line.
	brokered := signIn(t, d, newAgentMachine(t), globex, "globex-contractors", nil)

	tests := []struct {
		name   string
		token  string
		reason line.Reason
	}{
		{"refreshed without the resource", plain.AccessToken, line.ReasonTokenRefused},
		{"the ID token, which names the resource but not the email", granted.IDToken, line.ReasonForbidden},
		{"another agent's token for the line", gus.AccessToken(), line.ReasonForbidden},
		{"the broker's token", brokered.AccessToken(), line.ReasonTokenRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLine(t, d, *acmeLine(t, d), fixedToken(tt.token))
			st, err := l.Register(t.Context())
			if !errors.Is(err, line.ErrRefused) || st.Reason() != tt.reason {
				t.Fatalf("Register = %v (%v), %v; want refused: %s", st.Status, st.Reason(), err, tt.reason)
			}
			if b := d.Bindings("sip:" + acme); len(b) != 0 {
				t.Errorf("the registrar has %d bindings, want none", len(b))
			}
		})
	}
}

// storeTokens gives a line the session's access tokens, as the app does.
type storeTokens struct{ s *session.Store }

func (t storeTokens) AccessToken(ctx context.Context, minValid time.Duration) (string, error) {
	return t.s.AccessToken(ctx, minValid)
}
func (t storeTokens) Refresh(ctx context.Context) (string, error) { return t.s.RenewAccessToken(ctx) }

// fixedToken always gives the line the same token.
type fixedToken string

func (f fixedToken) AccessToken(context.Context, time.Duration) (string, error) {
	return string(f), nil
}
func (f fixedToken) Refresh(context.Context) (string, error) { return string(f), nil }

// newLine is Ada's line at the demo's registrar; the test's cleanup
// closes it.
func newLine(t *testing.T, d *demo.Demo, cfg sipaddr.Config, tokens line.TokenSource) *line.Line {
	t.Helper()
	cfg, err := cfg.ForAgent(acme)
	if err != nil {
		t.Fatal(err)
	}
	l, err := line.New(cfg, d.Issuer, tokens, line.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
