package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/tracker"
)

// Tracker implements tracker.Store.
type Tracker struct{ db *DB }

// Tracker returns the improvement tracker's store.
func (db *DB) Tracker() *Tracker { return &Tracker{db: db} }

var _ tracker.Store = (*Tracker)(nil)

const actionCols = `a.id, a.source_kind, a.source_id, a.source_item, a.source_label, a.source_link, a.unit_id, a.title,
	a.description, a.owner_id, a.due_on, a.status, a.note, a.created_by, a.created_at, a.updated_at, a.done_at,
	a.closed_by, a.closed_at, COALESCE(u.name, ''), COALESCE(u.path, ''), COALESCE(p.name, ''), COALESCE(c.name, '')`

const actionFrom = ` FROM tracker_actions a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN people p ON p.id = a.owner_id
	LEFT JOIN people c ON c.id = a.closed_by`

func scanAction(row scanner) (tracker.Action, error) {
	var a tracker.Action
	var kind, status, created, updated, done, closed string
	err := row.Scan(&a.ID, &kind, &a.Source.ID, &a.Source.Item, &a.Source.Label, &a.Source.Link, &a.UnitID, &a.Title,
		&a.Description, &a.OwnerID, &a.DueOn, &status, &a.Note, &a.CreatedBy, &created, &updated, &done,
		&a.ClosedBy, &closed, &a.UnitName, &a.UnitPath, &a.OwnerName, &a.ClosedByName)
	a.Source.Kind, a.Status = tracker.SourceKind(kind), tracker.Status(status)
	a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
	if done != "" {
		a.DoneAt = parseTime(done)
	}
	if closed != "" {
		a.ClosedAt = parseTime(closed)
	}
	return a, err
}

func trackerAudit(ctx context.Context, tx *sql.Tx, d Dialect, action string, a tracker.Action, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: "tracker_action",
		ObjectID: strconv.FormatInt(a.ID, 10), UnitID: a.UnitID, Detail: audit.Details(kv)})
}

func insertTrackerNotices(ctx context.Context, tx *sql.Tx, ns []tracker.Notice) error {
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// CreateAction implements tracker.Store.
func (s *Tracker) CreateAction(ctx context.Context, a tracker.Action, ns []tracker.Notice) (tracker.Action, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = insertAction(ctx, tx, s.db.Dialect, a)
		if err != nil {
			return err
		}
		for i := range ns {
			if ns[i].Ref == "" {
				ns[i].Ref = "tracker:" + strconv.FormatInt(a.ID, 10)
			}
		}
		return insertTrackerNotices(ctx, tx, ns)
	})
	return a, err
}

// insertAction stores a new action with its requirements and audit event
// inside tx (also used by the capabilities that file actions in their own
// transactions).
func insertAction(ctx context.Context, tx *sql.Tx, d Dialect, a tracker.Action) (tracker.Action, error) {
	if err := tx.QueryRowContext(ctx, `INSERT INTO tracker_actions (source_kind, source_id, source_item, source_label, source_link,
		unit_id, title, description, owner_id, due_on, status, note, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		string(a.Source.Kind), a.Source.ID, a.Source.Item, a.Source.Label, a.Source.Link, a.UnitID, a.Title, a.Description,
		a.OwnerID, a.DueOn, string(a.Status), a.Note, a.CreatedBy, formatTime(a.CreatedAt)).Scan(&a.ID); err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return a, apperr.E(apperr.Invalid, "tracker.err.owner")
		}
		return a, err
	}
	seen := map[string]bool{}
	for _, r := range a.Requirements {
		k := strconv.FormatInt(r.CatalogID, 10) + "/" + r.Ref
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO tracker_requirements (action_id, catalog_id, node_ref, label) VALUES ($1, $2, $3, $4)`,
			a.ID, r.CatalogID, r.Ref, r.Label); err != nil {
			return a, err
		}
	}
	refs := make([]string, 0, len(a.Requirements))
	for _, r := range a.Requirements {
		refs = append(refs, r.Ref)
	}
	return a, trackerAudit(ctx, tx, d, "tracker.create", a, map[string]any{"source": string(a.Source.Kind),
		"source_id": a.Source.ID, "source_item": a.Source.Item, "title": a.Title, "owner": a.OwnerID, "due_on": a.DueOn,
		"requirements": strings.Join(refs, " ")})
}

// Action implements tracker.Store.
func (s *Tracker) Action(ctx context.Context, id int64) (tracker.Action, error) {
	a, err := scanAction(s.db.R.QueryRowContext(ctx, `SELECT `+actionCols+actionFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.E(apperr.NotFound, "tracker.err.not_found", id)
	}
	if err != nil {
		return a, err
	}
	one := []tracker.Action{a}
	if err := s.requirements(ctx, one); err != nil {
		return a, err
	}
	a = one[0]
	if a.Progress, err = queryAll(ctx, s.db.R, `SELECT g.id, g.action_id, g.on_date, g.author_id, COALESCE(p.name, ''), g.body, g.created_at
		FROM tracker_progress g LEFT JOIN people p ON p.id = g.author_id WHERE g.action_id = $1 ORDER BY g.on_date, g.id`,
		func(r scanner) (tracker.Progress, error) {
			var g tracker.Progress
			var at string
			err := r.Scan(&g.ID, &g.ActionID, &g.On, &g.AuthorID, &g.AuthorName, &g.Text, &at)
			g.CreatedAt = parseTime(at)
			return g, err
		}, id); err != nil {
		return a, err
	}
	a.Evidence, err = queryAll(ctx, s.db.R, `SELECT f.id, f.name, f.media_type, f.size, f.sha256, f.uploaded_by, f.created_at
		FROM tracker_evidence e JOIN evidence_files f ON f.id = e.file_id WHERE e.action_id = $1 ORDER BY f.id`, scanFile, id)
	return a, err
}

func scanFile(r scanner) (tracker.File, error) {
	var f tracker.File
	var at string
	err := r.Scan(&f.ID, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &f.UploadedBy, &at)
	f.CreatedAt = parseTime(at)
	return f, err
}

func (s *Tracker) requirements(ctx context.Context, as []tracker.Action) error {
	if len(as) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(as))
	var args argList
	ph := make([]string, 0, len(as))
	for i, a := range as {
		idx[a.ID] = i
		ph = append(ph, args.add(a.ID))
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT action_id, catalog_id, node_ref, label FROM tracker_requirements
		WHERE action_id IN (`+strings.Join(ph, ", ")+`) ORDER BY action_id, catalog_id, node_ref`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r tracker.Requirement
		if err := rows.Scan(&id, &r.CatalogID, &r.Ref, &r.Label); err != nil {
			return err
		}
		i := idx[id]
		as[i].Requirements = append(as[i].Requirements, r)
	}
	return rows.Err()
}

// actionKeys orders improvement actions by due date, for the tracker's
// lists and a campaign's actions alike.
var actionKeys = keyset{col: "a.due_on", id: "a.id"}

// Actions implements tracker.Store.
func (s *Tracker) Actions(ctx context.Context, f tracker.Filter) ([]tracker.Action, error) {
	var args argList
	conds, ok := actionConds(f, &args)
	if !ok {
		return nil, nil
	}
	cond, err := actionKeys.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + actionCols + actionFrom + where(append(conds, cond)) + actionKeys.order(f.Limit)
	out, err := queryAll(ctx, s.db.R, q, scanAction, args...)
	if err != nil {
		return nil, err
	}
	return out, s.requirements(ctx, out)
}

// CountActions implements tracker.Store.
func (s *Tracker) CountActions(ctx context.Context, f tracker.Filter) (int, error) {
	var args argList
	conds, ok := actionConds(f, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM tracker_actions a LEFT JOIN units u ON u.id = a.unit_id`+where(conds), args...).Scan(&n)
	return n, err
}

// actionConds are f's conditions (After and Limit aside) over actions a
// joined to their units u; false when the scope shows nothing.
func actionConds(f tracker.Filter, args *argList) ([]string, bool) {
	var conds []string
	if f.OwnerID != 0 {
		conds = append(conds, "a.owner_id = "+args.add(f.OwnerID))
	}
	if !f.Scope.All {
		var or []string
		for _, p := range f.Scope.Paths {
			or = append(or, "u.path LIKE "+args.add(escapeLike(p)+"%")+` ESCAPE '\'`)
		}
		if f.Scope.OrPerson != 0 {
			or = append(or, "a.owner_id = "+args.add(f.Scope.OrPerson))
		}
		if f.OwnerID == 0 {
			if len(or) == 0 {
				return nil, false
			}
			conds = append(conds, "("+strings.Join(or, " OR ")+")")
		}
	}
	if f.SourceKind != "" {
		conds = append(conds, "a.source_kind = "+args.add(string(f.SourceKind)))
	}
	if f.SourceID != 0 {
		conds = append(conds, "a.source_id = "+args.add(f.SourceID))
	}
	if f.SourceItem != 0 {
		conds = append(conds, "a.source_item = "+args.add(f.SourceItem))
	}
	if len(f.SourceItems) > 0 {
		in := make([]string, len(f.SourceItems))
		for i, it := range f.SourceItems {
			in[i] = args.add(it)
		}
		conds = append(conds, "a.source_item IN ("+strings.Join(in, ", ")+")")
	}
	if f.OpenOnly {
		conds = append(conds, "a.status <> 'closed'")
	}
	if f.Unfinished {
		conds = append(conds, "a.status NOT IN ('done', 'closed')")
	}
	if f.Status != "" {
		conds = append(conds, "a.status = "+args.add(string(f.Status)))
	}
	if f.DueBefore != "" {
		conds = append(conds, "a.due_on < "+args.add(f.DueBefore))
	}
	if f.NotOwner != 0 {
		conds = append(conds, "a.owner_id <> "+args.add(f.NotOwner))
	}
	return conds, true
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Change implements tracker.Store.
func (s *Tracker) Change(ctx context.Context, prev, next tracker.Action, event string, pr *tracker.Progress, ns []tracker.Notice) (tracker.Action, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tracker_actions SET owner_id = $3, due_on = $4, status = $5, note = $6,
			updated_at = $7, done_at = $8, closed_by = $9, closed_at = $10
			WHERE id = $1 AND status = $2 AND updated_at = $11`,
			prev.ID, string(prev.Status), next.OwnerID, next.DueOn, string(next.Status), next.Note, formatTime(next.UpdatedAt),
			optTime(next.DoneAt), next.ClosedBy, optTime(next.ClosedAt), formatTime(prev.UpdatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "tracker.err.changed")
		}
		if pr != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tracker_progress (action_id, on_date, author_id, body, created_at)
				VALUES ($1, $2, $3, $4, $5)`, prev.ID, pr.On, pr.AuthorID, pr.Text, formatTime(pr.CreatedAt)); err != nil {
				return err
			}
		}
		if err := insertTrackerNotices(ctx, tx, ns); err != nil {
			return err
		}
		kv := map[string]any{"from": string(prev.Status), "to": string(next.Status)}
		if next.OwnerID != prev.OwnerID {
			kv["owner"] = next.OwnerID
		}
		if next.DueOn != prev.DueOn {
			kv["due_on"] = next.DueOn
		}
		if pr != nil {
			kv["progress"] = pr.Text
		}
		return trackerAudit(ctx, tx, s.db.Dialect, event, prev, kv)
	})
	if err != nil {
		return prev, err
	}
	return s.Action(ctx, prev.ID)
}

// insertEvidence stores an evidence file inside tx and returns its id.
func insertEvidence(ctx context.Context, tx *sql.Tx, f tracker.File, data []byte) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO evidence_files (name, media_type, size, sha256, content, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, f.Name, f.MediaType, f.Size, f.SHA256, data, f.UploadedBy,
		formatTime(f.CreatedAt)).Scan(&id)
	return id, err
}

// AddEvidence implements tracker.Store.
func (s *Tracker) AddEvidence(ctx context.Context, actionID int64, f tracker.File, data []byte) (tracker.File, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM tracker_actions WHERE id = $1`, actionID).Scan(&unit); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "tracker.err.not_found", actionID)
			}
			return err
		}
		var err error
		if f.ID, err = insertEvidence(ctx, tx, f, data); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tracker_evidence (action_id, file_id) VALUES ($1, $2)`, actionID, f.ID); err != nil {
			return err
		}
		return trackerAudit(ctx, tx, s.db.Dialect, "tracker.evidence", tracker.Action{ID: actionID, UnitID: unit},
			map[string]any{"file": f.ID, "name": f.Name, "type": f.MediaType, "size": f.Size, "sha256": f.SHA256})
	})
	return f, err
}

// Evidence implements tracker.Store.
func (s *Tracker) Evidence(ctx context.Context, actionID, fileID int64) (tracker.File, []byte, error) {
	var data []byte
	var f tracker.File
	var at string
	err := s.db.R.QueryRowContext(ctx, `SELECT f.id, f.name, f.media_type, f.size, f.sha256, f.uploaded_by, f.created_at, f.content
		FROM tracker_evidence e JOIN evidence_files f ON f.id = e.file_id WHERE e.action_id = $1 AND e.file_id = $2`,
		actionID, fileID).Scan(&f.ID, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &f.UploadedBy, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, apperr.E(apperr.NotFound, "tracker.err.file_not_found", fileID)
	}
	f.CreatedAt = parseTime(at)
	return f, data, err
}

// EvidenceCount counts the stored evidence files (tests check that refused
// uploads store nothing).
func (db *DB) EvidenceCount(ctx context.Context) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM evidence_files`).Scan(&n)
	return n, err
}

// ClaimJob implements tracker.Store (the shared jobs table).
func (s *Tracker) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return s.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// DeliverJob implements tracker.Store.
func (s *Tracker) DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []tracker.Notice) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = $3 WHERE key = $1 AND claimed_by = $2 AND done_at = ''`,
			key, owner, at.UTC().Format(jobTime))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return apperr.E(apperr.Conflict, "tracker.err.changed")
		}
		if err := insertTrackerNotices(ctx, tx, ns); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "tracker.notify", ObjectType: "job", ObjectID: key,
			Detail: audit.Details(map[string]any{"notices": len(ns)})})
	})
}
