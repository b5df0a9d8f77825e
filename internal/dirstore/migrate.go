package dirstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// migrationFiles are the schema's steps, numbered from 1 without gaps:
// NNNN_name.sql runs on both databases; NNNN_name.sqlite.sql and
// NNNN_name.postgres.sql, when a step needs each its own SQL. Never edit a
// step that has shipped: add the next number. Step 3 holds the broker's
// tables (signing keys, authorization requests, upstream flows, sessions
// and refresh tokens), step 5 the rate limits' buckets.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$`)

// migrationLock is the PostgreSQL advisory lock held while migrating
// ("dialtone" in ASCII), so that replicas starting at once take turns.
const migrationLock = 0x6469616c746f6e65

// migrations returns the steps for kind, in order.
func migrations(fsys fs.FS, kind Kind) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("dirstore: could not list the migrations: %w", err)
	}
	byVersion := map[int]migration{}
	specific := map[int]bool{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("dirstore: migration file %q is not named NNNN_name[.sqlite|.postgres].sql", e.Name())
		}
		if m[3] != "" && Kind(m[3]) != kind {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		if _, dup := byVersion[v]; dup && specific[v] == (m[3] != "") {
			return nil, fmt.Errorf("dirstore: two migrations numbered %d for %s", v, kind)
		}
		if specific[v] {
			continue // the kind's own file wins over the common one
		}
		text, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("dirstore: could not read migration %s: %w", e.Name(), err)
		}
		byVersion[v] = migration{version: v, name: m[2], sql: string(text)}
		specific[v] = m[3] != ""
	}
	var out []migration
	for _, m := range byVersion {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("dirstore: migration %d for %s is missing", i+1, kind)
		}
	}
	return out, nil
}

// migrate applies the steps the database has not run, in one transaction
// and under a lock: PostgreSQL's advisory lock, SQLite's write lock
// (BEGIN IMMEDIATE). schema_migrations records each step run.
func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("dirstore: %w", err)
	}
	steps, err := migrations(sub, db.kind)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if db.kind == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
				return fmt.Errorf("dirstore: could not take the migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("dirstore: could not create schema_migrations: %w", err)
		}
		if db.kind == SQLite {
			if err := adoptUserVersion(ctx, tx, steps); err != nil {
				return err
			}
		}
		if err := applySteps(ctx, tx, db.kind, steps); err != nil {
			return err
		}
		db.id, err = databaseID(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	db.version = len(steps)
	return nil
}

// databaseID returns the random ID the database was given when it was
// made, giving it one if it has none. Check compares it, so that a
// database replaced by another (a different file copied over this one, a
// database dropped and made again by another replica) is told apart even
// where the file or database name stays the same.
func databaseID(ctx context.Context, tx *sql.Tx) (string, error) {
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS database_identity (id TEXT PRIMARY KEY)"); err != nil {
		return "", fmt.Errorf("dirstore: could not create database_identity: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO database_identity(id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM database_identity)", rand.Text()); err != nil {
		return "", fmt.Errorf("dirstore: could not name the database: %w", err)
	}
	var id string
	if err := tx.QueryRowContext(ctx, "SELECT id FROM database_identity").Scan(&id); err != nil {
		return "", fmt.Errorf("dirstore: could not read the database's ID: %w", err)
	}
	return id, nil
}

// applySteps runs the steps after the last one recorded.
func applySteps(ctx context.Context, tx *sql.Tx, kind Kind, steps []migration) error {
	var done int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&done); err != nil {
		return fmt.Errorf("dirstore: could not read the schema version: %w", err)
	}
	if done > len(steps) {
		return fmt.Errorf("dirstore: the database has schema version %d; this program knows only up to %d", done, len(steps))
	}
	for _, m := range steps[done:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("dirstore: migration %d (%s) failed: %w", m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES($1, $2, $3)",
			m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("dirstore: could not record migration %d: %w", m.version, err)
		}
	}
	if kind == SQLite {
		// An older program reads PRAGMA user_version and refuses a file
		// from a newer one.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
			return fmt.Errorf("dirstore: could not set the schema version: %w", err)
		}
	}
	return nil
}

// adoptUserVersion records as run the steps that a file made before
// schema_migrations existed counted in PRAGMA user_version.
func adoptUserVersion(ctx context.Context, tx *sql.Tx, steps []migration) error {
	var recorded, userVersion int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&recorded); err != nil {
		return fmt.Errorf("dirstore: could not read schema_migrations: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&userVersion); err != nil {
		return fmt.Errorf("dirstore: could not read the schema version: %w", err)
	}
	if recorded > 0 || userVersion == 0 {
		return nil
	}
	if userVersion > len(steps) {
		return fmt.Errorf("dirstore: the database has schema version %d; this program knows only up to %d", userVersion, len(steps))
	}
	for _, m := range steps[:userVersion] {
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES($1, $2, 'before schema_migrations')", m.version, m.name); err != nil {
			return errors.Join(fmt.Errorf("dirstore: could not record migration %d", m.version), err)
		}
	}
	return nil
}
