// Package dirstoretest gives tests a fresh, empty database of each kind the
// directory runs on: a SQLite file in the test's temporary folder, and a
// PostgreSQL schema of its own in the server that DIALTONE_TEST_POSTGRES
// names (.ci/with-postgres starts one). It must never import a Dialtone
// package but dirstore, whose kinds it names.
package dirstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"dialtone/internal/dirstore"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the PostgreSQL server the tests use, as a
// postgres:// URL of a database the user may create schemas in.
const EnvPostgres = "DIALTONE_TEST_POSTGRES"

// Backend is one kind of database a test runs on.
type Backend struct {
	Kind dirstore.Kind
	// NewDSN returns the DSN of a new, empty database, removed when the
	// test ends. Several Opens of one DSN share that database.
	NewDSN func(t testing.TB) string
}

// Backends returns SQLite and, when DIALTONE_TEST_POSTGRES is set,
// PostgreSQL. Under CI (CI set, and not "false" or "0") a missing
// PostgreSQL fails the test instead of leaving it out.
func Backends(t testing.TB) []Backend {
	t.Helper()
	backends := []Backend{{Kind: dirstore.SQLite, NewDSN: newSQLite}}
	if os.Getenv(EnvPostgres) != "" {
		return append(backends, Backend{Kind: dirstore.Postgres, NewDSN: NewPostgres})
	}
	requirePostgresUnderCI(t)
	return backends
}

// Run runs f as a subtest named after each backend's kind.
func Run(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(string(b.Kind), func(t *testing.T) { f(t, b) })
	}
}

func requirePostgresUnderCI(t testing.TB) {
	t.Helper()
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatalf("%s is not set under CI: run the tests inside .ci/with-postgres", EnvPostgres)
	}
}

func newSQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "directory.db")
}

// NewPostgres makes a schema of its own in the DIALTONE_TEST_POSTGRES
// database and returns a DSN whose search_path is that schema; the schema
// is dropped when the test ends. It skips the test when the variable is
// not set (and fails it under CI).
func NewPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		requirePostgresUnderCI(t)
		t.Skipf("%s is not set; run the test inside .ci/with-postgres", EnvPostgres)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	schema := "t_" + hex.EncodeToString(randomBytes(8))
	admin(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func admin(t testing.TB, dsn, statement string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), statement); err != nil {
		t.Fatalf("postgres: %s: %v", statement, err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
