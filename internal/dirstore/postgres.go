package dirstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// openPostgres opens a pool on the PostgreSQL database the URL names.
// Replicas share it: every state the directory keeps is in the database.
func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	name := Redact(dsn)
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("dirstore: could not open %s: %w", name, err)
	}
	p.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
	p.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
	db := &DB{kind: Postgres, name: name, write: p, read: p, identity: databaseIdentity(p)}
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("dirstore: could not connect to %s: %w", name, err)
	}
	if err := db.migrate(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return db, nil
}

// databaseIdentity returns the object ID of the current database, which
// changes when it is dropped and made again under the same name.
func databaseIdentity(p *sql.DB) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		var oid int64
		err := p.QueryRowContext(ctx, "SELECT oid::bigint FROM pg_database WHERE datname = current_database()").Scan(&oid)
		if err != nil {
			return "", err
		}
		return "database oid " + strconv.FormatInt(oid, 10), nil
	}
}
