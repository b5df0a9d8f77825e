package dirstore_test

import (
	"context"
	"database/sql"
	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestOpenMigratesOnce(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		dsn := b.NewDSN(t)
		for range 2 {
			db, err := dirstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := versions(t, db); got != "1 2 3 4 5" {
				t.Errorf("schema_migrations = %q, want 1 2 3 4 5 once each", got)
			}
			db.Close()
		}
	})
}

// TestReplicasStartingAtOnceMigrateOnce opens one new database from 8
// goroutines at once: the migration lock lets one migrate, and the others
// find it done.
func TestReplicasStartingAtOnceMigrateOnce(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		dsn := b.NewDSN(t)
		var wg sync.WaitGroup
		dbs := make([]*dirstore.DB, 8)
		errs := make([]error, 8)
		for i := range dbs {
			wg.Go(func() { dbs[i], errs[i] = dirstore.Open(context.Background(), dsn) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
			defer dbs[i].Close()
		}
		if got := versions(t, dbs[0]); got != "1 2 3 4 5" {
			t.Errorf("schema_migrations = %q, want 1 2 3 4 5 once each", got)
		}
	})
}

func versions(t *testing.T, db *dirstore.DB) string {
	t.Helper()
	rows, err := db.Read().Query("SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	return strings.Join(got, " ")
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		dsn := b.NewDSN(t)
		db, err := dirstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tx(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES(99, 'future', 'x')")
			return err
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dirstore.Open(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "schema version 99") {
			t.Errorf("Open = %v, want a schema version error", err)
		}
	})
}

// TestOpenAdoptsUserVersion opens a file made before schema_migrations
// existed, which counted its one step in PRAGMA user_version.
func TestOpenAdoptsUserVersion(t *testing.T) {
	path := t.TempDir() + "/old.db"
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile("migrations/0001_directory.sqlite.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(string(first) + "; INSERT INTO accounts(name, updated_at) VALUES('acme', 'x'); PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	old.Close()
	db, err := dirstore.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open of a user_version 1 file: %v", err)
	}
	defer db.Close()
	var version int
	if err := db.Read().QueryRow("SELECT version FROM accounts WHERE name = 'acme'").Scan(&version); err != nil || version != 1 {
		t.Errorf("acme's version = %d, %v; want the account kept, migrated to version 1", version, err)
	}
	if got := versions(t, db); got != "1 2 3 4 5" {
		t.Errorf("schema_migrations = %q, want 1 2 3 4 5", got)
	}
}

func TestCheckNoticesDeletedAndReplacedFile(t *testing.T) {
	for _, how := range []string{"deleted", "replaced"} {
		t.Run(how, func(t *testing.T) {
			path := t.TempDir() + "/directory.db"
			db, err := dirstore.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Check(context.Background()); err != nil {
				t.Fatalf("Check of a fresh file: %v", err)
			}
			os.Remove(path)
			if how == "replaced" {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err = db.Check(context.Background())
			if !errors.Is(err, dirstore.ErrUnavailable) || !strings.Contains(err.Error(), "deleted or replaced") {
				t.Errorf("Check = %v, want ErrUnavailable saying deleted or replaced", err)
			}
			err = db.Tx(context.Background(), func(tx *sql.Tx) error {
				t.Error("Tx ran on a deleted database")
				return nil
			})
			if !errors.Is(err, dirstore.ErrUnavailable) {
				t.Errorf("Tx = %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestCheckNoticesDroppedSchema(t *testing.T) {
	dsn := dirstoretest.NewPostgres(t)
	db, err := dirstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Read().Exec("DROP TABLE schema_migrations"); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(context.Background()); !errors.Is(err, dirstore.ErrUnavailable) {
		t.Errorf("Check = %v, want ErrUnavailable", err)
	}
}

// TestCheckNoticesAnotherDatabaseInItsPlace replaces the database by
// another with the same schema where a name check cannot see it: another
// SQLite file's bytes written over the open file (the same inode), a
// PostgreSQL schema dropped and made again by another replica's start.
func TestCheckNoticesAnotherDatabaseInItsPlace(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		dsn := b.NewDSN(t)
		db, err := dirstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if b.Kind == dirstore.SQLite {
			overwriteWithAnotherFile(t, dsn)
		} else {
			remakeSchema(t, db, dsn)
		}
		if err := db.Check(context.Background()); !errors.Is(err, dirstore.ErrUnavailable) {
			t.Errorf("Check = %v, want ErrUnavailable", err)
		}
	})
}

func overwriteWithAnotherFile(t *testing.T, path string) {
	t.Helper()
	otherPath := t.TempDir() + "/other.db"
	other, err := dirstore.Open(context.Background(), otherPath)
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	data, err := os.ReadFile(otherPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil { // truncates: the same inode
		t.Fatal(err)
	}
}

func remakeSchema(t *testing.T, db *dirstore.DB, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if _, err := db.Read().Exec("DROP SCHEMA " + schema + " CASCADE; CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	again, err := dirstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

func TestIsUniqueViolation(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		db, err := dirstore.Open(context.Background(), b.NewDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		insert := func(tx *sql.Tx) error {
			_, err := tx.Exec("INSERT INTO settings(key, value) VALUES('k', 'v')")
			return err
		}
		if err := db.Tx(context.Background(), insert); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(context.Background(), insert); !dirstore.IsUniqueViolation(err) {
			t.Errorf("second insert: %v, want a unique violation", err)
		}
	})
}

func TestRedact(t *testing.T) {
	got := dirstore.Redact("postgres://dialtone:s3cret@127.0.0.1:5432/dialtone?sslmode=disable")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "127.0.0.1:5432") {
		t.Errorf("Redact = %q, want the password gone and the host kept", got)
	}
}
