package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// lockPollInterval is how long Lock waits between attempts to take a lock
// another process holds. Polling keeps the wait cancellable by ctx, which a
// blocking flock or LockFileEx is not.
const lockPollInterval = 50 * time.Millisecond

// errLockHeld is what tryLockFile returns when another holder has the lock.
var errLockHeld = errors.New("the session is locked by another Dialtone process")

// lockFile takes an exclusive lock on f, retrying while it is held
// elsewhere, until ctx is done.
func lockFile(ctx context.Context, f *os.File) error {
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		err := tryLockFile(f)
		if !errors.Is(err, errLockHeld) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", errLockHeld, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// onceUnlock returns a function that releases the lock on f and closes it.
// Calling it again returns the first call's result. The lock file itself
// is never removed: removing it would let two processes lock two different
// files of the same name.
func onceUnlock(f *os.File) func() error {
	return sync.OnceValue(func() error {
		return errors.Join(unlockFile(f), f.Close())
	})
}
