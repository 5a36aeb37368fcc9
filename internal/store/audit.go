package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/audit"
)

// AuditLog implements audit.Store.
type AuditLog struct{ db *DB }

// Audit returns the audit trail store.
func (db *DB) Audit() *AuditLog { return &AuditLog{db: db} }

var _ audit.Store = (*AuditLog)(nil)

const auditCols = `seq, at, actor, actor_id, action, object_type, object_id, unit_id, ip, detail, prev_hash, hash`

// AppendAudit chains ev after the current head and stores it inside tx, so a
// change and its audit entry commit or roll back together. The actor comes
// from ctx when ev names none (audit.WithActor).
//
// Appends are serialised: on PostgreSQL the head row is locked (SELECT …
// FOR UPDATE) until tx ends, so concurrent transactions, on any number of
// kitei replicas, chain one after another; on SQLite every write
// transaction already holds the database's single write lock. Call it last
// in a transaction, just before commit, to hold that lock briefly.
func AppendAudit(ctx context.Context, tx *sql.Tx, dialect Dialect, ev *audit.Event) error {
	if err := ev.Prepare(ctx, time.Now()); err != nil {
		return err
	}
	q := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var head audit.Head
	if err := tx.QueryRowContext(ctx, q).Scan(&head.Seq, &head.Hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit: %w", audit.ErrNoHead)
		}
		return fmt.Errorf("audit: read chain head: %w", err)
	}
	next := ev.Seal(head)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		ev.Seq, ev.At.Format(audit.TimeLayout), ev.Actor, ev.ActorID, ev.Action, ev.ObjectType, ev.ObjectID,
		ev.UnitID, ev.IP, ev.Detail, ev.PrevHash, ev.Hash); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3`,
		next.Seq, next.Hash, head.Seq)
	if err != nil {
		return fmt.Errorf("audit: move chain head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("audit: chain head moved during append")
	}
	return nil
}

// Append implements audit.Store.
func (a *AuditLog) Append(ctx context.Context, ev *audit.Event) error {
	return a.db.Tx(ctx, func(tx *sql.Tx) error { return AppendAudit(ctx, tx, a.db.Dialect, ev) })
}

// auditWhere turns a filter into a WHERE clause and its arguments.
func auditWhere(f audit.Filter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !f.From.IsZero() {
		conds = append(conds, "at >= "+arg(f.From.UTC().Format(audit.TimeLayout)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "at < "+arg(f.To.UTC().Format(audit.TimeLayout)))
	}
	if f.Actor != "" {
		conds = append(conds, "actor = "+arg(f.Actor))
	}
	if p := strings.TrimSpace(f.Action); p != "" {
		// A dotted prefix: "auth" and "auth." match "auth.login", not "authz.deny".
		exact := strings.TrimSuffix(p, ".")
		prefix := exact + "."
		col := "action"
		if f.ByTime() {
			// Read a period through the index on at: the action's index
			// would have the engine read that action's events of all years.
			col = "(action || '')"
		}
		conds = append(conds, fmt.Sprintf("(%[1]s = %[2]s OR substr(action, 1, %[3]s) = %[4]s)",
			col, arg(exact), arg(utf8.RuneCountInString(prefix)), arg(prefix)))
	}
	if f.ObjectType != "" {
		conds = append(conds, "object_type = "+arg(f.ObjectType))
	}
	if f.ObjectID != "" {
		conds = append(conds, "object_id = "+arg(f.ObjectID))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List implements audit.Store.
func (a *AuditLog) List(ctx context.Context, f audit.Filter) ([]audit.Event, error) {
	where, args := auditWhere(f)
	ks := keyset{id: "seq", desc: true}
	if f.ByTime() {
		ks.col = "at"
	}
	al := argList(args)
	after, err := ks.after(f.After, &al)
	if err != nil {
		return nil, err
	}
	if after != "" {
		if where == "" {
			where = " WHERE " + after
		} else {
			where += " AND " + after
		}
	}
	q := `SELECT ` + auditCols + ` FROM audit_events` + where + ks.order(0)
	if f.Limit > 0 || f.Offset > 0 {
		limit := int64(f.Limit)
		if limit <= 0 {
			limit = math.MaxInt64
		}
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(f.Offset, 0))
	}
	rows, err := a.db.R.QueryContext(ctx, q, al...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Count implements audit.Store.
func (a *AuditLog) Count(ctx context.Context, f audit.Filter) (int64, error) {
	var n int64
	if !f.Filtered() {
		// The numbering has no gaps: two index reads instead of a scan.
		if err := a.db.R.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(seq) FROM audit_events) - (SELECT MIN(seq) FROM audit_events) + 1, 0)`).Scan(&n); err != nil {
			return 0, fmt.Errorf("audit: count: %w", err)
		}
		if f.Limit > 0 {
			n = min(n, int64(f.Limit))
		}
		return n, nil
	}
	where, args := auditWhere(f)
	q := `SELECT COUNT(*) FROM audit_events` + where
	if f.Limit > 0 {
		q = fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM audit_events%s LIMIT %d) AS x`, where, f.Limit)
	}
	if err := a.db.R.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: count: %w", err)
	}
	return n, nil
}

// Iterate implements audit.Store. The head and the events are read in one
// read transaction (one snapshot), so appends running meanwhile are either
// wholly in what it sees or not at all.
func (a *AuditLog) Iterate(ctx context.Context, fn func(audit.Event) error) (audit.Head, error) {
	var opts *sql.TxOptions
	if a.db.Dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := a.db.R.BeginTx(ctx, opts)
	if err != nil {
		return audit.Head{}, fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback()
	var head audit.Head
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return head, audit.ErrNoHead
		}
		return head, fmt.Errorf("audit: read chain head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_events ORDER BY seq`)
	if err != nil {
		return head, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return head, err
		}
		if err := fn(e); err != nil {
			return head, err
		}
	}
	return head, rows.Err()
}

func scanAudit(row scanner) (audit.Event, error) {
	var (
		e  audit.Event
		at string
	)
	err := row.Scan(&e.Seq, &at, &e.Actor, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.UnitID, &e.IP, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, fmt.Errorf("audit: read entry: %w", err)
	}
	// A time that no longer parses stays zero and so fails its hash check.
	e.At, _ = time.Parse(audit.TimeLayout, at)
	return e, nil
}
