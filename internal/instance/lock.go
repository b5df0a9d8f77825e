package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"dialtone/internal/regularfile"
)

// lockPollInterval is how long lock waits between attempts while another
// launch holds the lock. Polling keeps the wait cancellable by ctx, which a
// blocking flock or LockFileEx is not.
const lockPollInterval = 20 * time.Millisecond

// errLockHeld is what tryLockFile returns when another holder has the lock.
var errLockHeld = errors.New("instance: another Dialtone is starting")

// lock takes an exclusive lock on the file at path, creating it, and
// retries while another process (or another open in this one) holds it,
// until ctx is done. The returned function releases it; calling it again
// does nothing. The lock file is never removed: removing it would let two
// launches lock two different files of the same name.
func lock(ctx context.Context, path string) (unlock func() error, err error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("instance: could not open the lock file: %w", err)
	}
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		err := tryLockFile(f)
		if err == nil {
			return sync.OnceValue(func() error { return errors.Join(unlockFile(f), f.Close()) }), nil
		}
		if !errors.Is(err, errLockHeld) {
			f.Close()
			return nil, fmt.Errorf("instance: could not lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%w: %w", errLockHeld, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// openLockFile opens (creating it, mode 0600) the lock file at path, only
// if it is a regular file, never waiting on it. Something else in its
// place (a FIFO, a folder) is moved aside to path.corrupt-TIME and a new
// lock file is made.
func openLockFile(path string) (*os.File, error) {
	f, err := regularfile.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if !errors.Is(err, regularfile.ErrNotRegular) {
		return f, err
	}
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000Z")
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	return regularfile.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}
