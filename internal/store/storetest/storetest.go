// Package storetest gives tests a fresh, migrated store on every engine:
// SQLite always, and PostgreSQL when KITEI_TEST_POSTGRES holds a DSN. Each
// PostgreSQL test gets its own schema, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"

	"kitei/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL test DSN.
const EnvPostgres = "KITEI_TEST_POSTGRES"

// Engines runs fn once per available engine as a subtest named after it.
func Engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if dsn := postgresDSN(); dsn != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, dsn)) })
	}
}

// DSNs returns a fresh DSN per available engine (nothing opened yet), for
// tests that start the binary or open the store themselves.
func DSNs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "kitei.db")}
	if dsn := postgresDSN(); dsn != "" {
		out["postgres"] = freshSchema(t, dsn)
	}
	return out
}

func postgresDSN() string { return lookupEnv(EnvPostgres) }

// SQLite opens a fresh migrated SQLite store in a temporary folder.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "kitei.db"), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a fresh migrated store in a new schema of the database at dsn.
func Postgres(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), freshSchema(t, dsn), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// freshSchema creates a schema that is dropped when the test ends and
// returns a DSN whose search_path points at it.
func freshSchema(t testing.TB, dsn string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kitei_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres test schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
