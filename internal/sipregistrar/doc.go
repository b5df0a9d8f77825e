// Package sipregistrar is a small SIP registrar that accepts only OAuth 2.0
// bearer tokens (RFC 8898 §2): it challenges with
//
//	WWW-Authenticate: Bearer realm="…", authz_server="<issuer>"
//
// verifies the token as a JWT with go-oidc (signature from the issuer's
// JWKS, iss, aud, exp), and keeps the location table in memory. Dialtone's
// local demo runs it on loopback beside the demo identity provider; tests
// use it as a registrar they control.
//
// It is not a production registrar: no persistence, no routing, no
// outbound keep-alives. It never logs a token. This package must never
// import Fyne, the keyring, or any other Dialtone package.
package sipregistrar
