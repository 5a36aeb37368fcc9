package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/tracker"
)

// The self-inspection store's reading side (progress, tallies, results,
// reminders), its notices, follow-up actions and job claims.

// UnitStatuses implements selfcheck.Store.
func (s *Selfchecks) UnitStatuses(ctx context.Context, campaignID int64) ([]selfcheck.UnitStatus, error) {
	return s.unitStatuses(ctx, `SELECT unit_id, status, COUNT(*) FROM sc_checklists WHERE campaign_id = $1
		GROUP BY unit_id, status ORDER BY unit_id`, campaignID)
}

// unitStatuses runs q, which counts checklists by unit and status ordered
// by unit, and folds its rows into one UnitStatus a unit.
func (s *Selfchecks) unitStatuses(ctx context.Context, q string, args ...any) ([]selfcheck.UnitStatus, error) {
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.UnitStatus
	for rows.Next() {
		var unit int64
		var status string
		var n int
		if err := rows.Scan(&unit, &status, &n); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].UnitID != unit {
			out = append(out, selfcheck.UnitStatus{UnitID: unit})
		}
		u := &out[len(out)-1]
		switch selfcheck.ChecklistStatus(status) {
		case selfcheck.NotStarted:
			u.NotStarted += n
		case selfcheck.InProgress:
			u.InProgress += n
		case selfcheck.Submitted:
			u.Submitted += n
		}
	}
	return out, rows.Err()
}

// Tallies implements selfcheck.Store.
func (s *Selfchecks) Tallies(ctx context.Context, campaignID int64) ([]selfcheck.Tally, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT unit_id, item_id, n_yes, n_partial, n_no, n_na FROM sc_tally
		WHERE campaign_id = $1`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Tally
	for rows.Next() {
		var t selfcheck.Tally
		if err := rows.Scan(&t.UnitID, &t.ItemID, &t.Yes, &t.Partial, &t.No, &t.NA); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// inList appends " AND col IN (…)" for ids, numbering parameters from next.
func inList(sb *strings.Builder, args []any, col string, ids []int64) []any {
	sb.WriteString(" AND " + col + " IN (")
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		args = append(args, id)
		sb.WriteString("$" + strconv.Itoa(len(args)))
	}
	sb.WriteByte(')')
	return args
}

// Checklists implements selfcheck.Store.
func (s *Selfchecks) Checklists(ctx context.Context, f selfcheck.ChecklistFilter) ([]selfcheck.Checklist, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT ` + checklistCols + `, p.name, p.employee_no, u.name
		FROM sc_checklists c JOIN sc_profiles pr ON pr.id = c.profile_id
		JOIN people p ON p.id = c.person_id JOIN units u ON u.id = c.unit_id WHERE c.campaign_id = $1`)
	args := []any{f.CampaignID}
	if f.UnitIDs != nil {
		if len(f.UnitIDs) == 0 {
			return nil, nil
		}
		args = inList(&sb, args, "c.unit_id", f.UnitIDs)
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		sb.WriteString(" AND c.status = $" + strconv.Itoa(len(args)))
	}
	sb.WriteString(" ORDER BY u.path, p.employee_no")
	if f.Limit > 0 {
		sb.WriteString(" LIMIT " + strconv.Itoa(f.Limit))
	}
	rows, err := s.db.R.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Checklist
	for rows.Next() {
		var name, no, unit string
		c, err := scanChecklist(rows, &name, &no, &unit)
		if err != nil {
			return nil, err
		}
		c.PersonName, c.EmployeeNo, c.UnitName = name, no, unit
		out = append(out, c)
	}
	return out, rows.Err()
}

// personAnswerSelect reads the answers to one item ($2) of a campaign ($1)
// with who gave them; scanPersonAnswer reads a row.
const personAnswerSelect = `SELECT p.id, p.name, p.employee_no, c.unit_id, a.value, a.comment, a.answered_at
		FROM sc_checklists c JOIN sc_answers a ON a.checklist_id = c.id AND a.item_id = $2
		JOIN people p ON p.id = c.person_id WHERE c.campaign_id = $1`

func scanPersonAnswer(row scanner) (selfcheck.PersonAnswer, error) {
	var a selfcheck.PersonAnswer
	var at string
	err := row.Scan(&a.PersonID, &a.PersonName, &a.EmployeeNo, &a.UnitID, &a.Value, &a.Comment, &at)
	a.AnsweredAt = parseTime(at)
	return a, err
}

// ItemAnswers implements selfcheck.Store.
func (s *Selfchecks) ItemAnswers(ctx context.Context, campaignID, itemID int64, unitIDs []int64) ([]selfcheck.PersonAnswer, error) {
	var sb strings.Builder
	sb.WriteString(personAnswerSelect)
	args := []any{campaignID, itemID}
	if unitIDs != nil {
		if len(unitIDs) == 0 {
			return nil, nil
		}
		args = inList(&sb, args, "c.unit_id", unitIDs)
	}
	sb.WriteString(" ORDER BY a.value DESC, p.employee_no")
	return queryAll(ctx, s.db.R, sb.String(), scanPersonAnswer, args...)
}

// Pending implements selfcheck.Store.
func (s *Selfchecks) Pending(ctx context.Context, campaignID int64, unitIDs []int64) ([]selfcheck.Recipient, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT p.id, p.name, p.email FROM sc_checklists c JOIN people p ON p.id = c.person_id
		WHERE c.campaign_id = $1 AND c.status <> 'submitted'`)
	args := []any{campaignID}
	if unitIDs != nil {
		if len(unitIDs) == 0 {
			return nil, nil
		}
		args = inList(&sb, args, "c.unit_id", unitIDs)
	}
	sb.WriteString(" ORDER BY p.id")
	rows, err := s.db.R.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Recipient
	for rows.Next() {
		var r selfcheck.Recipient
		if err := rows.Scan(&r.PersonID, &r.Name, &r.Email); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddNotices implements selfcheck.Store.
func (s *Selfchecks) AddNotices(ctx context.Context, ns []selfcheck.Notice) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		const cols, batch = 5, 150
		var sb strings.Builder
		args := make([]any, 0, cols*batch)
		for start := 0; start < len(ns); start += batch {
			end := min(start+batch, len(ns))
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES `)
			for i := start; i < end; i++ {
				n := ns[i]
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for k := 0; k < cols; k++ {
					if k > 0 {
						sb.WriteByte(',')
					}
					sb.WriteString(s.db.Dialect.Placeholder(len(args) + k + 1))
				}
				sb.WriteByte(')')
				args = append(args, n.PersonID, n.Kind, "selfcheck:"+strconv.FormatInt(n.CampaignID, 10), n.Message, formatTime(n.CreatedAt))
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		if len(ns) == 0 {
			return nil
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.remind", "selfcheck_campaign", ns[0].CampaignID,
			map[string]any{"people": len(ns)})
	})
}

// Notices implements selfcheck.Store.
func (s *Selfchecks) Notices(ctx context.Context, personID int64, limit int) ([]selfcheck.Notice, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, person_id, kind, ref, message, created_at FROM notices
		WHERE person_id = $1 ORDER BY id DESC LIMIT $2`, personID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Notice
	for rows.Next() {
		var n selfcheck.Notice
		var ref, at string
		if err := rows.Scan(&n.ID, &n.PersonID, &n.Kind, &ref, &n.Message, &at); err != nil {
			return nil, err
		}
		if id, ok := strings.CutPrefix(ref, "selfcheck:"); ok {
			n.CampaignID, _ = strconv.ParseInt(id, 10, 64)
		}
		n.CreatedAt = parseTime(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// CreateAction implements selfcheck.Store: it files a tracker action.
func (s *Selfchecks) CreateAction(ctx context.Context, a selfcheck.Action) (selfcheck.Action, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		t := tracker.Action{Source: tracker.Source{Kind: tracker.FromSelfcheckItem, ID: a.CampaignID, Item: a.ItemID,
			Link: "/selfcheck/campaigns/" + strconv.FormatInt(a.CampaignID, 10) + "/results"},
			UnitID: a.UnitID, Title: a.Title, OwnerID: a.OwnerID, DueOn: a.DueOn, Status: tracker.Status(a.Status), Note: a.Note,
			CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM sc_campaigns WHERE id = $1`, a.CampaignID).Scan(&name); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "selfcheck.err.self_inspection_campaign", a.CampaignID)
			}
			return err
		}
		t.Source.Label = name
		if a.ItemID != 0 {
			var r tracker.Requirement
			err := tx.QueryRowContext(ctx, `SELECT e.catalog_id, i.node_ref, i.section_title FROM sc_items i
				JOIN editions e ON e.id = i.edition_id WHERE i.id = $1 AND i.campaign_id = $2`, a.ItemID, a.CampaignID).Scan(&r.CatalogID, &r.Ref, &r.Label)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err == nil {
				t.Source.Label += " " + r.Ref
				t.Requirements = []tracker.Requirement{r}
			}
		}
		t, err := insertAction(ctx, tx, s.db.Dialect, t)
		if err != nil {
			if apperr.Is(err, apperr.Invalid) {
				return apperr.E(apperr.Invalid, "selfcheck.err.person_own_action", a.OwnerID)
			}
			return err
		}
		a.ID = t.ID
		return nil
	})
	return a, err
}

// UpdateAction implements selfcheck.Store (a confirmed action stays closed
// when the page says done).
func (s *Selfchecks) UpdateAction(ctx context.Context, a selfcheck.Action) (selfcheck.Action, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		err := tx.QueryRowContext(ctx, `SELECT unit_id FROM tracker_actions WHERE id = $1 AND source_kind = 'selfcheck_item' AND source_id = $2`,
			a.ID, a.CampaignID).Scan(&unit)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "selfcheck.err.improvement_action_campaign", a.ID, a.CampaignID)
		}
		if err != nil {
			return err
		}
		at := formatTime(a.UpdatedAt)
		done := ""
		if a.Status == selfcheck.ActionDone {
			done = at
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tracker_actions SET title = $2, owner_id = $3, due_on = $4,
			status = CASE WHEN status = 'closed' AND $5 = 'done' THEN 'closed' ELSE $5 END, note = $6, updated_at = $7,
			done_at = CASE WHEN status = 'closed' THEN done_at ELSE $8 END WHERE id = $1`,
			a.ID, a.Title, a.OwnerID, a.DueOn, string(a.Status), a.Note, at, done); err != nil {
			return err
		}
		return trackerAudit(ctx, tx, s.db.Dialect, "tracker.update", tracker.Action{ID: a.ID, UnitID: unit},
			map[string]any{"status": string(a.Status), "owner": a.OwnerID, "due_on": a.DueOn, "note": a.Note, "source": "selfcheck"})
	})
	return a, err
}

// Actions implements selfcheck.Store: the campaign's tracker actions.
func (s *Selfchecks) Actions(ctx context.Context, campaignID int64) ([]selfcheck.Action, error) {
	return s.actions(ctx, campaignID, nil)
}

// ActionsPage implements selfcheck.Store: one page of the campaign's
// actions by due date (cursor: the due date and id of the last one).
func (s *Selfchecks) ActionsPage(ctx context.Context, campaignID int64, req paging.Request) ([]selfcheck.Action, error) {
	return s.actions(ctx, campaignID, &req)
}

func (s *Selfchecks) actions(ctx context.Context, campaignID int64, req *paging.Request) ([]selfcheck.Action, error) {
	q := `SELECT a.id, a.source_id, a.source_item, a.unit_id, a.title, a.owner_id, a.due_on,
		a.status, a.note, a.created_at, a.updated_at, COALESCE(p.name, ''), COALESCE(i.node_ref, ''), COALESCE(u.name, '')
		FROM tracker_actions a LEFT JOIN people p ON p.id = a.owner_id LEFT JOIN sc_items i ON i.id = a.source_item
		LEFT JOIN units u ON u.id = a.unit_id WHERE a.source_kind = 'selfcheck_item' AND a.source_id = $1`
	args := argList{campaignID}
	limit := 0
	if req != nil {
		cond, err := actionKeys.after(req.After, &args)
		if err != nil {
			return nil, err
		}
		if cond != "" {
			q += " AND " + cond
		}
		limit = req.Fetch()
	}
	rows, err := s.db.R.QueryContext(ctx, q+actionKeys.order(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Action
	for rows.Next() {
		var a selfcheck.Action
		var status, created, updated string
		if err := rows.Scan(&a.ID, &a.CampaignID, &a.ItemID, &a.UnitID, &a.Title, &a.OwnerID, &a.DueOn, &status, &a.Note,
			&created, &updated, &a.OwnerName, &a.ItemRef, &a.UnitName); err != nil {
			return nil, err
		}
		if status == string(tracker.Closed) {
			status = string(selfcheck.ActionDone)
		}
		a.Status = selfcheck.ActionStatus(status)
		a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ClaimJob implements selfcheck.Store.
func (s *Selfchecks) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	won := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			key, now.UTC().Format(jobTime)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET claimed_by = $2, claimed_until = $3
			WHERE key = $1 AND done_at = '' AND (claimed_by = '' OR claimed_until < $4)`,
			key, owner, leaseUntil.UTC().Format(jobTime), now.UTC().Format(jobTime))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

// FinishJob implements selfcheck.Store.
func (s *Selfchecks) FinishJob(ctx context.Context, key, owner string, at time.Time) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE jobs SET done_at = $3 WHERE key = $1 AND claimed_by = $2`,
		key, owner, at.UTC().Format(jobTime))
	return err
}

// EachAnswer calls fn for every stored answer of a campaign (for the
// benchmark's and the crash test's check that acknowledged answers exist).
func (s *Selfchecks) EachAnswer(ctx context.Context, campaignID int64, fn func(personID, itemID int64, v selfcheck.Value)) error {
	rows, err := s.db.R.QueryContext(ctx, `SELECT c.person_id, a.item_id, a.value FROM sc_checklists c
		JOIN sc_answers a ON a.checklist_id = c.id WHERE c.campaign_id = $1`, campaignID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p, i int64
		var v selfcheck.Value
		if err := rows.Scan(&p, &i, &v); err != nil {
			return err
		}
		fn(p, i, v)
	}
	return rows.Err()
}

// PeoplePaths maps every active person to the path of their unit (for the
// benchmark server's sign-in stand-in).
func (s *Selfchecks) PeoplePaths(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT p.id, u.path FROM people p JOIN units u ON u.id = p.unit_id
		WHERE p.status = 'active'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			return nil, err
		}
		out[id] = path
	}
	return out, rows.Err()
}
