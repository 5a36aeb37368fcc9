package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func TestOpenMigratesAndAnswers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("ping: %v", err)
		}
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations found")
		}
		for _, s := range st {
			if !strings.Contains(s, "applied") {
				t.Errorf("migration not applied: %s", s)
			}
		}
		// Migrating again is a no-op.
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestTxCommitsAndRollsBack(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := "2026-01-01T00:00:00Z"
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO catalogs (name, created_at) VALUES ($1, $2)", "ok", now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		bad := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO catalogs (name, created_at) VALUES ($1, $2)", "rolled back", now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO catalogs (name, created_at) VALUES ($1, $2)", "ok", now)
			return err // unique violation
		})
		if bad == nil {
			t.Fatal("duplicate name accepted")
		}
		var n int
		if err := db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM catalogs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("catalogs = %d, want 1 (failed transaction must leave nothing)", n)
		}
	})
}

func TestOpenRejectsBadDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ dsn, want string }{
		{"mysql://x", "unknown database scheme"},
		{"", "no database given"},
		{"sqlite:" + filepath.Join(dir, "missing", "k.db"), "does not exist"},
		{"postgres://root@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "cannot connect"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct{ dsn, want string }{"sqlite:" + filepath.Join(ro, "k.db"), "cannot write"})
	}
	for _, c := range cases {
		_, err := store.Open(ctx, c.dsn, store.Options{Migrate: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want error containing %q", c.dsn, err, c.want)
		}
	}
	if ents, _ := os.ReadDir(ro); len(ents) != 0 {
		t.Errorf("failed open left files behind: %v", ents)
	}
}

func TestOpenUnwritableFileLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.db")
	// A folder where the database file should be: open must fail and create nothing.
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), "sqlite:"+path, store.Options{Migrate: true})
	if err == nil {
		t.Fatal("opening a folder as the database succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("files left: %v", ents)
	}
}
