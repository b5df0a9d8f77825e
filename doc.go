// Dialtone is a desktop softphone login client: it signs call-centre agents
// in through their company's single sign-on (OpenID Connect with PKCE in
// the system browser) and shows the dialer. Run without arguments for the
// desktop app; "dialtone help" lists the commands.
//
// main.go is the only wiring point: settings come from the environment
// and the flags (the same for the app and every command), and build makes
// Dialtone's parts from them by hand.
//
// It is the agent's program, so it must never import the directory
// service or the demo's servers (internal/dirserver, internal/broker,
// internal/demo, internal/sipregistrar: the demo runs as a program of its
// own, started through internal/demoproc), nor a test helper package.
package main
