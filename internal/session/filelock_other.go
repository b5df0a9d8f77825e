//go:build !(unix && !aix && !solaris) && !windows

package session

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLockFile cannot lock on this system: Lock fails rather than let two
// processes spend the same refresh token.
func tryLockFile(*os.File) error {
	return fmt.Errorf("file locking is not implemented on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func unlockFile(*os.File) error { return nil }
