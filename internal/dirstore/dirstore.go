// Package dirstore is the provider directory's database: it opens SQLite
// (one machine) or PostgreSQL (several replicas) by the DSN it is given,
// brings the schema up to date with numbered migrations under a lock, and
// tells whether the database is still the one it opened.
//
// The SQL of the directory itself lives where it is used (internal/dirserver)
// and is written so that it runs on both. dirstore never imports the
// directory's HTTP side, nor anything of the desktop (keyring, browser,
// Fyne, session).
package dirstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Kind is the kind of database a DSN names.
type Kind string

// The kinds of database.
const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// ErrUnavailable reports that the database cannot be used: it was deleted
// or replaced while the program ran, or it does not answer. Every error of
// Check and of a refused Tx wraps it.
var ErrUnavailable = errors.New("dirstore: the database is unavailable")

// KindOf returns the kind of database dsn names: a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file name.
func KindOf(dsn string) Kind {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Redact returns dsn without its password, for logs and messages.
func Redact(dsn string) string {
	if KindOf(dsn) != Postgres {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// DB is an open, migrated directory database. It is safe for concurrent
// use.
type DB struct {
	kind  Kind
	name  string // the DSN without its password
	write *sql.DB
	read  *sql.DB // the same as write for PostgreSQL
	// identity returns what identifies the database now; Check compares
	// it with what it returned at Open.
	identity func(ctx context.Context) (string, error)
	opened   string
	version  int
	id       string // database_identity's ID, read at Open
	// stop ends the SQLite checkpoints; stopped is closed when they have.
	stop, stopped chan struct{}
	closeOnce     sync.Once
}

// Open opens the database dsn names (see KindOf), creating a SQLite file
// when there is none, and applies the migrations it has not run yet, under
// a lock so that replicas starting at once do not race. A database whose
// schema is newer than this program's is refused.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	if KindOf(dsn) == Postgres {
		db, err = openPostgres(ctx, dsn)
	} else {
		db, err = openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if db.opened, err = db.identity(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("dirstore: could not identify %s: %w", db.name, err)
	}
	return db, nil
}

// Kind says whether the database is SQLite or PostgreSQL.
func (db *DB) Kind() Kind { return db.kind }

// String names the database without its password.
func (db *DB) String() string { return db.name }

// Read returns the pool to read with. On SQLite it is read-only, beside
// the one connection that writes.
func (db *DB) Read() *sql.DB { return db.read }

// WriteUnchecked returns the pool that writes, for single statements
// whose writes may be lost with a database that was replaced: counters
// such as rate limits, updated on every request. Unlike Tx it does not
// Check the database first, which would cost more than the write itself.
// Everything else writes through Tx.
func (db *DB) WriteUnchecked() *sql.DB { return db.write }

// Close closes the database. It may be called more than once.
func (db *DB) Close() error {
	if db.stop != nil {
		db.closeOnce.Do(func() { close(db.stop) })
		<-db.stopped
	}
	if db.read != db.write {
		return errors.Join(db.read.Close(), db.write.Close())
	}
	return db.write.Close()
}

// Check reports whether the database is still the one Open opened and
// answers with the schema version Open left: a SQLite file that was
// deleted or replaced (its device and inode differ from the path's, or its
// content is another database's), or a PostgreSQL database that was
// dropped and made again, fails. Its errors wrap ErrUnavailable.
func (db *DB) Check(ctx context.Context) error {
	now, err := db.identity(ctx)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, db.name, err)
	}
	if now != db.opened {
		return fmt.Errorf("%w: %s was deleted or replaced while the server ran (now: %s)", ErrUnavailable, db.name, now)
	}
	var version int
	var id string
	err = db.read.QueryRowContext(ctx, "SELECT (SELECT COALESCE(MAX(version), 0) FROM schema_migrations), (SELECT id FROM database_identity)").Scan(&version, &id)
	if err != nil {
		return fmt.Errorf("%w: %s does not answer: %w", ErrUnavailable, db.name, err)
	}
	if id != db.id {
		return fmt.Errorf("%w: %s was replaced by another database while the server ran", ErrUnavailable, db.name)
	}
	if version != db.version {
		return fmt.Errorf("%w: %s has schema version %d, not %d", ErrUnavailable, db.name, version, db.version)
	}
	if db.kind != SQLite {
		return nil
	}
	if err := db.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("%w: %s does not answer: %w", ErrUnavailable, db.name, err)
	}
	if version != db.version {
		return fmt.Errorf("%w: %s has PRAGMA user_version %d, not %d", ErrUnavailable, db.name, version, db.version)
	}
	return nil
}

// Tx runs f in a write transaction and commits when f returns nil. It
// checks the database first (see Check) and refuses to write to one that
// was deleted or replaced. On SQLite, transactions queue for the one
// writing connection; on PostgreSQL they run at READ COMMITTED, so a write
// that must not lose another's update says which version it expects in
// its WHERE clause.
func (db *DB) Tx(ctx context.Context, f func(*sql.Tx) error) error {
	if err := db.Check(ctx); err != nil {
		return err
	}
	return db.tx(ctx, f)
}

func (db *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dirstore: could not start a transaction: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dirstore: could not commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure of either database: a row another writer made first.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
