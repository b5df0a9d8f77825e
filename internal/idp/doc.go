// Package idp is what Dialtone knows about identity providers before it
// talks to one: the provider-list format an account's directory answers with
// (docs/providers.md), the provider types and their profiles, the issuer and
// email rules, the OpenID discovery document, and the bounded HTTP every
// answer is read through.
//
// It is shared by the desktop app and the directory service, so it must never
// import the sign-in engine (dialtone/auth), the keyring, the browser, or
// Fyne.
package idp
