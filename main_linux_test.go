//go:build linux

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/problem"
)

// TestNoSessionBusStartsNoDaemon runs the command line the way cron or an
// SSH login does, with no D-Bus session address: the keyring library must
// not autolaunch a bus (dbus-launch leaves a dbus-daemon and a
// gnome-keyring-daemon behind), the agent is told there is no keyring
// session (exit 6), and logout still forgets the session on this computer.
//
// Every process the command starts inherits a marker in its environment;
// after it exits, no process on the machine may still carry the marker.
func TestNoSessionBusStartsNoDaemon(t *testing.T) {
	if _, err := os.Stat("/usr/bin/dbus-launch"); err != nil && os.Getenv("CI") == "" {
		t.Skip("dbus-launch is not installed, so there is nothing that could autolaunch")
	}
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	// The sign-in runs in this test process, whose keyring is in memory; the
	// processes below find its session.json and go to the system keyring.
	if r := m.run("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil))); r.code != problem.ExitOK {
		t.Fatalf("login: exit %d, %q", r.code, r.stderr)
	}
	mark := make([]byte, 8)
	_, _ = rand.Read(mark)
	marker := "DIALTONE_TEST_NO_BUS=" + hex.EncodeToString(mark)
	t.Cleanup(func() { // whatever leaked, not past this test
		for _, p := range processesWith(marker) {
			if pid, err := strconv.Atoi(strings.Fields(p)[0]); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	noBus := func(args ...string) result {
		t.Helper()
		cmd := m.command(args...)
		cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") })
		cmd.Env = append(cmd.Env, marker)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
		_ = cmd.Wait()
		if !timer.Stop() {
			t.Fatalf("dialtone %s without a session bus did not finish within 20s", strings.Join(args, " "))
		}
		// A daemon started on the way out would show up within moments.
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			if left := processesWith(marker); len(left) > 0 {
				t.Errorf("dialtone %s left processes running: %s", strings.Join(args, " "), strings.Join(left, ", "))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
	}

	for range 2 {
		r := noBus("status")
		if r.code != problem.ExitKeyring || !strings.Contains(r.stderr, "no system keyring in this session") {
			t.Errorf("status without a session bus: exit %d, stderr %q; want %d saying there is no keyring session", r.code, r.stderr, problem.ExitKeyring)
		}
		if strings.Contains(r.stderr, "locked") {
			t.Errorf("status without a session bus says the keyring is locked: %q", r.stderr)
		}
	}
	r := noBus("logout")
	if r.code != problem.ExitKeyring || !strings.Contains(r.stderr, "could not be removed") {
		t.Errorf("logout without a session bus: exit %d, stderr %q; want %d saying the saved sign-in could not be removed", r.code, r.stderr, problem.ExitKeyring)
	}
	data, err := os.ReadFile(filepath.Join(m.env["DIALTONE_CONFIG_DIR"], "session.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Session json.RawMessage `json:"session"`
	}
	if err := json.Unmarshal(data, &meta); err != nil || meta.Session != nil {
		t.Errorf("logout without a session bus kept the session on this computer: %s", data)
	}
	if r := noBus("status"); r.code != problem.ExitRefused {
		t.Errorf("status after that logout: exit %d, stderr %q; want %d (sign in)", r.code, r.stderr, problem.ExitRefused)
	}
}

// processesWith lists the processes (pid and name) whose environment holds
// the exact entry kv. Processes of other users cannot be read and are not
// ours to count.
func processesWith(kv string) []string {
	var found []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue
		}
		if slices.Contains(strings.Split(string(env), "\x00"), kv) {
			comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
			found = append(found, filepath.Base(dir)+" "+strings.TrimSpace(string(comm)))
		}
	}
	return found
}

// The app, too, starts no D-Bus daemon when there is no session bus: Fyne's
// system tray would otherwise run dbus-launch through godbus, and every
// launch would leave a dbus-daemon behind.
func TestAppWithoutSessionBusStartsNoDaemon(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no DISPLAY: run the tests under .ci/with-x")
		}
		t.Skip("no DISPLAY: the app needs an X server (.ci/with-x)")
	}
	if _, err := os.Stat("/usr/bin/dbus-launch"); err != nil && os.Getenv("CI") == "" {
		t.Skip("dbus-launch is not installed, so there is nothing that could autolaunch")
	}
	mark := make([]byte, 8)
	_, _ = rand.Read(mark)
	marker := "DIALTONE_TEST_NO_BUS=" + hex.EncodeToString(mark)
	t.Cleanup(func() {
		for _, p := range processesWith(marker) {
			if pid, err := strconv.Atoi(strings.Fields(p)[0]); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	m := newMachine(t)
	m.env["XDG_CACHE_HOME"], m.env["XDG_CONFIG_HOME"] = t.TempDir(), t.TempDir()
	m.env["DIALTONE_DIRECTORY"] = "http://127.0.0.1:9/" // a directory, so no demo; nothing listens there
	m.env["DBUS_SESSION_BUS_ADDRESS"] = ""
	m.env[strings.Split(marker, "=")[0]] = strings.Split(marker, "=")[1]
	if code, stderr := m.runAppUntilFirstScreen(); code != problem.ExitOK {
		t.Fatalf("the app without a session bus: exit %d after SIGTERM, want %d; stderr:\n%s", code, problem.ExitOK, stderr)
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if left := processesWith(marker); len(left) > 0 {
			t.Fatalf("the app left processes running: %s", strings.Join(left, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
