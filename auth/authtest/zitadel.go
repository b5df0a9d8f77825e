package authtest

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// StartZitadel starts github.com/zitadel/oidc's example OpenID provider in
// the test process, on loopback, and stops it when the test ends.
//
// Its quirks: loopback redirect URIs match on path alone (any host, any
// port); PKCE is checked only at the token endpoint, not at /auth; there is
// no consent page and no sign-in session, so every login shows the login
// form; claims other than "sub" are only in userinfo unless
// Options.IDTokenClaims is set; refresh tokens are issued for offline_access
// and rotated on every use. The login form is at /login/username.
func StartZitadel(t testing.TB, opts Options) *Provider {
	t.Helper()
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		t.Fatalf("authtest: %v", err)
	}
	f, err := listenFront()
	if err != nil {
		t.Fatalf("authtest: could not listen for the provider: %v", err)
	}
	t.Cleanup(f.close)
	p := newProvider(t, opts, f)
	s := newZitadelStorage(opts)
	// A nil logger leaves slog's default alone; the example logs every
	// request through it.
	f.serve(exampleop.SetupServer(p.Issuer, s, nil, false))

	p.tokenPath = "/oauth/token"
	p.revokeAll = s.revokeAll
	return p
}

// zitadelStorage is the example's in-memory storage with our own client and
// users: the example registers clients in a package-level map, which tests
// running in parallel would share.
type zitadelStorage struct {
	*storage.Storage
	client *zitadelClient
	users  []User
}

func newZitadelStorage(opts Options) *zitadelStorage {
	client := &zitadelClient{
		id:            opts.ClientID,
		secret:        opts.ClientSecret,
		authMethod:    oidc.AuthMethod(opts.ClientAuthMethod),
		redirectURIs:  opts.RedirectURIs,
		idTokenClaims: opts.IDTokenClaims,
	}
	users := zitadelUsers(opts.Users)
	return &zitadelStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{}),
		client:  client,
		users:   opts.Users,
	}
}

// GetClientByClientID implements op.Storage.
func (s *zitadelStorage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if clientID != s.client.id {
		return nil, errors.New("client not found")
	}
	return s.client, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s *zitadelStorage) AuthorizeClientIDSecret(_ context.Context, clientID, clientSecret string) error {
	if clientID != s.client.id {
		return errors.New("client not found")
	}
	if s.client.secret == "" || subtle.ConstantTimeCompare([]byte(clientSecret), []byte(s.client.secret)) != 1 {
		return errors.New("invalid client secret")
	}
	return nil
}

// revokeAll ends every user's tokens for the client, as signing out does.
func (s *zitadelStorage) revokeAll(ctx context.Context) error {
	for _, u := range s.users {
		if err := s.TerminateSession(ctx, u.Subject, s.client.id); err != nil {
			return err
		}
	}
	return nil
}

// zitadelUsers is a storage.UserStore over users, who sign in with their
// email address.
type zitadelUsers []User

// GetUserByID implements storage.UserStore.
func (us zitadelUsers) GetUserByID(id string) *storage.User {
	for _, u := range us {
		if u.Subject == id {
			return zitadelUser(u)
		}
	}
	return nil
}

// GetUserByUsername implements storage.UserStore.
func (us zitadelUsers) GetUserByUsername(username string) *storage.User {
	for _, u := range us {
		if u.Email == username {
			return zitadelUser(u)
		}
	}
	return nil
}

// ExampleClientID implements storage.UserStore; it names the example's JWT
// profile service user, which Dialtone does not use.
func (us zitadelUsers) ExampleClientID() string {
	return "authtest-service"
}

// zitadelUser converts u. The example builds "name" as first + " " + last, so
// Name is split at its last space; a Name without one becomes FirstName and
// the "name" claim gets a trailing space.
func zitadelUser(u User) *storage.User {
	first, last := u.Name, ""
	if i := strings.LastIndexByte(u.Name, ' '); i >= 0 {
		first, last = u.Name[:i], u.Name[i+1:]
	}
	return &storage.User{
		ID:                u.Subject,
		Username:          u.Email,
		Password:          u.Password,
		FirstName:         first,
		LastName:          last,
		Email:             u.Email,
		EmailVerified:     u.EmailVerified,
		PreferredLanguage: language.English,
	}
}

// zitadelClient is a native client (op.Client) with loopback redirect URIs.
type zitadelClient struct {
	id            string
	secret        string
	authMethod    oidc.AuthMethod
	redirectURIs  []string
	idTokenClaims bool
}

func (c *zitadelClient) GetID() string                       { return c.id }
func (c *zitadelClient) RedirectURIs() []string              { return c.redirectURIs }
func (c *zitadelClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *zitadelClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (c *zitadelClient) AuthMethod() oidc.AuthMethod         { return c.authMethod }
func (c *zitadelClient) LoginURL(id string) string           { return "/login/username?authRequestID=" + id }
func (c *zitadelClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *zitadelClient) IDTokenLifetime() time.Duration      { return time.Hour }
func (c *zitadelClient) DevMode() bool                       { return false }
func (c *zitadelClient) IsScopeAllowed(string) bool          { return false }
func (c *zitadelClient) IDTokenUserinfoClaimsAssertion() bool {
	return c.idTokenClaims
}
func (c *zitadelClient) ClockSkew() time.Duration { return 0 }

func (c *zitadelClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *zitadelClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

func (c *zitadelClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

func (c *zitadelClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}
