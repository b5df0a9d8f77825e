// Package directory is the desktop's client of the provider directory
// (docs/directory-api.md): it asks which single sign-on providers an email
// may use, keeps the last good answer for when the directory is down, and
// can fall back to the email domain's WebFinger.
//
// It must never import the sign-in engine (dialtone/auth), the keyring or
// Fyne: it only reads provider lists (dialtone/internal/idp).
package directory
