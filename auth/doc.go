// Package auth is Dialtone's sign-in engine: OpenID Connect authorization
// code with PKCE (RFC 7636) in the system browser over a loopback redirect
// (RFC 8252), the token exchange, the checks of the ID token, of userinfo
// and of the email the agent typed, refresh (with RFC 8707 resources for
// the phone line), and revocation (RFC 7009). Provider lists and discovery
// come from internal/idp; Login is the whole interactive sign-in, one
// named step after another.
//
// It knows OpenID Connect and nothing else: it must never import the
// keyring, the session store (internal/session), the browser package
// (internal/browser), Fyne or the UI. It opens the browser through the
// Browser interface declared here and keeps nothing: callers store the
// Session it returns. Its test providers (auth/authtest) must not import
// it either, so that its own tests can use them.
package auth
