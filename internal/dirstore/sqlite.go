package dirstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens two pools on one SQLite file in WAL mode: one
// connection that writes (so writers queue in Go instead of failing with
// SQLITE_BUSY; BEGIN IMMEDIATE also serialises other processes) and several
// read-only ones that WAL lets run beside it.
func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("dirstore: the database path %q must be a file name without ? or #", path)
	}
	if err := regularOrAbsent(path, path+"-wal", path+"-shm"); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// The writer truncates the WAL file to walSizeLimit whenever it
	// starts it afresh (see checkpoints).
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=journal_size_limit("+strconv.FormatInt(walSizeLimit, 10)+")")
	if err != nil {
		return nil, fmt.Errorf("dirstore: could not open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	db := &DB{kind: SQLite, name: path, write: w, read: w}
	if err := retryBusy(ctx, func() error { return db.migrate(ctx) }); err != nil {
		w.Close()
		return nil, err
	}
	// Move what the migration wrote (the database's ID among it) from the
	// WAL into the file, so that a file copied over this one shows its own
	// ID to Check instead of hiding behind this one's WAL. Best effort.
	if _, err := w.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		w.Close()
		return nil, fmt.Errorf("dirstore: could not checkpoint %s: %w", path, err)
	}
	// The file exists now: remember which file it is.
	opened, err := os.Stat(path)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("dirstore: could not stat %s: %w", path, err)
	}
	db.identity = func(context.Context) (string, error) { return fileIdentity(path, opened) }
	if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		w.Close()
		return nil, fmt.Errorf("dirstore: could not open %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(2 * runtime.GOMAXPROCS(0))
	db.read.SetMaxIdleConns(2 * runtime.GOMAXPROCS(0))
	db.stop, db.stopped = make(chan struct{}), make(chan struct{})
	go db.checkpoints(path+"-wal", walSizeLimit, walPoll)
	return db, nil
}

// The WAL's size limit: when the file grows past walSizeLimit (looked at
// every walPoll), it is checkpointed and started afresh, truncated back to
// walSizeLimit.
var (
	walSizeLimit int64 = 64 << 20
	walPoll            = time.Second
)

// busyTimeout is how long, in milliseconds, a statement waits for a lock
// another connection or process holds.
const busyTimeout = 10000

// restartWait is how long, in milliseconds, a RESTART checkpoint waits for
// the readers of the moment to leave the WAL; it holds off writers
// meanwhile.
const restartWait = 250

// checkpoints keeps the WAL file near limit until Close. SQLite's own
// checkpoints (after each commit past 1000 pages) copy the WAL into the
// file but start it afresh only when no reader is inside it; under a
// steady stream of writes (the rate limits count every lookup) and reads,
// some reader always is, and the WAL grows without end, slowing every
// read. A RESTART checkpoint waits for the readers to leave, so that the
// next write starts the WAL from its beginning and truncates it to
// journal_size_limit. It holds off writers while it waits, so it waits
// restartWait at most (under a steady read load it can otherwise wait the
// whole busy timeout and fail), and tries again at the next look.
func (db *DB) checkpoints(wal string, limit int64, every time.Duration) {
	defer close(db.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			if info, err := os.Stat(wal); err == nil && info.Size() > limit {
				db.restartWAL() // SQLITE_BUSY: readers stayed; the next look tries again
			}
		}
	}
}

// restartWAL runs a RESTART checkpoint on the writing connection with the
// busy timeout lowered to restartWait for it.
func (db *DB) restartWAL() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(restartWait)); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
	if _, rerr := conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.Itoa(busyTimeout)); rerr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // never leave the writer with the short timeout
		return rerr
	}
	return err
}

// retryBusy runs f again while it fails with SQLITE_BUSY, for up to 10
// seconds. Processes opening a new file at once can get SQLITE_BUSY from
// BEGIN IMMEDIATE while another turns it to WAL mode, which SQLite's busy
// timeout does not cover.
func retryBusy(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := f()
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// fileIdentity says whether path is still the file opened was: "opened"
// when it is, else what it is now. os.SameFile compares device and inode
// (volume and file index on Windows), so a file deleted, renamed away or
// replaced by another (a restore copied over by rename, a new empty file)
// is told apart, while the server's own connections keep the old one open.
func fileIdentity(path string, opened os.FileInfo) (string, error) {
	now, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return "no such file", nil
	case err != nil:
		return "", err
	case !os.SameFile(opened, now):
		return "another file in its place", nil
	}
	return "opened", nil
}

// regularOrAbsent refuses a database file (or its WAL or shared-memory
// file) that exists but is not a regular file: SQLite would block for good
// opening a FIFO. os.Stat does not open the file, so it cannot block.
func regularOrAbsent(paths ...string) error {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err == nil && !info.Mode().IsRegular() {
			return fmt.Errorf("dirstore: %s is not a regular file (%v); move it away or give another -db", p, info.Mode().Type())
		}
	}
	return nil
}
