package authtest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dialtone/auth/authtest"
)

// providers are the test providers, with what a client must add to the
// authorization request to get a refresh token from each.
var providers = []struct {
	name  string
	start func(testing.TB, authtest.Options) *authtest.Provider
	extra []oauth2.AuthCodeOption
}{
	{"zitadel", authtest.StartZitadel, nil},
	{"node", authtest.StartNode, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "consent")}},
}

// TestCodeFlow signs in at each provider with the code flow and PKCE, then
// refreshes through Down, Up and RevokeAll.
func TestCodeFlow(t *testing.T) {
	t.Parallel()
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			p := pc.start(t, authtest.Options{})
			user := p.Users[0]
			app := newTestApp(t, p)
			tokenPath := p.TokenEndpointPath()
			if got, want := app.provider.Endpoint().TokenURL, p.Issuer+tokenPath; got != want {
				t.Errorf("token endpoint = %s, want %s", got, want)
			}

			tok, idToken := app.login(t, &authtest.FormBrowser{Username: user.Email, Password: user.Password}, pc.extra...)
			checkIdentity(t, app, tok, idToken, user)
			checkRequests(t, p, tokenPath, 1)

			rotated := app.mustRefresh(t, tok.RefreshToken)
			checkRequests(t, p, tokenPath, 2)

			p.Down()
			// The client may still hold the keep-alive connection Down
			// closed, and a POST on it is reset rather than refused.
			http.DefaultClient.CloseIdleConnections()
			_, err := app.refresh(t.Context(), rotated.RefreshToken)
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("refresh while down: err = %v, want connection refused", err)
			}
			checkRequests(t, p, tokenPath, 2)

			p.Up()
			again := app.mustRefresh(t, rotated.RefreshToken)
			checkRequests(t, p, tokenPath, 3)

			p.RevokeAll(t)
			_, err = app.refresh(t.Context(), again.RefreshToken)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Fatalf("refresh after RevokeAll: err = %v, want invalid_grant", err)
			}
		})
	}
}

// checkIdentity checks the ID token and userinfo of a fresh login.
func checkIdentity(t *testing.T, app *testApp, tok *oauth2.Token, idToken *oidc.IDToken, user authtest.User) {
	t.Helper()
	if idToken.Subject != user.Subject {
		t.Errorf("ID token sub = %q, want %q", idToken.Subject, user.Subject)
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := idToken.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Email != "" {
		t.Errorf("ID token email = %q, want none without IDTokenClaims", claims.Email)
	}
	info, err := app.provider.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if info.Email != user.Email || !info.EmailVerified || info.Subject != user.Subject {
		t.Errorf("userinfo = {sub %q, email %q, verified %v}, want {%q, %q, true}",
			info.Subject, info.Email, info.EmailVerified, user.Subject, user.Email)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
}

func checkRequests(t *testing.T, p *authtest.Provider, path string, want int) {
	t.Helper()
	if got := p.Requests(path); got != want {
		t.Errorf("Requests(%s) = %d, want %d", path, got, want)
	}
}

// TestIDTokenClaims checks that Options.IDTokenClaims puts the email into the
// ID token, and that a confidential client works, at both providers.
func TestIDTokenClaims(t *testing.T) {
	t.Parallel()
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			p := pc.start(t, authtest.Options{IDTokenClaims: true, ClientSecret: "s3cret"})
			user := p.Users[0]
			app := newTestApp(t, p)
			_, idToken := app.login(t, &authtest.FormBrowser{Username: user.Email, Password: user.Password}, pc.extra...)
			var claims struct {
				Email string `json:"email"`
				Name  string `json:"name"`
			}
			if err := idToken.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Email != user.Email || claims.Name != user.Name {
				t.Errorf("ID token {email %q, name %q}, want {%q, %q}", claims.Email, claims.Name, user.Email, user.Name)
			}
		})
	}
}

// TestWrongPassword checks that a wrong password ends the walk with
// ErrLoginRejected and delivers no callback.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			p := pc.start(t, authtest.Options{})
			app := newTestApp(t, p)
			b := &authtest.FormBrowser{Username: p.Users[0].Email, Password: "wrong"}
			if err := b.Open(t.Context(), app.authURL(pc.extra...)); err != nil {
				t.Fatal(err)
			}
			if err := b.Wait(t.Context()); !errors.Is(err, authtest.ErrLoginRejected) {
				t.Fatalf("walk: err = %v, want ErrLoginRejected", err)
			}
			if got := b.Last().CallbackURL; got != "" {
				t.Errorf("callback = %s, want none", got)
			}
		})
	}
}

// TestDeny checks the browser's deny mode: oidc-provider's cancel link
// returns access_denied; Zitadel's example offers no way to decline.
func TestDeny(t *testing.T) {
	t.Parallel()
	t.Run("node", func(t *testing.T) {
		t.Parallel()
		p := authtest.StartNode(t, authtest.Options{})
		app := newTestApp(t, p)
		b := &authtest.FormBrowser{Deny: true}
		q := app.callbackFor(t, b, app.authURL())
		if got := q.Get("error"); got != "access_denied" {
			t.Errorf("callback error = %q, want access_denied", got)
		}
		if page := b.Last().LastPage; !strings.Contains(page, "[ Cancel ]") || strings.Contains(page, "googleapis") {
			t.Errorf("login page has no cancel link or still loads a web font:\n%s", page)
		}
	})
	t.Run("zitadel", func(t *testing.T) {
		t.Parallel()
		p := authtest.StartZitadel(t, authtest.Options{})
		app := newTestApp(t, p)
		b := &authtest.FormBrowser{Deny: true}
		if err := b.Open(t.Context(), app.authURL()); err != nil {
			t.Fatal(err)
		}
		if err := b.Wait(t.Context()); err == nil || !strings.Contains(err.Error(), "no way to decline") {
			t.Errorf("walk: err = %v, want no way to decline", err)
		}
	})
}

// TestNodeSession checks that oidc-provider keeps the sign-in session in the
// browser's cookies, and that RevokeAll ends it.
func TestNodeSession(t *testing.T) {
	t.Parallel()
	p := authtest.StartNode(t, authtest.Options{})
	user := p.Users[0]
	app := newTestApp(t, p)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	consent := oauth2.SetAuthURLParam("prompt", "consent")
	app.login(t, &authtest.FormBrowser{Username: user.Email, Password: user.Password, Client: client}, consent)

	// With the session cookie, the login form is not shown: a wrong password
	// is never typed.
	wrong := &authtest.FormBrowser{Username: user.Email, Password: "wrong", Client: client}
	app.login(t, wrong, consent)

	p.RevokeAll(t)
	if err := wrong.Open(t.Context(), app.authURL(consent)); err != nil {
		t.Fatal(err)
	}
	if err := wrong.Wait(t.Context()); !errors.Is(err, authtest.ErrLoginRejected) {
		t.Fatalf("walk after RevokeAll: err = %v, want ErrLoginRejected", err)
	}
	if got := wrong.Opens(); got != 2 {
		t.Errorf("Opens() = %d, want 2", got)
	}
}

// TestOpenRefusesRemoteURLs checks that the browser stays on loopback.
func TestOpenRefusesRemoteURLs(t *testing.T) {
	var b authtest.FormBrowser
	for _, u := range []string{"https://example.com/auth", "file:///etc/passwd", "http://10.0.0.1/auth"} {
		if err := b.Open(t.Context(), u); err == nil {
			t.Errorf("Open(%s) = nil, want an error", u)
		}
	}
	if b.Opens() != 0 {
		t.Errorf("Opens() = %d, want 0", b.Opens())
	}
}

// testApp is a bare login client, made of golang.org/x/oauth2 and go-oidc,
// with a loopback listener for the callback.
type testApp struct {
	provider *oidc.Provider
	cfg      oauth2.Config
	callback chan url.Values
	state    string
	nonce    string
	verifier string
}

func newTestApp(t *testing.T, p *authtest.Provider) *testApp {
	t.Helper()
	provider, err := oidc.NewProvider(t.Context(), p.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	app := &testApp{
		provider: provider,
		callback: make(chan url.Values, 1),
		state:    oauth2.GenerateVerifier(),
		nonce:    oauth2.GenerateVerifier(),
		verifier: oauth2.GenerateVerifier(),
	}
	addr := app.listen(t)
	endpoint := provider.Endpoint()
	if p.ClientSecret == "" {
		// oauth2's auto-detection first tries HTTP Basic with an empty
		// secret, which oidc-provider rejects: two token requests, not one.
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	app.cfg = oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  "http://" + addr + "/callback",
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess},
	}
	return app
}

// listen serves the callback on a free loopback port and returns its address.
func (a *testApp) listen(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case a.callback <- r.URL.Query():
		default:
		}
		io.WriteString(w, "Signed in. You can close this window.")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func (a *testApp) authURL(extra ...oauth2.AuthCodeOption) string {
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oidc.Nonce(a.nonce)}, extra...)
	return a.cfg.AuthCodeURL(a.state, opts...)
}

// login runs the code flow through b and returns the tokens and the verified
// ID token.
func (a *testApp) login(t *testing.T, b *authtest.FormBrowser, extra ...oauth2.AuthCodeOption) (*oauth2.Token, *oidc.IDToken) {
	t.Helper()
	q := a.callbackFor(t, b, a.authURL(extra...))
	if q.Get("state") != a.state || q.Get("code") == "" {
		t.Fatalf("callback %v: want state %s and a code", q, a.state)
	}
	tok, err := a.cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok, a.verify(t, tok)
}

// callbackFor opens authURL in b and waits for the callback's query.
func (a *testApp) callbackFor(t *testing.T, b *authtest.FormBrowser, authURL string) url.Values {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := b.Open(ctx, authURL); err != nil {
		t.Fatal(err)
	}
	select {
	case q := <-a.callback:
		return q
	case <-b.Done():
		select {
		case q := <-a.callback:
			return q
		default:
		}
		last := b.Last()
		t.Fatalf("browser: %v\nvisited %q\nlast page %s:\n%s", last.Err, last.Visited, last.LastURL, last.LastPage)
	case <-ctx.Done():
		t.Fatalf("no callback: %v", ctx.Err())
	}
	return nil
}

func (a *testApp) verify(t *testing.T, tok *oauth2.Token) *oidc.IDToken {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := a.provider.Verifier(&oidc.Config{ClientID: a.cfg.ClientID}).Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if idToken.Nonce != a.nonce {
		t.Errorf("nonce = %q, want %q", idToken.Nonce, a.nonce)
	}
	return idToken
}

func (a *testApp) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return a.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// mustRefresh refreshes and checks that the refresh token rotated.
func (a *testApp) mustRefresh(t *testing.T, refreshToken string) *oauth2.Token {
	t.Helper()
	tok, err := a.refresh(t.Context(), refreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok.RefreshToken == "" || tok.RefreshToken == refreshToken {
		t.Errorf("refresh token after refresh = %q, want a new one (rotation)", tok.RefreshToken)
	}
	return tok
}
