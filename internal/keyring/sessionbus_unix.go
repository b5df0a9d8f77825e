//go:build !windows && !darwin

package keyring

import (
	"os"
	"path/filepath"
	"strconv"
)

// HasSessionBus reports whether godbus would find a session bus without
// launching one: DBUS_SESSION_BUS_ADDRESS (other than "autolaunch:" and the
// "disabled:" NoAutolaunch sets), or the systemd user bus it looks for in
// /run/user/UID (see godbus's tryDiscoverDbusSessionBusAddress).
func HasSessionBus() bool {
	switch a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a {
	case noBus:
		return false
	case "", "autolaunch:":
	default:
		return true
	}
	dir := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// noBus is the session bus address NoAutolaunch sets: godbus knows no such
// transport and fails at once.
const noBus = "disabled:"

// NoAutolaunch makes sure no D-Bus client in this process starts a session
// bus: when there is none, it sets DBUS_SESSION_BUS_ADDRESS to an address
// every client fails on at once. Without it, godbus — under go-keyring and
// Fyne's system tray — runs dbus-launch, whose dbus-daemon (and a
// gnome-keyring-daemon it may start) outlive Dialtone. Call it at start,
// before any D-Bus client runs.
func NoAutolaunch() {
	if !HasSessionBus() {
		_ = os.Setenv("DBUS_SESSION_BUS_ADDRESS", noBus)
	}
}
