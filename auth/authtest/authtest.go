// Package authtest runs real OpenID providers on loopback for Dialtone's
// tests, and a test "browser" that signs in at them by filling their forms.
//
// Two providers speak the same protocol with different quirks, so a login
// client tested against both is tested against more than one reading of the
// specifications:
//
//   - [StartZitadel] runs github.com/zitadel/oidc's example OpenID provider in
//     the test process.
//   - [StartNode] runs the certified npm package oidc-provider under node, from
//     testdata/nodeop; it needs `npm ci --prefix auth/authtest/testdata/nodeop`
//     once.
//
// Each [Provider] sits behind a small Go front on a fixed 127.0.0.1 port: it
// counts requests by path ([Provider.Requests]) and can refuse connections and
// come back on the same address with its state intact ([Provider.Down],
// [Provider.Up]).
//
// Like net/http/httptest, the package is meant for tests only; everything it
// starts is stopped by t.Cleanup.
//
// It must never import the sign-in engine (dialtone/auth), whose own
// in-package tests use it, nor the keyring, the session store or Fyne; and
// code that ships must never import it (only test programs under cmd/ do).
package authtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// User is a person who can sign in at a test provider. Email is the name the
// person types into the login form.
type User struct {
	Subject       string // the "sub" claim
	Email         string // the login name and the "email" claim
	Password      string
	Name          string // the "name" claim
	EmailVerified bool   // the "email_verified" claim
}

// DefaultUser is the user a provider gets when Options.Users is empty.
var DefaultUser = User{
	Subject:       "agent-0001",
	Email:         "ada.agent@example.com",
	Password:      "correct horse battery staple",
	Name:          "Ada Agent",
	EmailVerified: true,
}

// DefaultRedirectURIs are the loopback redirect URIs a client gets when
// Options.RedirectURIs is empty. Both providers accept any port on them
// (RFC 8252, section 7.3); oidc-provider insists on the exact host, so all
// three loopback spellings are registered.
var DefaultRedirectURIs = []string{
	"http://127.0.0.1/callback",
	"http://localhost/callback",
	"http://[::1]/callback",
}

// Client authentication methods at the token endpoint (RFC 7591, section 2).
const (
	AuthNone              = "none"
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
)

// Options configures a test provider. The zero value gives one public native
// client "dialtone" (PKCE, no secret) and [DefaultUser].
type Options struct {
	// Users can sign in. Empty means []User{DefaultUser}.
	Users []User

	// ClientID is the registered client. Empty means "dialtone".
	ClientID string

	// ClientSecret, if set, makes the client confidential.
	ClientSecret string

	// ClientAuthMethod is how the client authenticates at the token endpoint:
	// AuthNone, AuthClientSecretBasic or AuthClientSecretPost. Empty means
	// AuthNone without a ClientSecret and AuthClientSecretBasic with one.
	// Zitadel accepts the secret either way whatever this says.
	ClientAuthMethod string

	// RedirectURIs are registered for the client. Empty means
	// DefaultRedirectURIs.
	RedirectURIs []string

	// AdvertisedAuthMethods, when set, are the only client authentication
	// methods the token endpoint advertises and accepts (StartNode only;
	// Zitadel's example always advertises client_secret_basic and
	// client_secret_post). It lets a test make a confidential client use
	// client_secret_post.
	AdvertisedAuthMethods []string

	// IDTokenClaims puts the scope claims (email, email_verified, name) into
	// the ID token as well. By default both providers put them only into the
	// userinfo response when an access token is issued (OpenID Connect Core
	// 1.0, section 5.4).
	IDTokenClaims bool

	// LineResource, when set, is a resource server (RFC 8707) the node
	// provider issues JWT access tokens for — audience LineResource, with
	// the user's email — when a refresh asks for it: what a phone line's
	// registrar checks. The zitadel provider ignores it.
	LineResource string
}

// Provider is a running OpenID provider on loopback. Its fields describe it;
// changing them changes nothing at the provider.
type Provider struct {
	// Issuer is the issuer URL, http://127.0.0.1:PORT, for discovery.
	Issuer string
	// ClientID and ClientSecret identify the registered client.
	ClientID     string
	ClientSecret string
	// RedirectURIs are the client's registered redirect URIs.
	RedirectURIs []string
	// Users can sign in.
	Users []User

	t         testing.TB
	front     *front
	tokenPath string
	revokeAll func(ctx context.Context) error
}

// Requests reports how many requests for path (such as
// p.TokenEndpointPath()) reached the provider since it started or since the
// last ResetRequests. Requests refused while the provider is down do not
// count.
func (p *Provider) Requests(path string) int {
	return p.front.requests(path)
}

// ResetRequests sets every count that Requests reports back to zero.
func (p *Provider) ResetRequests() {
	p.front.resetRequests()
}

// TokenEndpointPath is the path of the provider's token endpoint, as
// advertised by its discovery document.
func (p *Provider) TokenEndpointPath() string {
	return p.tokenPath
}

// Down makes the provider refuse connections, as a provider that is down
// would: it stops listening and drops open connections. Since the provider
// closes every connection after its response, the next request after Down
// gets "connection refused", never an error on a pooled connection. On Linux
// the port stays bound (without listening) while down, so that no other
// listener is handed it. The provider keeps its state; Up brings it back.
func (p *Provider) Down() {
	p.front.down()
}

// Up makes a provider that is Down accept connections again on the same
// address, with its state (sessions, refresh tokens) intact. It fails the test
// if the address cannot be listened on again. Call it from the test's
// goroutine.
func (p *Provider) Up() {
	p.t.Helper()
	if err := p.front.up(); err != nil {
		p.t.Fatalf("authtest: could not bring the provider back up on %s: %v", p.front.addr, err)
	}
}

// RevokeAll revokes every grant, refresh token and access token at the
// provider, as an administrator disabling a user would: the next refresh gets
// invalid_grant. With oidc-provider it also ends every sign-in session, so the
// next login asks for the password again (Zitadel's example keeps no
// sessions).
func (p *Provider) RevokeAll(t testing.TB) {
	t.Helper()
	if err := p.revokeAll(t.Context()); err != nil {
		t.Fatalf("authtest: could not revoke all grants: %v", err)
	}
}

// withDefaults returns opts with the documented zero values filled in.
func (opts Options) withDefaults() Options {
	if len(opts.Users) == 0 {
		opts.Users = []User{DefaultUser}
	} else {
		opts.Users = slices.Clone(opts.Users)
	}
	if opts.ClientID == "" {
		opts.ClientID = "dialtone"
	}
	if len(opts.RedirectURIs) == 0 {
		opts.RedirectURIs = slices.Clone(DefaultRedirectURIs)
	}
	if opts.ClientAuthMethod == "" {
		opts.ClientAuthMethod = AuthNone
		if opts.ClientSecret != "" {
			opts.ClientAuthMethod = AuthClientSecretBasic
		}
	}
	return opts
}

// check reports options that no provider can honour.
func (opts Options) check() error {
	switch opts.ClientAuthMethod {
	case AuthNone:
		if opts.ClientSecret != "" {
			return errors.New("a ClientSecret needs a ClientAuthMethod other than none")
		}
	case AuthClientSecretBasic, AuthClientSecretPost:
		if opts.ClientSecret == "" {
			return fmt.Errorf("ClientAuthMethod %s needs a ClientSecret", opts.ClientAuthMethod)
		}
	default:
		return fmt.Errorf("unknown ClientAuthMethod %q", opts.ClientAuthMethod)
	}
	return nil
}

// newProvider returns a Provider described by opts, behind f.
func newProvider(t testing.TB, opts Options, f *front) *Provider {
	return &Provider{
		Issuer:       f.url(),
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		RedirectURIs: opts.RedirectURIs,
		Users:        opts.Users,
		t:            t,
		front:        f,
	}
}
