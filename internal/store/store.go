// Package store opens kitei's database on SQLite or PostgreSQL, applies the
// embedded migrations and implements the capability packages' store
// interfaces. All SQL is written once with $N placeholders, which both
// engines accept; where the engines differ, Dialect says which one is in use.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"kitei/internal/metrics"
	"kitei/internal/secrets"
)

// Dialect names the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Placeholder returns the marker of the n-th parameter, for statements
// built with parameters in order. Both engines accept $n, but SQLite keeps
// named and numbered parameters in a list it scans for every bind, which
// grows quadratically with the parameter count; a bare ? is not listed. Use
// this in statements with many parameters (multi-row inserts).
func (d Dialect) Placeholder(n int) string {
	if d == SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

// DefaultDSN is used when neither --db nor KITEI_DB is given.
const DefaultDSN = "sqlite:kitei.db"

// DB is an open store. Reads go through R; writes through W. On SQLite, W is
// a single connection so writers queue in Go instead of spinning on
// SQLITE_BUSY; on PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	R, W    *sql.DB
	// answers is, on PostgreSQL, a small pool of its own for the answer
	// group commits (selfcheck_answers_pg.go): the one writer of the rush
	// must not wait for a connection behind a burst of page reads.
	answers *sql.DB
	dsn     string
	stop    func()   // stops background work (the SQLite checkpointer)
	stmts   sync.Map // query → *sql.Stmt prepared on W (see WriterStmt)
	// shapesReady is the largest batch shape whose answer statements are
	// prepared (selfcheck_answers.go).
	shapesReady atomic.Int32
	ckpt        *checkpointStats
	// Secrets seals stored secrets (TOTP seeds); nil: kept as they are.
	Secrets *secrets.Keyring
}

// Options tune Open.
type Options struct {
	// Migrate applies pending migrations after opening (default behaviour of serve).
	Migrate bool
	// ConnectTimeout bounds the first ping (default 5 s).
	ConnectTimeout time.Duration
}

// Open connects to dsn ("sqlite:PATH" or "postgres://…"), checks that the
// store answers, and applies migrations when asked. It creates nothing when
// it fails.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.ConnectTimeout == 0 {
		opt.ConnectTimeout = 5 * time.Second
	}
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		db, err = openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(ctx, dsn, opt)
	case dsn == "":
		return nil, errors.New("no database given: use --db sqlite:PATH or --db postgres://…")
	default:
		scheme, _, _ := strings.Cut(dsn, ":")
		return nil, fmt.Errorf("unknown database scheme %q: use sqlite:PATH or postgres://…", scheme)
	}
	if err != nil {
		return nil, err
	}
	db.dsn = dsn
	if opt.Migrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path: use sqlite:PATH")
	}
	if path != ":memory:" {
		dir := filepath.Dir(path)
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("sqlite: cannot use %s: folder %s does not exist", path, dir)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("sqlite: cannot use %s: %s is not a folder", path, dir)
		}
	}
	_, statErr := os.Stat(path)
	existed := statErr == nil
	// synchronous=FULL: in WAL mode the WAL is fsynced at every commit, so
	// an acknowledged write survives power loss, not only a process crash.
	q := url.Values{}
	// The writer checkpoints only as a last resort (writerAutoCheckpoint);
	// the checkpointer goroutine does it in the background so a commit does
	// not wait for the database file to be written and synced (checkpoint.go).
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(FULL)",
		"wal_autocheckpoint(" + strconv.Itoa(writerAutoCheckpoint) + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	base := "file:" + path + "?"
	w, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	cleanup := func() {
		w.Close()
		if !existed && path != ":memory:" {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(path + suffix)
			}
		}
	}
	pctx, cancel := context.WithTimeout(ctx, opt.ConnectTimeout)
	defer cancel()
	// A write proves the file is writable (a ping alone opens read-only files).
	if _, err := w.ExecContext(pctx, "CREATE TABLE IF NOT EXISTS kitei_probe (x INTEGER); DROP TABLE kitei_probe"); err != nil {
		cleanup()
		return nil, fmt.Errorf("sqlite: cannot write %s: %s", path, sqliteReason(err))
	}
	r := w
	if path != ":memory:" {
		rq := url.Values{}
		for _, p := range []string{"foreign_keys(1)", "busy_timeout(10000)", "query_only(1)"} {
			rq.Add("_pragma", p)
		}
		r, err = sql.Open("sqlite", base+rq.Encode())
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
	}
	db := &DB{Dialect: SQLite, R: r, W: w}
	if path != ":memory:" {
		ck, err := sql.Open("sqlite", base+url.Values{"_pragma": {"busy_timeout(10000)", "synchronous(FULL)"}}.Encode())
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		ck.SetMaxOpenConns(1)
		db.ckpt = &checkpointStats{}
		db.stop = startCheckpointer(ck, w, db.ckpt)
	}
	return db, nil
}

// sqliteReason shortens the driver's message to its useful part.
func sqliteReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "(") {
		return msg[i+2:]
	}
	return msg
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	pctx, cancel := context.WithTimeout(ctx, opt.ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: cannot connect to %s: %v", redact(dsn), err)
	}
	answers, err := sql.Open("pgx", dsn)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	answers.SetMaxOpenConns(4)
	answers.SetMaxIdleConns(4)
	return &DB{Dialect: Postgres, R: db, W: db, answers: answers}, nil
}

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// Ping reports whether the store answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// WriterStmt returns q prepared on the writer, prepared once and kept
// until Close. Call it outside a transaction (on SQLite the writer is one
// connection) and use the statement in one with tx.StmtContext, which on
// SQLite finds it already prepared on that connection: a statement the
// store runs for every group commit is then parsed once, not every time.
func (db *DB) WriterStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.W.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// preparedStmt is q as WriterStmt prepared it, or nil.
func (db *DB) preparedStmt(q string) *sql.Stmt {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	return nil
}

// Close releases the connections.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stop()
	}
	db.stmts.Range(func(q, st any) bool {
		st.(*sql.Stmt).Close()
		db.stmts.Delete(q)
		return true
	})
	err := db.W.Close()
	if db.answers != nil {
		if e := db.answers.Close(); err == nil {
			err = e
		}
	}
	if db.R != db.W {
		if e := db.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Tx runs fn in a write transaction and commits it; the commit is durable
// when Tx returns nil.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	start := time.Now()
	defer func() { metrics.Commit(time.Since(start), err) }()
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
