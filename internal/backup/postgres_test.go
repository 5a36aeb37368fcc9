package backup_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"kitei/internal/auth"
	"kitei/internal/backup"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestPostgresDumpRestore runs the commands README § Backup documents for
// PostgreSQL — pg_dump -Fc, then pg_restore into an empty database — and
// checks the restored store with kitei: same rows per table, audit chain
// intact.
func TestPostgresDumpRestore(t *testing.T) {
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skip(storetest.EnvPostgres + " not set")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	ctx := context.Background()
	src := storetest.Postgres(t, base)
	svc := auth.NewService(src.Auth(), nil, nil)
	svc.Hash = cheap
	for _, l := range []string{"alice", "bob", "carol"} {
		if _, _, err := svc.CreateUser(ctx, auth.NewUser{Login: l}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := src.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := src.R.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}

	dump := filepath.Join(t.TempDir(), "kitei.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "-n", schema, "-f", dump, "-d", base).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	b := make([]byte, 4)
	rand.Read(b)
	dbname := "kitei_restore_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + dbname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP DATABASE ` + dbname + ` WITH (FORCE)`) })
	u, _ := url.Parse(base)
	u.Path = "/" + dbname
	if out, err := exec.Command("pg_restore", "--no-owner", "-d", u.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dst, err := store.Open(ctx, u.String(), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	rep, err := backup.Check(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Audit.OK || rep.Audit.Entries != want["audit_events"] {
		t.Fatalf("audit after pg_restore: %s (want %d entries)", rep.Audit, want["audit_events"])
	}
	for tab, n := range want {
		if rep.Rows[tab] != n {
			t.Errorf("table %s: restored %d rows, source %d", tab, rep.Rows[tab], n)
		}
	}
}
