// Package line keeps an agent's SIP line registered with the phone system,
// authorised by the OAuth 2.0 access token of the agent's sign-in: the
// "Bearer" scheme of RFC 8898 §2.
//
// Its one job is the REGISTER dialogue with one registrar: challenge, bearer
// credentials, refresh before expiry, retry with backoff when the network is
// gone, and unregister when the agent leaves. It reports a State the UI and
// the command line show, and errors they branch on with errors.Is/As. The
// registrar's servers are found by RFC 3263 (DNS SRV for a TLS registrar
// named by its domain, see locate), and the TLS certificate must always
// name the registrar's domain.
//
// It never sends the access token to any server other than the registrar
// whose challenge names, as authz_server, the issuer the agent signed in
// with, and it never logs a token.
//
// This package must never import Fyne, the keyring, or any other Dialtone
// package but the line's provider-list format (internal/sipaddr): tokens
// reach it through the TokenSource interface declared here.
// SIP below the transaction layer is github.com/emiago/sipgo.
package line
