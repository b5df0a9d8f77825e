package dirserver

import (
	"context"
	"database/sql"
	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestDeletedDatabaseFailsHealthAndRefusesWrites deletes the database
// under a running server (the SQLite file; the PostgreSQL schema, dropped
// and made again empty): /healthz fails with the reason, writes answer 503
// in JSON and save nothing, and the log says so once.
func TestDeletedDatabaseFailsHealthAndRefusesWrites(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		var log syncBuffer
		d := newTestDirOn(t, b, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		if status, body := d.getRaw(t, "/healthz"); status != 200 || body != "ok\n" {
			t.Fatalf("/healthz before = %d %q, want 200 ok", status, body)
		}

		deleteDatabase(t, b.Kind, d.Path)

		status, body := d.getRaw(t, "/healthz")
		if status != 503 || !strings.HasPrefix(body, "unavailable: ") {
			t.Errorf("/healthz after = %d %q, want 503 with the reason", status, body)
		}
		if b.Kind == dirstore.SQLite && !strings.Contains(body, "deleted or replaced") {
			t.Errorf("/healthz after = %q, want it to say the file was deleted or replaced", body)
		}
		var e apiError
		if status := d.api(t, "PUT", "/admin/v1/accounts/globex", Account{Domains: []string{"globex.test"}}, &e); status != 503 || e.Code != "unavailable" {
			t.Errorf("PUT after = %d %+v, want 503 unavailable", status, e)
		}
		d.getRaw(t, "/healthz")
		if n := strings.Count(log.String(), `msg="directory: the database is unavailable`); n != 1 {
			t.Errorf("the log says %d times that the database is unavailable, want once:\n%s", n, log.String())
		}
	})
}

// deleteDatabase removes the SQLite file (with its WAL), or drops the
// PostgreSQL test schema and makes it again, empty.
func deleteDatabase(t *testing.T, kind dirstore.Kind, dsn string) {
	t.Helper()
	if kind == dirstore.SQLite {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dsn + suffix); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		return
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", os.Getenv(dirstoretest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
}
