package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/demo"
	"dialtone/internal/demoproc"
	"dialtone/internal/problem"
)

// TestCLIDemo is the README's demo from the command line: the demo's
// servers in a process of their own (cmd/dialtone-demo, started as the app
// starts it, its state in the user cache folder as the app's is), then
// "dialtone login --demo" through its directory and its provider's sign-in
// form, "status --demo", "line --demo --json", which registers Acme's line
// at the demo's registrar and unregisters it, and "logout --demo". The
// demo's session lives where the app's demo keeps it, apart from a real
// sign-in, which the commands without --demo still see untouched.
func TestCLIDemo(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the user cache folder is moved with XDG_CACHE_HOME, which only Linux reads")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	stateDir := filepath.Join(cache, demoStateDirName)
	bin := filepath.Join(t.TempDir(), "dialtone-demo")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dialtone-demo").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dialtone-demo: %v\n%s", err, out)
	}
	// Free ports, so that a demo the machine runs on the default ones is left alone: --directory names the
	// test's; everything else --demo chooses as for the default demo.
	d, err := demoproc.Start(t.Context(), demoproc.Options{Timeout: time.Minute, Program: []string{bin,
		"-state-dir", stateDir, "-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "127.0.0.1:0"}})
	if err != nil {
		t.Fatalf("the demo did not start: %v", err)
	}
	t.Cleanup(func() { d.Close() })

	const acme = "agent@acme.test"
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = "http://127.0.0.1:1"                // a real directory, which --demo must not use
	m.browseAs(authtest.User{Email: acme, Password: "dialtone-demo"}) // the README's demo password
	if r := m.run("login", "--demo", "--directory", d.DirectoryURL, "--email", acme, "--timeout", "1m"); r.code != problem.ExitOK {
		t.Fatalf("login --demo: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(stateDir, "app")); err != nil {
		t.Errorf("the demo's session is not in the app's demo folder: %v", err)
	}
	if entries, _ := os.ReadDir(m.env["DIALTONE_CONFIG_DIR"]); len(entries) != 0 {
		t.Errorf("login --demo wrote %d entries into the real config folder", len(entries))
	}
	if r := m.run("status"); r.code != problem.ExitRefused {
		t.Errorf("status without --demo: exit %d, %q; want %d (no real sign-in was made)", r.code, r.stderr, problem.ExitRefused)
	}
	if r := m.run("status", "--demo", "--json"); r.code != problem.ExitOK || !strings.Contains(r.stdout, acme) {
		t.Errorf("status --demo: exit %d, stdout %q, stderr %q; want the demo's session", r.code, r.stdout, r.stderr)
	}
	r := m.run("line", "--demo", "--directory", d.DirectoryURL, "--json")
	if r.code != problem.ExitOK {
		t.Fatalf("line --demo: exit %d, stderr %q", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got["state"] != "registered" || got["aor"] != "sip:"+acme ||
		!strings.HasPrefix(got["registrar"], "sip:127.0.0.1:") || got["expires_at"] == "" {
		t.Errorf("line printed %q (%v), want Acme's line registered at the demo's registrar", r.stdout, err)
	}
	if r := m.run("logout", "--demo"); r.code != problem.ExitOK {
		t.Errorf("logout --demo: exit %d, %q", r.code, r.stderr)
	}
	if r := m.run("status", "--demo"); r.code != problem.ExitRefused {
		t.Errorf("status --demo after logout --demo: exit %d, %q; want %d", r.code, r.stderr, problem.ExitRefused)
	}
}

// TestCLIDemoNotRunning: a command with --demo when no demo runs says so,
// and how to start it.
func TestCLIDemoNotRunning(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := newMachine(t)
	r := m.run("login", "--demo", "--directory", "http://127.0.0.1:1", "--email", "agent@acme.test")
	if r.code != problem.ExitUnreachable || !strings.Contains(r.stderr, "is the demo running?") {
		t.Errorf("exit %d, %q; want %d and how to start the demo", r.code, r.stderr, problem.ExitUnreachable)
	}
}

// TestDemoSettingsAreTheDemos: the demo's settings the commands use are the
// ones the demo (internal/demo, which the app does not carry) starts with.
func TestDemoSettingsAreTheDemos(t *testing.T) {
	if want := "http://" + demo.DefaultDirectoryAddr; demoDirectoryURL != want {
		t.Errorf("demoDirectoryURL = %q, want the demo's %q", demoDirectoryURL, want)
	}
	if demoStateDirName != demo.DefaultStateDirName {
		t.Errorf("demoStateDirName = %q, want the demo's %q", demoStateDirName, demo.DefaultStateDirName)
	}
	var app, command settings
	app.useDemo(demoDirectoryURL, "/cache/dialtone-demo")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if err := command.useRunningDemo(""); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && app != command {
		t.Errorf("a command's demo settings %+v, want the app's %+v", command, app)
	}
}
