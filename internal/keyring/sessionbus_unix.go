//go:build !windows && !darwin

package keyring

import (
	"os"
	"path/filepath"
	"strconv"
)

// hasSessionBus reports whether godbus would find a session bus without
// launching one: DBUS_SESSION_BUS_ADDRESS (other than "autolaunch:"), or the
// systemd user bus it looks for in /run/user/UID (see godbus's
// tryDiscoverDbusSessionBusAddress).
func hasSessionBus() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
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
