// Package agent keeps a signed-in agent reachable. Its one job: renew the session ahead of expiry (through
// session.Store.KeepAlive), report how the agent stands as an Update — their dialer.Presence, the keyring
// warning, and why the session ended when it did — and sign the agent out cleanly: stop the keep-alive, log out
// of the session store, and open the provider's end-session page when asked.
//
// It is the one place where what keeps the agent reachable is folded into one presence. Today that is the
// session; the phone line (issue 15) joins it in standing, so that the UI, which only draws Updates, needs no
// change to show it.
//
// It must never import Fyne or the UI: a UI hands each Update to its own thread.
package agent
