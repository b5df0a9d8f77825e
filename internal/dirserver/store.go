package dirserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// migrations are applied in order; PRAGMA user_version counts how many ran.
// Never edit one that has shipped: append a new one.
var migrations = []string{
	`CREATE TABLE accounts (
		id         INTEGER PRIMARY KEY,
		name       TEXT NOT NULL UNIQUE,
		title      TEXT NOT NULL DEFAULT '',
		updated_at TEXT NOT NULL
	);
	CREATE TABLE domains (
		domain     TEXT PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
	);
	CREATE INDEX domains_account ON domains(account_id);
	CREATE TABLE user_overrides (
		email      TEXT PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
	);
	CREATE INDEX user_overrides_account ON user_overrides(account_id);
	CREATE TABLE providers (
		account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		id          TEXT NOT NULL,
		position    INTEGER NOT NULL,
		config      TEXT NOT NULL, -- the provider-list JSON, without "enforced"; served as it is
		enabled     INTEGER NOT NULL DEFAULT 0,
		enforced    INTEGER NOT NULL DEFAULT 0,
		last_test   TEXT NOT NULL DEFAULT '',
		updated_at  TEXT NOT NULL,
		PRIMARY KEY (account_id, id)
	);
	CREATE TABLE settings (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);`,
}

// store holds two pools on one SQLite file: one connection that writes
// (so writers queue in Go instead of failing with SQLITE_BUSY) and several
// that read, which WAL mode lets run beside the writer.
type store struct {
	w, r   *sql.DB
	lookup *sql.Stmt
}

const lookupSQL = `SELECT config, enforced FROM providers
	WHERE enabled = 1 AND account_id = COALESCE(
		(SELECT account_id FROM user_overrides WHERE email = ?1),
		(SELECT account_id FROM domains WHERE domain = ?2),
		(SELECT id FROM accounts WHERE name = ?3 AND ?3 <> ''))
	ORDER BY position, id`

func openStore(ctx context.Context, path string) (*store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("directory: the database path %q must be a file name without ? or #", path)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("directory: could not open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	s := &store{w: w}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if s.r, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		w.Close()
		return nil, fmt.Errorf("directory: could not open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(2 * runtime.GOMAXPROCS(0))
	s.r.SetMaxIdleConns(2 * runtime.GOMAXPROCS(0))
	if s.lookup, err = s.r.PrepareContext(ctx, lookupSQL); err != nil {
		s.close()
		return nil, fmt.Errorf("directory: could not prepare the lookup: %w", err)
	}
	return s, nil
}

func (s *store) close() error {
	if s.lookup != nil {
		s.lookup.Close()
	}
	var errR error
	if s.r != nil {
		errR = s.r.Close()
	}
	return errors.Join(s.w.Close(), errR)
}

// migrate creates the schema of a new file and brings an older one up to
// date, in one transaction.
func (s *store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("directory: could not read the schema version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("directory: the database has schema version %d; this program knows only up to %d", version, len(migrations))
		}
		for i := version; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("directory: migration %d failed: %w", i+1, err)
			}
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)))
		return err
	})
}

// tx runs f in a write transaction and commits when it returns nil.
func (s *store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("directory: could not start a transaction: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("directory: could not commit: %w", err)
	}
	return nil
}

func (s *store) setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (s *store) setSetting(ctx context.Context, key, value string) error {
	_, err := s.w.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return err
}
