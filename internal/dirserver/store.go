package dirserver

import (
	"context"
	"database/sql"
	"dialtone/internal/broker"
	"dialtone/internal/dirstore"
	"dialtone/internal/sealed"
	"errors"
	"fmt"
)

// database is the storage the server runs on: dirstore.DB, on a SQLite
// file or a PostgreSQL database. The SQL of this package runs on both.
type database interface {
	// Read returns the pool to read with.
	Read() *sql.DB
	// Tx runs f in a write transaction, after checking that the
	// database is still the one opened.
	Tx(ctx context.Context, f func(*sql.Tx) error) error
	// WriteUnchecked returns the pool that writes, for the rate limits'
	// one-statement counters (internal/ratelimit).
	WriteUnchecked() *sql.DB
	// Check reports a database that was deleted, replaced or does not
	// answer, with an error wrapping dirstore.ErrUnavailable.
	Check(ctx context.Context) error
	// Kind says whether it is SQLite or PostgreSQL.
	Kind() dirstore.Kind
	Close() error
}

// store is the directory's data in a database, with the lookup prepared.
type store struct {
	db     database
	lookup *sql.Stmt
	// key seals Brokered providers' client secrets; nil when no broker
	// runs. brokerRedirect is the broker's redirect URI, for the views.
	key            *sealed.Key
	brokerRedirect string
	// revoke revokes, in the background, the upstream refresh tokens of
	// the broker's sessions a committed change ended
	// (broker.Broker.RevokeUpstream); nil when no broker runs.
	revoke func(*broker.Revocations)
}

// revokeUpstream hands the upstream refresh tokens collected in a
// committed change to the broker.
func (s *store) revokeUpstream(revs *broker.Revocations) {
	if s.revoke != nil {
		s.revoke(revs)
	}
}

const lookupSQL = `SELECT p.config, p.enforced, p.mode, p.broker_ref, a.line_registrar, a.line_audience
	FROM providers p JOIN accounts a ON a.id = p.account_id
	WHERE p.enabled AND p.account_id = COALESCE(
		(SELECT account_id FROM user_overrides WHERE email = $1),
		(SELECT account_id FROM domains WHERE domain = $2),
		(SELECT id FROM accounts WHERE name = $3 AND $3 <> ''))
	ORDER BY p.position, p.id`

// openStore opens the database dsn names (a SQLite file name or a
// postgres:// URL) and brings its schema up to date.
func openStore(ctx context.Context, dsn string) (*store, error) {
	db, err := dirstore.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("dirserver: %w", err)
	}
	s := &store{db: db}
	if s.lookup, err = db.Read().PrepareContext(ctx, lookupSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("dirserver: could not prepare the lookup: %w", err)
	}
	return s, nil
}

func (s *store) close() error {
	return errors.Join(s.lookup.Close(), s.db.Close())
}

// tx runs f in a write transaction and commits when it returns nil.
func (s *store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	return s.db.Tx(ctx, f)
}

// exec runs one write statement in its own transaction.
func (s *store) exec(ctx context.Context, query string, args ...any) (n int64, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

func (s *store) setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.Read().QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}
