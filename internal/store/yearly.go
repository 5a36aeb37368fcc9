package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/yearly"
)

// Yearly implements yearly.Store.
type Yearly struct{ db *DB }

// Yearly returns the store of plans, annual reports and review decisions.
func (db *DB) Yearly() *Yearly { return &Yearly{db: db} }

var _ yearly.Store = (*Yearly)(nil)

func (s *Yearly) audit(ctx context.Context, tx *sql.Tx, action, objType string, id int64, detail map[string]any) error {
	return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: action, ObjectType: objType,
		ObjectID: strconv.FormatInt(id, 10), Detail: audit.Details(detail)})
}

const yearlyPlanCols = `p.id, p.fiscal_year, p.status, p.note, p.submitted_at, p.approved_at, COALESCE(p.approved_by, 0),
	COALESCE(ap.name, ''), p.decision_note, p.created_at, p.updated_at`

func scanYearlyPlan(row scanner) (yearly.Plan, error) {
	var (
		p                                yearly.Plan
		submitted, approved, created, up string
	)
	err := row.Scan(&p.ID, &p.FiscalYear, &p.Status, &p.Note, &submitted, &approved, &p.ApprovedBy, &p.ApprovedByName,
		&p.DecisionNote, &created, &up)
	p.SubmittedAt, p.ApprovedAt, p.CreatedAt, p.UpdatedAt = parseTime(submitted), parseTime(approved), parseTime(created), parseTime(up)
	return p, err
}

// Plan implements yearly.Store.
func (s *Yearly) Plan(ctx context.Context, fy int) (yearly.Plan, error) {
	p, err := scanYearlyPlan(s.db.R.QueryRowContext(ctx, `SELECT `+yearlyPlanCols+` FROM yearly_plans p
		LEFT JOIN people ap ON ap.id = p.approved_by WHERE p.fiscal_year = $1`, fy))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.E(apperr.NotFound, "yearly.err.no_plan", fy)
	}
	if err != nil {
		return p, err
	}
	p.Items, err = queryAll(ctx, s.db.R, `SELECT i.id, i.plan_id, i.position, i.title, i.area, COALESCE(i.owner_id, 0),
		COALESCE(o.name, ''), i.starts_on, i.ends_on, i.ref, i.status, i.progress, i.note, i.updated_at
		FROM yearly_plan_items i LEFT JOIN people o ON o.id = i.owner_id WHERE i.plan_id = $1 ORDER BY i.position, i.id`,
		func(row scanner) (yearly.PlanItem, error) {
			var (
				it yearly.PlanItem
				up string
			)
			err := row.Scan(&it.ID, &it.PlanID, &it.Position, &it.Title, &it.Area, &it.OwnerID, &it.OwnerName, &it.StartsOn,
				&it.EndsOn, &it.Ref, &it.Status, &it.Progress, &it.Note, &up)
			it.UpdatedAt = parseTime(up)
			return it, err
		}, p.ID)
	return p, err
}

// Plans implements yearly.Store.
func (s *Yearly) Plans(ctx context.Context) ([]yearly.Plan, error) {
	return queryAll(ctx, s.db.R, `SELECT `+yearlyPlanCols+` FROM yearly_plans p LEFT JOIN people ap ON ap.id = p.approved_by
		ORDER BY p.fiscal_year DESC`, scanYearlyPlan)
}

// CreatePlan implements yearly.Store.
func (s *Yearly) CreatePlan(ctx context.Context, p yearly.Plan) (yearly.Plan, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO yearly_plans (fiscal_year, status, note, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, p.FiscalYear, p.Status, p.Note, formatTime(p.CreatedAt)).Scan(&p.ID); err != nil {
			if isUniqueViolation(err) {
				return apperr.E(apperr.Conflict, "yearly.err.plan_exists", p.FiscalYear)
			}
			return err
		}
		return s.audit(ctx, tx, "yearly.plan.create", "yearly_plan", p.ID, map[string]any{"fiscal_year": p.FiscalYear})
	})
	return p, err
}

// SetPlanStatus implements yearly.Store.
func (s *Yearly) SetPlanStatus(ctx context.Context, prev, next yearly.Plan) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE yearly_plans SET status = $1, submitted_at = $2, approved_at = $3,
			approved_by = $4, decision_note = $5, updated_at = $6 WHERE id = $7 AND status = $8`,
			next.Status, timeOrEmpty(next.SubmittedAt), timeOrEmpty(next.ApprovedAt), nullID(next.ApprovedBy), next.DecisionNote,
			formatTime(next.UpdatedAt), prev.ID, prev.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "yearly.err.changed")
		}
		return s.audit(ctx, tx, "yearly.plan."+next.Status, "yearly_plan", prev.ID,
			map[string]any{"fiscal_year": prev.FiscalYear, "from": prev.Status, "to": next.Status, "note": next.DecisionNote})
	})
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// AddItem implements yearly.Store.
func (s *Yearly) AddItem(ctx context.Context, it yearly.PlanItem) (yearly.PlanItem, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO yearly_plan_items (plan_id, position, title, area, owner_id, starts_on,
			ends_on, ref, status, progress, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			it.PlanID, it.Position, it.Title, it.Area, nullID(it.OwnerID), it.StartsOn, it.EndsOn, it.Ref, it.Status, it.Progress,
			it.Note, formatTime(it.UpdatedAt)).Scan(&it.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "yearly.item.add", "yearly_plan_item", it.ID, map[string]any{"plan": it.PlanID, "title": it.Title})
	})
	return it, err
}

// UpdateItem implements yearly.Store.
func (s *Yearly) UpdateItem(ctx context.Context, it yearly.PlanItem) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE yearly_plan_items SET title = $1, area = $2, owner_id = $3, starts_on = $4,
			ends_on = $5, ref = $6, status = $7, progress = $8, note = $9, updated_at = $10 WHERE id = $11 AND plan_id = $12`,
			it.Title, it.Area, nullID(it.OwnerID), it.StartsOn, it.EndsOn, it.Ref, it.Status, it.Progress, it.Note,
			formatTime(it.UpdatedAt), it.ID, it.PlanID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.NotFound, "yearly.err.item")
		}
		return s.audit(ctx, tx, "yearly.item.update", "yearly_plan_item", it.ID,
			map[string]any{"plan": it.PlanID, "title": it.Title, "status": it.Status, "progress": it.Progress})
	})
}

// RemoveItem implements yearly.Store.
func (s *Yearly) RemoveItem(ctx context.Context, planID, itemID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM yearly_plan_items WHERE id = $1 AND plan_id = $2`, itemID, planID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.NotFound, "yearly.err.item")
		}
		return s.audit(ctx, tx, "yearly.item.remove", "yearly_plan_item", itemID, map[string]any{"plan": planID})
	})
}

// SaveReport implements yearly.Store.
func (s *Yearly) SaveReport(ctx context.Context, r yearly.Report) (yearly.Report, error) {
	body, err := json.Marshal(r.Sections)
	if err != nil {
		return r, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO yearly_reports (fiscal_year, sections, generated_at, generated_by)
			VALUES ($1, $2, $3, $4) ON CONFLICT (fiscal_year) DO UPDATE SET sections = excluded.sections,
			generated_at = excluded.generated_at, generated_by = excluded.generated_by RETURNING id`,
			r.FiscalYear, string(body), formatTime(r.GeneratedAt), r.GeneratedBy).Scan(&r.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "yearly.report.generate", "yearly_report", r.ID,
			map[string]any{"fiscal_year": r.FiscalYear, "sections": len(r.Sections)})
	})
	return r, err
}

// Report implements yearly.Store.
func (s *Yearly) Report(ctx context.Context, fy int) (yearly.Report, error) {
	var (
		r        yearly.Report
		body, at string
	)
	err := s.db.R.QueryRowContext(ctx, `SELECT id, fiscal_year, sections, generated_at, generated_by FROM yearly_reports
		WHERE fiscal_year = $1`, fy).Scan(&r.ID, &r.FiscalYear, &body, &at, &r.GeneratedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.E(apperr.NotFound, "yearly.err.no_report_year", fy)
	}
	if err != nil {
		return r, err
	}
	r.GeneratedAt = parseTime(at)
	return r, json.Unmarshal([]byte(body), &r.Sections)
}

// ReportYears implements yearly.Store.
func (s *Yearly) ReportYears(ctx context.Context) ([]int, error) {
	return queryAll(ctx, s.db.R, `SELECT fiscal_year FROM yearly_reports ORDER BY fiscal_year DESC`,
		func(row scanner) (int, error) {
			var y int
			return y, row.Scan(&y)
		})
}

// AddDecision implements yearly.Store.
func (s *Yearly) AddDecision(ctx context.Context, d yearly.Decision) (yearly.Decision, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO yearly_decisions (fiscal_year, kind, text, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, d.FiscalYear, d.Kind, d.Text, nullID(d.DecidedBy),
			formatTime(d.DecidedAt)).Scan(&d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "yearly.decision.add", "yearly_decision", d.ID,
			map[string]any{"fiscal_year": d.FiscalYear, "kind": d.Kind, "text": d.Text})
	})
	return d, err
}

// Decisions implements yearly.Store.
func (s *Yearly) Decisions(ctx context.Context, fy int) ([]yearly.Decision, error) {
	return queryAll(ctx, s.db.R, `SELECT d.id, d.fiscal_year, d.kind, d.text, COALESCE(d.decided_by, 0), COALESCE(p.name, ''),
		d.decided_at FROM yearly_decisions d LEFT JOIN people p ON p.id = d.decided_by WHERE d.fiscal_year = $1 ORDER BY d.id`,
		func(row scanner) (yearly.Decision, error) {
			var (
				d  yearly.Decision
				at string
			)
			err := row.Scan(&d.ID, &d.FiscalYear, &d.Kind, &d.Text, &d.DecidedBy, &d.DecidedByName, &at)
			d.DecidedAt = parseTime(at)
			return d, err
		}, fy)
}

// DateStyle implements yearly.Store.
func (s *Yearly) DateStyle(ctx context.Context, userID int64) (string, error) {
	var style string
	err := s.db.R.QueryRowContext(ctx, `SELECT date_style FROM user_prefs WHERE user_id = $1`, userID).Scan(&style)
	if errors.Is(err, sql.ErrNoRows) {
		return "seireki", nil
	}
	return style, err
}

// SetDateStyle implements yearly.Store.
func (s *Yearly) SetDateStyle(ctx context.Context, userID int64, style string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_prefs (user_id, date_style, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET date_style = excluded.date_style, updated_at = excluded.updated_at`,
			userID, style, nowText()); err != nil {
			return err
		}
		return s.audit(ctx, tx, "account.prefs", "user", userID, map[string]any{"date_style": style})
	})
}
