package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/crosswalk"
)

// Crosswalk implements crosswalk.Store.
type Crosswalk struct{ db *DB }

// Crosswalk returns the crosswalk link store.
func (db *DB) Crosswalk() *Crosswalk { return &Crosswalk{db: db} }

var _ crosswalk.Store = (*Crosswalk)(nil)

const linkCols = `id, from_catalog_id, from_edition_id, from_ref, to_catalog_id, to_edition_id, to_ref,
	kind, status, score, confirmed_by, confirmed_at, note, created_at`

func scanLink(row scanner) (crosswalk.Link, error) {
	var (
		l                  crosswalk.Link
		confirmed, created string
	)
	err := row.Scan(&l.ID, &l.FromCatalog, &l.FromEdition, &l.FromRef, &l.ToCatalog, &l.ToEdition, &l.ToRef,
		&l.Kind, &l.Status, &l.Score, &l.ConfirmedBy, &confirmed, &l.Note, &created)
	if err != nil {
		return l, err
	}
	if confirmed != "" {
		l.ConfirmedAt = parseTime(confirmed)
	}
	l.CreatedAt = parseTime(created)
	return l, nil
}

func countLinks(ctx context.Context, tx *sql.Tx, fromEd, toEd int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM crosswalk_links WHERE from_edition_id = $1 AND to_edition_id = $2`,
		fromEd, toEd).Scan(&n)
	return n, err
}

// SaveSuggestions implements crosswalk.Store.
func (s *Crosswalk) SaveSuggestions(ctx context.Context, links []crosswalk.Link) (int, error) {
	if len(links) == 0 {
		return 0, nil
	}
	for _, l := range links {
		if err := l.Validate(); err != nil {
			return 0, err
		}
	}
	type pair struct{ from, to int64 }
	pairs := map[pair]bool{}
	for _, l := range links {
		pairs[pair{l.FromEdition, l.ToEdition}] = true
	}
	const cols = 11
	const batch = 80 // 880 parameters, under SQLite's limit
	now := formatTime(time.Now())
	added := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before := 0
		for p := range pairs {
			n, err := countLinks(ctx, tx, p.from, p.to)
			if err != nil {
				return err
			}
			before += n
		}
		var (
			sb   strings.Builder
			args []any
		)
		d := s.db.Dialect
		for start := 0; start < len(links); start += batch {
			end := min(start+batch, len(links))
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO crosswalk_links (from_catalog_id, from_edition_id, from_ref,
				to_catalog_id, to_edition_id, to_ref, kind, status, score, note, created_at) VALUES `)
			for i := start; i < end; i++ {
				l := links[i]
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for k := 0; k < cols; k++ {
					if k > 0 {
						sb.WriteByte(',')
					}
					sb.WriteString(d.Placeholder(len(args) + k + 1))
				}
				sb.WriteByte(')')
				args = append(args, l.FromCatalog, l.FromEdition, l.FromRef, l.ToCatalog, l.ToEdition, l.ToRef,
					l.Kind, crosswalk.StatusSuggested, l.Score, l.Note, now)
			}
			sb.WriteString(` ON CONFLICT (from_edition_id, from_ref, to_edition_id, to_ref) DO UPDATE
				SET score = excluded.score WHERE crosswalk_links.status = 'suggested'`)
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		after := 0
		for p := range pairs {
			n, err := countLinks(ctx, tx, p.from, p.to)
			if err != nil {
				return err
			}
			after += n
		}
		added = after - before
		first := links[0]
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{
			Action: crosswalk.ActionSuggest, ObjectType: "crosswalk",
			ObjectID: strconv.FormatInt(first.FromEdition, 10) + "→" + strconv.FormatInt(first.ToEdition, 10),
			Detail: audit.Details(map[string]any{"from_catalog": first.FromCatalog, "to_catalog": first.ToCatalog,
				"suggestions": len(links), "new": added}),
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store crosswalk suggestions: %w", err)
	}
	return added, nil
}

func linkEvent(l crosswalk.Link) *audit.Event {
	action := crosswalk.ActionConfirm
	if l.Status == crosswalk.StatusRejected {
		action = crosswalk.ActionReject
	}
	return &audit.Event{
		Action: action, ObjectType: "crosswalk_link", ObjectID: strconv.FormatInt(l.ID, 10),
		Detail: audit.Details(map[string]any{"from_edition": l.FromEdition, "from_ref": l.FromRef,
			"to_edition": l.ToEdition, "to_ref": l.ToRef, "kind": l.Kind, "note": l.Note}),
	}
}

// PutLink implements crosswalk.Store.
func (s *Crosswalk) PutLink(ctx context.Context, l crosswalk.Link) (crosswalk.Link, error) {
	if err := l.Validate(); err != nil {
		return l, err
	}
	if l.Status == crosswalk.StatusSuggested {
		return l, apperr.E(apperr.Invalid, "crosswalk.err.link_made_by_person_confirmed")
	}
	var out crosswalk.Link
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `INSERT INTO crosswalk_links (from_catalog_id, from_edition_id, from_ref,
			to_catalog_id, to_edition_id, to_ref, kind, status, score, confirmed_by, confirmed_at, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (from_edition_id, from_ref, to_edition_id, to_ref) DO UPDATE
			SET kind = excluded.kind, status = excluded.status, confirmed_by = excluded.confirmed_by,
				confirmed_at = excluded.confirmed_at, note = excluded.note
			RETURNING `+linkCols,
			l.FromCatalog, l.FromEdition, l.FromRef, l.ToCatalog, l.ToEdition, l.ToRef, l.Kind, l.Status, l.Score,
			l.ConfirmedBy, formatTime(l.ConfirmedAt), l.Note, formatTime(time.Now()))
		var err error
		if out, err = scanLink(row); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, linkEvent(out))
	})
	if err != nil {
		return out, fmt.Errorf("store crosswalk link: %w", err)
	}
	return out, nil
}

// SetStatus implements crosswalk.Store.
func (s *Crosswalk) SetStatus(ctx context.Context, id int64, status, kind, note, by string, at time.Time) (crosswalk.Link, error) {
	var out crosswalk.Link
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		l, err := scanLink(tx.QueryRowContext(ctx, `SELECT `+linkCols+` FROM crosswalk_links WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "crosswalk.err.link", id)
		}
		if err != nil {
			return err
		}
		l.Status, l.ConfirmedBy, l.ConfirmedAt, l.Note = status, by, at, note
		if kind != "" {
			l.Kind = kind
		}
		if err := l.Validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE crosswalk_links SET status = $1, kind = $2, note = $3,
			confirmed_by = $4, confirmed_at = $5 WHERE id = $6`,
			l.Status, l.Kind, l.Note, l.ConfirmedBy, formatTime(at), id); err != nil {
			return err
		}
		out = l
		return AppendAudit(ctx, tx, s.db.Dialect, linkEvent(l))
	})
	if err != nil {
		if apperr.CodeOf(err) != apperr.Internal {
			return out, err
		}
		return out, fmt.Errorf("store crosswalk status: %w", err)
	}
	return out, nil
}

// ConfirmAbove implements crosswalk.Store.
func (s *Crosswalk) ConfirmAbove(ctx context.Context, fromEdition, toEdition int64, min float64, by string, at time.Time) (int, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE crosswalk_links SET status = 'confirmed', confirmed_by = $1, confirmed_at = $2
			WHERE from_edition_id = $3 AND to_edition_id = $4 AND status = 'suggested' AND score >= $5`,
			by, formatTime(at), fromEdition, toEdition, min)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{
			Action: crosswalk.ActionConfirm, ObjectType: "crosswalk",
			ObjectID: strconv.FormatInt(fromEdition, 10) + "→" + strconv.FormatInt(toEdition, 10),
			Detail:   audit.Details(map[string]any{"bulk": true, "min_score": min, "confirmed": n}),
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store crosswalk bulk confirm: %w", err)
	}
	return int(n), nil
}

// Link implements crosswalk.Store.
func (s *Crosswalk) Link(ctx context.Context, id int64) (crosswalk.Link, error) {
	l, err := scanLink(s.db.R.QueryRowContext(ctx, `SELECT `+linkCols+` FROM crosswalk_links WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.E(apperr.NotFound, "crosswalk.err.link", id)
	}
	return l, err
}

// Links implements crosswalk.Store.
func (s *Crosswalk) Links(ctx context.Context, f crosswalk.Filter) ([]crosswalk.Link, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.FromEdition != 0 {
		add("from_edition_id = ?", f.FromEdition)
	}
	if f.ToEdition != 0 {
		add("to_edition_id = ?", f.ToEdition)
	}
	if f.FromRef != "" {
		add("from_ref = ?", f.FromRef)
	}
	if f.ToRef != "" {
		add("to_ref = ?", f.ToRef)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.MinScore > 0 {
		add("score >= ?", f.MinScore)
	}
	q := `SELECT ` + linkCols + ` FROM crosswalk_links`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY from_edition_id, from_ref, score DESC, id`
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crosswalk.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
