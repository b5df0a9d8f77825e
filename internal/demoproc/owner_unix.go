//go:build unix

package demoproc

import (
	"os"
	"syscall"
)

// ownedByUser reports whether dir belongs to the user running Dialtone
// and others may not write to it (a group may: user private groups).
func ownedByUser(dir string) bool {
	info, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid() && info.Mode().Perm()&0o002 == 0
}
