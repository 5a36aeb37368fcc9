// Package backup makes consistent online backups of a SQLite store and
// restores them into an empty store, and checks a store after a restore
// (rows per table, the audit chain). PostgreSQL stores are backed up with
// pg_dump and restored with pg_restore (see README § Backup); Check then
// proves the restored store with kitei.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"kitei/internal/audit"
	"kitei/internal/store"
)

// Backup writes a consistent copy of the store at db to out while kitei
// keeps serving (see store.DB.BackupSQLite).
func Backup(ctx context.Context, db *store.DB, out string) error {
	return db.BackupSQLite(ctx, out)
}

// Restore copies the backup file into the SQLite store at dsn, which must
// not exist yet or be empty. The backup is checked first (SQLite integrity
// check, a kitei audit trail inside); the copy goes to a temporary file that
// is synced and renamed, so a failed restore leaves nothing half written.
func Restore(ctx context.Context, file, dsn string) error {
	target, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return errors.New("restore: kitei restores SQLite backups; restore a PostgreSQL store with pg_restore (README § Backup) and check it with `kitei restore --check`")
	}
	if err := checkFile(ctx, file); err != nil {
		return err
	}
	if st, err := os.Stat(target); err == nil {
		if st.Size() > 0 {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				return err
			}
			empty, err := db.Empty(ctx)
			db.Close()
			if err != nil {
				return err
			}
			if !empty {
				return fmt.Errorf("restore: %s already holds data; restore into an empty store", target)
			}
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(target + suffix)
		}
	}
	in, err := os.Open(file)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(target), ".kitei-restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// checkFile opens a backup read-only and checks that it is a sound SQLite
// database holding a kitei audit trail.
func checkFile(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	c, err := sql.Open("sqlite", "file:"+file+"?"+url.Values{"mode": {"ro"}}.Encode())
	if err != nil {
		return err
	}
	defer c.Close()
	var res string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("restore: %s is not a SQLite database: %v", file, err)
	}
	if res != "ok" {
		return fmt.Errorf("restore: %s is damaged: %s", file, res)
	}
	var n int
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("restore: %s is not a kitei backup (no audit trail)", file)
	}
	return nil
}

// Report is the outcome of Check.
type Report struct {
	Rows  map[string]int64 `json:"rows"`
	Audit audit.Result     `json:"audit"`
}

// Check reads the rows per table and verifies the audit chain of db.
func Check(ctx context.Context, db *store.DB) (Report, error) {
	var r Report
	var err error
	if r.Rows, err = db.RowCounts(ctx); err != nil {
		return r, err
	}
	r.Audit, err = audit.Verify(ctx, db.Audit())
	return r, err
}
