// Package keyring keeps secrets in the OS keyring — the Secret Service on
// Linux, the Keychain on macOS, the Credential Manager on Windows — under one
// service name: split into chunks every platform accepts, checked on the way
// back, and with every call bounded in time (go-keyring has no timeouts).
//
// It knows nothing of sessions or OpenID Connect, and must never import the
// sign-in engine, Fyne, or anything that writes files: a secret that cannot
// go into the keyring stays in the caller's memory.
package keyring
