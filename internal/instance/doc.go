// Package instance keeps one Dialtone window per user: the first launch of
// the app listens, and a later launch — a second double-click, or a tel: or
// callto: link, which Windows starts as `dialtone.exe "tel:+1…"` — hands its
// arguments to the running one and exits. It also reads those links
// (ParseDialURI, RFC 3966) into the number the dialer fills in.
//
// The rendezvous is a file in the user's config folder that names a TCP port
// on 127.0.0.1 and holds a random 256-bit token. Both sides prove they know
// the token (HMAC-SHA256 over fresh nonces) before any argument is sent, so
// another user's process on the same machine (a terminal server) can neither
// inject a number nor receive one, and a port reused by some other program
// is recognised as a stale file and taken over. The file is written
// atomically with mode 0600 (on Windows, %AppData% is the user's own by its
// ACL), under an exclusive lock on a lock file beside it, so two launches at
// the same moment cannot both become the running instance.
//
// It must never import Fyne, the keyring, or the network beyond loopback:
// it is started before the app exists, and the running window consumes
// Instance.Handoffs on its own terms.
package instance
