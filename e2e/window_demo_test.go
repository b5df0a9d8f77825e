package e2e

import (
	"path/filepath"
	"slices"
	"testing"

	"dialtone/auth/authtest"
	"dialtone/internal/demo"
)

// TestWindowDemoLine is the README's demo as a newcomer sees it: the
// demo's servers (internal/demo, here on free ports; "go run ." starts
// them on fixed ones in a process of their own), the app pointed at the
// demo's directory, agent@acme.test typed, the demo provider's form filled
// in Chromium, and the dot green because Acme's line registered at the
// demo's registrar with the sign-in's token.
func TestWindowDemoLine(t *testing.T) {
	requireSuite(t)
	requireDisplay(t)
	d, err := demo.Start(t.Context(), demo.Options{StateDir: filepath.Join(t.TempDir(), "demo"),
		IssuerAddr: "127.0.0.1:0", DirectoryAddr: "127.0.0.1:0", RegistrarAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("the demo did not start: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = d.DirectoryURL
	ada := d.Users[0]
	m.browseAs(authtest.User{Email: ada.Email, Password: ada.Password})

	scenario(t, "the dot turns green because the line registered", func(t *testing.T) string {
		a := m.startApp()
		a.waitScreen("email")
		a.typeText(ada.Email)
		a.key("Return")
		way := a.waitScreen("dialer/online")
		if i := slices.Index(way, "dialer/connecting"); i < 0 || i > slices.Index(way, "dialer/online") {
			t.Errorf("the window went through %q; want connecting before online", way)
		}
		a.quit()
		return "email, the demo provider's form in Chromium, then connecting → online at " + d.Registrar
	})
}
