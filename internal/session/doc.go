// Package session is Dialtone's session store: the refresh token in the
// OS keyring (internal/keyring) under a namespaced key, and in the config
// folder the metadata that is not secret (last email, provider, issuer,
// cached directory answers and discovery, the account's phone line),
// written atomically; the discovery document and the line are sealed with
// a key derived from the refresh token, so an edited file is not believed.
// It takes the cross-process lock that keeps launches from refreshing
// twice, signs in silently at launch, renews ahead of expiry, hands the
// line its access token, and signs out.
//
// It knows the keyring and the sign-in engine (dialtone/auth), but it must
// never import Fyne, the UI, the browser package (internal/browser), the
// SIP line (internal/line) or the directory client (internal/directory):
// the line and the UI call it, and an interactive sign-in's browser comes
// in through auth.
package session
