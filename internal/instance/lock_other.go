//go:build !(unix && !aix && !solaris) && !windows

package instance

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLockFile cannot lock on this system, so Acquire fails there and the
// caller runs without single-instance handoff.
func tryLockFile(*os.File) error {
	return fmt.Errorf("file locking is not implemented on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func unlockFile(*os.File) error { return nil }
