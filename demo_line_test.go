package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/demoproc"
	"dialtone/internal/problem"
)

// TestCLILineAtTheDemo is the README's demo from the command line: the
// demo's servers in a process of their own (cmd/dialtone-demo, started as
// the app starts it), "dialtone login" through its directory and its
// provider's sign-in form, then "dialtone line --json", which registers
// Acme's line at the demo's registrar with the silent sign-in's token and
// unregisters it.
func TestCLILineAtTheDemo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dialtone-demo")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dialtone-demo").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dialtone-demo: %v\n%s", err, out)
	}
	d, err := demoproc.Start(t.Context(), demoproc.Options{Timeout: time.Minute, Program: []string{bin,
		"-state-dir", filepath.Join(t.TempDir(), "state"),
		"-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "127.0.0.1:0"}})
	if err != nil {
		t.Fatalf("the demo did not start: %v", err)
	}
	t.Cleanup(func() { d.Close() })

	const acme = "agent@acme.test"
	m := newMachine(t)
	m.browseAs(authtest.User{Email: acme, Password: "dialtone-demo"}) // the README's demo password
	if r := m.run("login", "--email", acme, "--directory", d.DirectoryURL, "--timeout", "1m"); r.code != problem.ExitOK {
		t.Fatalf("login: exit %d, %q", r.code, r.stderr)
	}
	r := m.run("line", "--json")
	if r.code != problem.ExitOK {
		t.Fatalf("line: exit %d, stderr %q", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got["state"] != "registered" || got["aor"] != "sip:"+acme ||
		!strings.HasPrefix(got["registrar"], "sip:127.0.0.1:") || got["expires_at"] == "" {
		t.Errorf("line printed %q (%v), want Acme's line registered at the demo's registrar", r.stdout, err)
	}
}
