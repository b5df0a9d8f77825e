//go:build unix

package main

import (
	"bytes"
	"dialtone/auth/authtest"
	"dialtone/internal/problem"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFOAsProviderListIsRefused: a FIFO given as --providers is refused
// at once (exit 2), never waited on.
func TestFIFOAsProviderListIsRefused(t *testing.T) {
	m := newMachine(t)
	fifo := filepath.Join(t.TempDir(), "providers.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r := m.runProcess(10*time.Second, "login", "--email", ada.Email, "--providers", fifo)
	if r.code != problem.ExitUsage || !strings.Contains(r.stderr, "named pipe (FIFO)") {
		t.Errorf("exit %d, stderr %q; want %d naming the FIFO", r.code, r.stderr, problem.ExitUsage)
	}
}

// TestFIFOsInTheConfigFolderNeverHang puts a FIFO where each file the
// command line opens in its folders should be — the session metadata and
// its lock in the config folder, the log (with --debug) in the cache
// folder — and runs "dialtone status" as a process: it must finish by
// itself at once, with the documented exit code, and the FIFO set aside.
// Opening a FIFO waits for the other end, in open(2), where no signal or
// deadline reaches. The app's own files are TestFIFOsNeverHangTheApp's.
func TestFIFOsInTheConfigFolderNeverHang(t *testing.T) {
	for _, c := range []struct {
		name, dir string // dir: the environment variable of its folder
		args      []string
		wantCode  int
		wantErr   string
	}{
		{"session.json", "DIALTONE_CONFIG_DIR", []string{"status"}, problem.ExitRefused, "Sign in again"},
		{"session.lock", "DIALTONE_CONFIG_DIR", []string{"status"}, problem.ExitRefused, "Sign in again"},
		{"dialtone/logs/dialtone.log", "XDG_CACHE_HOME", []string{"status", "--debug"}, problem.ExitRefused, "Sign in again"},
	} {
		t.Run(filepath.Base(c.name), func(t *testing.T) {
			m := newMachine(t)
			m.env["XDG_CACHE_HOME"] = t.TempDir()
			fifo := mkfifo(t, filepath.Join(m.env[c.dir], c.name))
			r := m.runProcess(10*time.Second, c.args...)
			if r.code != c.wantCode || !strings.Contains(r.stderr, c.wantErr) {
				t.Errorf("%s with a FIFO as %s: exit %d, stderr %q; want %d (%s)", strings.Join(c.args, " "), c.name, r.code, r.stderr, c.wantCode, c.wantErr)
			}
			if entries, _ := filepath.Glob(fifo + ".corrupt-*"); len(entries) != 1 {
				t.Errorf("the FIFO was not set aside: %v", entries)
			}
		})
	}
}

// TestFIFOsNeverHangTheApp puts a FIFO at each file the desktop app opens
// besides the command line's — the rendezvous of the one running window
// and its lock, the call history, the log — and starts the app (with
// --debug, on the X server in DISPLAY): it must get to its first screen,
// the FIFO replaced or set aside, and end by itself with exit 0 on SIGTERM.
func TestFIFOsNeverHangTheApp(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no DISPLAY: run the tests under .ci/with-x")
		}
		t.Skip("no DISPLAY: the app needs an X server (.ci/with-x)")
	}
	for _, c := range []struct{ name, dir string }{
		{"instance.json", "DIALTONE_CONFIG_DIR"},
		{"instance.json.lock", "DIALTONE_CONFIG_DIR"},
		{"history.json", "DIALTONE_CONFIG_DIR"},
		{"dialtone/logs/dialtone.log", "XDG_CACHE_HOME"},
	} {
		t.Run(filepath.Base(c.name), func(t *testing.T) {
			m := newMachine(t)
			m.env["XDG_CACHE_HOME"], m.env["XDG_CONFIG_HOME"] = t.TempDir(), t.TempDir()
			m.env["DIALTONE_DIRECTORY"] = "http://127.0.0.1:9/" // a directory, so no demo; nothing listens there
			fifo := mkfifo(t, filepath.Join(m.env[c.dir], c.name))
			code, stderr := m.runAppUntilFirstScreen()
			if code != problem.ExitOK {
				t.Errorf("the app with a FIFO as %s: exit %d after SIGTERM, want %d; stderr:\n%s", c.name, code, problem.ExitOK, stderr)
			}
			if info, err := os.Lstat(fifo); err == nil && info.Mode()&os.ModeNamedPipe != 0 {
				t.Errorf("the FIFO %s is still in place", c.name)
			}
		})
	}
}

// runAppUntilFirstScreen starts the app with --debug, waits (bounded) for
// it to log its first screen, sends SIGTERM and returns its exit code and
// stderr. The process is killed, and the test fails, if either wait is
// not over within 20 s.
func (m *machine) runAppUntilFirstScreen() (int, string) {
	m.t.Helper()
	cmd := m.command("--debug")
	var stderr bytes.Buffer
	screen := make(chan struct{})
	cmd.Stderr = &signalWriter{w: &stderr, on: "msg=screen", ch: screen}
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-screen:
	case <-done:
		m.t.Fatalf("the app ended before its first screen; stderr:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		m.t.Fatalf("the app showed no screen within 20 s (hung?); stderr:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		m.t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		m.t.Fatalf("the app did not end within 20 s of SIGTERM; stderr:\n%s", stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// mkfifo makes a FIFO at path, and its folder, and returns path.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSIGTERMEndsTheProcess sends SIGTERM to a sign-in waiting for the
// browser: the process ends at once with exit code 5.
func TestSIGTERMEndsTheProcess(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.env["DIALTONE_BROWSER"] = "true" // opens nothing: the sign-in waits
	cmd := m.command("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	waiting := make(chan struct{})
	cmd.Stderr = &signalWriter{w: &stderr, on: "Waiting up to", ch: waiting}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the sign-in did not start waiting: %q", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(forceExitAfter + 5*time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("SIGTERM did not end the process")
	}
	if code := cmd.ProcessState.ExitCode(); code != problem.ExitCancelled {
		t.Errorf("exit %d after SIGTERM, want %d; stderr %q", code, problem.ExitCancelled, stderr.String())
	}
}
