package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// SQLitePath is the file of a SQLite store ("" on PostgreSQL or in memory).
func (db *DB) SQLitePath() string {
	if db.Dialect != SQLite {
		return ""
	}
	p := strings.TrimPrefix(db.dsn, "sqlite:")
	if p == ":memory:" {
		return ""
	}
	return p
}

// BackupSQLite writes a consistent copy of the SQLite store to out with
// VACUUM INTO, on a connection of its own: it reads one snapshot (WAL
// mode), so writers go on committing while it runs and the copy holds
// exactly the transactions committed when it started. out must not exist.
func (db *DB) BackupSQLite(ctx context.Context, out string) error {
	path := db.SQLitePath()
	if path == "" {
		return errors.New("backup: only a SQLite store on disk can be copied by kitei; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s exists; kitei does not overwrite backups", out)
	}
	c, err := sql.Open("sqlite", "file:"+path+"?"+url.Values{"_pragma": {"busy_timeout(10000)"}}.Encode())
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.ExecContext(ctx, `VACUUM INTO $1`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Tables lists the store's tables (kitei's and the migration table).
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect == Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := db.R.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// RowCounts returns the number of rows of every table, read in one
// transaction so the counts belong to one snapshot.
func (db *DB) RowCounts(ctx context.Context) (map[string]int64, error) {
	tables, err := db.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var opts *sql.TxOptions
	if db.Dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	tx, err := db.R.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		// Names come from the catalog, quoted as identifiers.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Empty reports whether the store holds no kitei data yet (no table, or
// only freshly migrated empty tables).
func (db *DB) Empty(ctx context.Context) (bool, error) {
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return false, err
	}
	for t, n := range counts {
		if n > 0 && t != "goose_db_version" && t != "kitei_probe" {
			return false, nil
		}
	}
	return true, nil
}
