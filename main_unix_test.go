//go:build unix

package main

import (
	"bytes"
	"dialtone/auth/authtest"
	"dialtone/internal/problem"
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

// TestFIFOsInTheConfigFolderNeverHang puts a FIFO where each file Dialtone
// reads in its config folder should be, and runs the command line as a
// process: it must finish at once, with the documented exit code.
func TestFIFOsInTheConfigFolderNeverHang(t *testing.T) {
	for _, name := range []string{"session.json", "session.lock"} {
		t.Run(name, func(t *testing.T) {
			m := newMachine(t)
			if err := syscall.Mkfifo(filepath.Join(m.env["DIALTONE_CONFIG_DIR"], name), 0o600); err != nil {
				t.Fatal(err)
			}
			r := m.runProcess(10*time.Second, "status")
			if r.code != problem.ExitRefused || !strings.Contains(r.stderr, "Sign in again") {
				t.Errorf("status with a FIFO as %s: exit %d, stderr %q; want %d (sign in again)", name, r.code, r.stderr, problem.ExitRefused)
			}
			if entries, _ := filepath.Glob(filepath.Join(m.env["DIALTONE_CONFIG_DIR"], name+".corrupt-*")); len(entries) != 1 {
				t.Errorf("the FIFO was not set aside: %v", entries)
			}
		})
	}
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
