// Package sipaddr is the phone line's part of the provider-list format: the
// optional "line" object of the directory's answer and of a provider list
// file, {"registrar": "sips:pbx.acme.test", "aor": "sip:agent@acme.test"},
// and the strict parsing of its SIP URIs (docs/providers.md). It is shared
// by the desktop, which registers the line (internal/line), and the
// directory service, which checks what an admin enters.
//
// It parses by hand and must never import a SIP stack, the sign-in engine,
// the keyring or Fyne, so the provider-list format stays light wherever it
// is read.
package sipaddr
