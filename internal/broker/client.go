package broker

import (
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// desktopClient is Dialtone's desktop at the broker: a public native client
// (no secret, PKCE S256 required) with loopback redirect URIs on any port
// (RFC 8252 §7.3), which gets JWT access tokens (for the phone line) and ID
// tokens that carry the email.
type desktopClient struct{ id string }

// loopbackRedirects are registered for the desktop; zitadel/oidc matches a
// native client's loopback redirect on its path, whatever the port.
var loopbackRedirects = []string{"http://127.0.0.1/callback", "http://[::1]/callback", "http://localhost/callback"}

func (c desktopClient) GetID() string                       { return c.id }
func (c desktopClient) RedirectURIs() []string              { return loopbackRedirects }
func (c desktopClient) PostLogoutRedirectURIs() []string    { return nil }
func (c desktopClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (c desktopClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (c desktopClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c desktopClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// LoginURL is never used: the broker's Authorize sends the browser to the
// upstream provider itself.
func (c desktopClient) LoginURL(string) string               { return "" }
func (c desktopClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c desktopClient) IDTokenLifetime() time.Duration       { return IDTokenLifetime }
func (c desktopClient) DevMode() bool                        { return false }
func (c desktopClient) IsScopeAllowed(string) bool           { return false }
func (c desktopClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c desktopClient) ClockSkew() time.Duration             { return 0 }
func (c desktopClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c desktopClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
