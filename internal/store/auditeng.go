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
	"kitei/internal/auditeng"
	"kitei/internal/paging"
	"kitei/internal/tracker"
)

// Audits implements auditeng.Store.
type Audits struct{ db *DB }

// Audits returns the audit store (plans, engagements, working papers).
func (db *DB) Audits() *Audits { return &Audits{db: db} }

var _ auditeng.Store = (*Audits)(nil)

func auditengAudit(ctx context.Context, tx *sql.Tx, d Dialect, action, objType string, id, unitID int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: objType,
		ObjectID: strconv.FormatInt(id, 10), UnitID: unitID, Detail: audit.Details(kv)})
}

func insertAuditNotices(ctx context.Context, tx *sql.Tx, ns []auditeng.Notice) error {
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

const planCols = `p.id, p.fiscal_year, p.title, p.note, p.status, p.created_by, p.created_at, p.updated_at, p.approved_by, p.approved_at,
	(SELECT COUNT(*) FROM audit_engagements e WHERE e.plan_id = p.id)`

func scanPlan(r scanner) (auditeng.Plan, error) {
	var p auditeng.Plan
	var status, created, updated, approved string
	err := r.Scan(&p.ID, &p.FiscalYear, &p.Title, &p.Note, &status, &p.CreatedBy, &created, &updated, &p.ApprovedBy, &approved, &p.Engagements)
	p.Status, p.CreatedAt, p.UpdatedAt = auditeng.PlanStatus(status), parseTime(created), parseTime(updated)
	if approved != "" {
		p.ApprovedAt = parseTime(approved)
	}
	return p, err
}

// CreatePlan implements auditeng.Store.
func (s *Audits) CreatePlan(ctx context.Context, p auditeng.Plan) (auditeng.Plan, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_plans WHERE fiscal_year = $1`, p.FiscalYear).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.E(apperr.Conflict, "auditeng.err.plan_exists", p.FiscalYear)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO audit_plans (fiscal_year, title, note, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, p.FiscalYear, p.Title, p.Note, string(p.Status), p.CreatedBy,
			formatTime(p.CreatedAt)).Scan(&p.ID); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.plan_create", "audit_plan", p.ID, 0,
			map[string]any{"fiscal_year": p.FiscalYear, "title": p.Title})
	})
	return p, err
}

// Plan implements auditeng.Store.
func (s *Audits) Plan(ctx context.Context, id int64) (auditeng.Plan, error) {
	p, err := scanPlan(s.db.R.QueryRowContext(ctx, `SELECT `+planCols+` FROM audit_plans p WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.E(apperr.NotFound, "auditeng.err.plan_not_found", id)
	}
	return p, err
}

// Plans implements auditeng.Store.
func (s *Audits) Plans(ctx context.Context) ([]auditeng.Plan, error) {
	return queryAll(ctx, s.db.R, `SELECT `+planCols+` FROM audit_plans p ORDER BY p.fiscal_year DESC`, scanPlan)
}

// SetPlanStatus implements auditeng.Store.
func (s *Audits) SetPlanStatus(ctx context.Context, prev, next auditeng.Plan, ns []auditeng.Notice) (auditeng.Plan, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE audit_plans SET status = $3, updated_at = $4, approved_by = $5, approved_at = $6
			WHERE id = $1 AND status = $2`, prev.ID, string(prev.Status), string(next.Status), formatTime(next.UpdatedAt),
			next.ApprovedBy, optTime(next.ApprovedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "auditeng.err.changed")
		}
		if next.Status == auditeng.PlanApproved {
			if _, err := tx.ExecContext(ctx, `UPDATE audit_engagements SET status = 'fieldwork', updated_at = $2
				WHERE plan_id = $1 AND status = 'planned'`, prev.ID, formatTime(next.UpdatedAt)); err != nil {
				return err
			}
		}
		if err := insertAuditNotices(ctx, tx, ns); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.plan_"+string(next.Status), "audit_plan", prev.ID, 0,
			map[string]any{"from": string(prev.Status), "to": string(next.Status)})
	})
	if err != nil {
		return prev, err
	}
	return s.Plan(ctx, prev.ID)
}

const engagementCols = `e.id, e.plan_id, e.ad_hoc, e.title, e.kind, e.unit_id, e.system_ref, e.catalog_id, e.scope, e.starts_on,
	e.ends_on, e.objective, e.status, e.selfcheck_id, e.parent_catalog_id, e.summary, e.reported_at, e.reported_by, e.created_by,
	e.created_at, e.updated_at, u.name, u.path, COALESCE(c.name, '')`

const engagementFrom = ` FROM audit_engagements e JOIN units u ON u.id = e.unit_id LEFT JOIN catalogs c ON c.id = e.catalog_id`

func scanEngagement(r scanner) (auditeng.Engagement, error) {
	var e auditeng.Engagement
	var adhoc int
	var scope, status, reported, created, updated string
	err := r.Scan(&e.ID, &e.PlanID, &adhoc, &e.Title, &e.Kind, &e.UnitID, &e.SystemRef, &e.CatalogID, &scope, &e.StartsOn,
		&e.EndsOn, &e.Objective, &status, &e.SelfcheckID, &e.ParentCatalogID, &e.Summary, &reported, &e.ReportedBy, &e.CreatedBy,
		&created, &updated, &e.UnitName, &e.UnitPath, &e.CatalogName)
	e.AdHoc, e.Scope, e.Status = adhoc != 0, strings.Fields(scope), auditeng.Status(status)
	e.CreatedAt, e.UpdatedAt = parseTime(created), parseTime(updated)
	if reported != "" {
		e.ReportedAt = parseTime(reported)
	}
	return e, err
}

// CreateEngagement implements auditeng.Store.
func (s *Audits) CreateEngagement(ctx context.Context, e auditeng.Engagement) (auditeng.Engagement, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO audit_engagements (plan_id, ad_hoc, title, kind, unit_id, system_ref, catalog_id,
			scope, starts_on, ends_on, objective, status, selfcheck_id, parent_catalog_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
			e.PlanID, b2i(e.AdHoc), e.Title, e.Kind, e.UnitID, e.SystemRef, e.CatalogID, strings.Join(e.Scope, " "), e.StartsOn,
			e.EndsOn, e.Objective, string(e.Status), e.SelfcheckID, e.ParentCatalogID, e.CreatedBy, formatTime(e.CreatedAt)).Scan(&e.ID); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.engagement_create", "audit_engagement", e.ID, e.UnitID,
			map[string]any{"plan": e.PlanID, "ad_hoc": e.AdHoc, "title": e.Title, "catalog": e.CatalogID, "scope": strings.Join(e.Scope, " "),
				"starts_on": e.StartsOn, "ends_on": e.EndsOn})
	})
	if err != nil {
		return e, err
	}
	return s.Engagement(ctx, e.ID)
}

func (s *Audits) auditors(ctx context.Context, es []auditeng.Engagement) error {
	for i := range es {
		as, err := queryAll(ctx, s.db.R, `SELECT a.person_id, p.name, COALESCE(u.name, ''), a.outside, a.access_until
			FROM audit_auditors a JOIN people p ON p.id = a.person_id LEFT JOIN units u ON u.id = p.unit_id
			WHERE a.engagement_id = $1 ORDER BY a.created_at, a.person_id`, func(r scanner) (auditeng.Auditor, error) {
			var a auditeng.Auditor
			var outside int
			err := r.Scan(&a.PersonID, &a.Name, &a.UnitName, &outside, &a.AccessUntil)
			a.Outside = outside != 0
			return a, err
		}, es[i].ID)
		if err != nil {
			return err
		}
		es[i].Auditors = as
	}
	return nil
}

// Engagement implements auditeng.Store.
func (s *Audits) Engagement(ctx context.Context, id int64) (auditeng.Engagement, error) {
	e, err := scanEngagement(s.db.R.QueryRowContext(ctx, `SELECT `+engagementCols+engagementFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.E(apperr.NotFound, "auditeng.err.not_found", id)
	}
	if err != nil {
		return e, err
	}
	one := []auditeng.Engagement{e}
	err = s.auditors(ctx, one)
	return one[0], err
}

// engagementKeys orders engagements by start date.
var engagementKeys = keyset{col: "e.starts_on", id: "e.id"}

// Engagements implements auditeng.Store.
func (s *Audits) Engagements(ctx context.Context, f auditeng.EngagementFilter) ([]auditeng.Engagement, error) {
	var args argList
	conds, ok := engagementConds(f, &args)
	if !ok {
		return nil, nil
	}
	cond, err := engagementKeys.after(f.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + engagementCols + engagementFrom + where(append(conds, cond)) + engagementKeys.order(f.Limit)
	es, err := queryAll(ctx, s.db.R, q, scanEngagement, args...)
	if err != nil {
		return nil, err
	}
	return es, s.auditors(ctx, es)
}

// CountEngagements implements auditeng.Store.
func (s *Audits) CountEngagements(ctx context.Context, f auditeng.EngagementFilter) (int, error) {
	var args argList
	conds, ok := engagementConds(f, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_engagements e JOIN units u ON u.id = e.unit_id`+where(conds), args...).Scan(&n)
	return n, err
}

// engagementConds are f's conditions (After and Limit aside) over
// engagements e joined to their units u; false when f shows nothing.
func engagementConds(f auditeng.EngagementFilter, args *argList) ([]string, bool) {
	var conds []string
	if f.PlanID != 0 {
		conds = append(conds, "e.plan_id = "+args.add(f.PlanID))
	}
	if !f.All {
		var or []string
		for _, p := range f.Paths {
			or = append(or, "u.path LIKE "+args.add(escapeLike(p)+"%")+` ESCAPE '\'`)
		}
		if f.AuditorID != 0 {
			live := ""
			if f.Today != "" {
				ph := args.add(f.Today)
				live = " AND (access_until = '' OR access_until >= " + ph + ")"
			}
			or = append(or, "e.id IN (SELECT engagement_id FROM audit_auditors WHERE person_id = "+args.add(f.AuditorID)+live+")")
		}
		for _, p := range f.RespondPaths {
			ph := args.add(escapeLike(p) + "%")
			or = append(or, "(e.status IN ('reported', 'instructed') AND (u.path LIKE "+ph+` ESCAPE '\' OR e.id IN (SELECT i.engagement_id FROM audit_instructions i JOIN units iu ON iu.id = i.unit_id WHERE iu.path LIKE `+ph+` ESCAPE '\')))`)
		}
		if len(or) == 0 {
			return nil, false
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	return conds, true
}

// SetEngagement implements auditeng.Store.
func (s *Audits) SetEngagement(ctx context.Context, prev, next auditeng.Engagement, event string, ins []auditeng.Instruction, ns []auditeng.Notice) (auditeng.Engagement, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE audit_engagements SET status = $3, summary = $4, reported_at = $5, reported_by = $6,
			updated_at = $7 WHERE id = $1 AND status = $2`, prev.ID, string(prev.Status), string(next.Status), next.Summary,
			optTime(next.ReportedAt), next.ReportedBy, formatTime(next.UpdatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "auditeng.err.changed")
		}
		for _, in := range ins {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_instructions (engagement_id, unit_id, body, issued_by, issued_at)
				VALUES ($1, $2, $3, $4, $5)`, prev.ID, in.UnitID, in.Text, in.IssuedBy, formatTime(in.IssuedAt)); err != nil {
				return err
			}
		}
		if err := insertAuditNotices(ctx, tx, ns); err != nil {
			return err
		}
		kv := map[string]any{"from": string(prev.Status), "to": string(next.Status)}
		if len(ins) > 0 {
			var units []string
			for _, in := range ins {
				units = append(units, strconv.FormatInt(in.UnitID, 10))
			}
			kv["instructed_units"] = strings.Join(units, " ")
		}
		if len(ns) > 0 {
			kv["notices"] = len(ns)
		}
		return auditengAudit(ctx, tx, s.db.Dialect, event, "audit_engagement", prev.ID, prev.UnitID, kv)
	})
	if err != nil {
		return prev, err
	}
	return s.Engagement(ctx, prev.ID)
}

// AddAuditor implements auditeng.Store.
func (s *Audits) AddAuditor(ctx context.Context, engagementID int64, a auditeng.Auditor, ns []auditeng.Notice) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM audit_engagements WHERE id = $1`, engagementID).Scan(&unit); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.E(apperr.NotFound, "auditeng.err.not_found", engagementID)
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE audit_auditors SET outside = $3, access_until = $4 WHERE engagement_id = $1 AND person_id = $2`,
			engagementID, a.PersonID, b2i(a.Outside), a.AccessUntil)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_auditors (engagement_id, person_id, outside, access_until, created_at)
				VALUES ($1, $2, $3, $4, $5)`, engagementID, a.PersonID, b2i(a.Outside), a.AccessUntil, formatTime(ns0(ns))); err != nil {
				return err
			}
		}
		if err := insertAuditNotices(ctx, tx, ns); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.auditor_assign", "audit_engagement", engagementID, unit,
			map[string]any{"person": a.PersonID, "outside": a.Outside, "access_until": a.AccessUntil})
	})
}

func ns0(ns []auditeng.Notice) time.Time {
	if len(ns) > 0 {
		return ns[0].CreatedAt
	}
	return time.Now().UTC()
}

// SavePaper implements auditeng.Store.
func (s *Audits) SavePaper(ctx context.Context, p auditeng.Paper) (auditeng.Paper, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM audit_engagements WHERE id = $1`, p.EngagementID).Scan(&unit); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO audit_papers (engagement_id, node_ref, result, observation, auditor_id, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (engagement_id, node_ref) DO UPDATE SET result = excluded.result,
			observation = excluded.observation, auditor_id = excluded.auditor_id, updated_at = excluded.updated_at RETURNING id`,
			p.EngagementID, p.Ref, string(p.Result), p.Observation, p.AuditorID, formatTime(p.UpdatedAt)).Scan(&p.ID); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.paper_save", "audit_engagement", p.EngagementID, unit,
			map[string]any{"ref": p.Ref, "result": string(p.Result), "observation": p.Observation})
	})
	return p, err
}

// Papers implements auditeng.Store.
func (s *Audits) Papers(ctx context.Context, engagementID int64) ([]auditeng.Paper, error) {
	ps, err := queryAll(ctx, s.db.R, `SELECT a.id, a.engagement_id, a.node_ref, a.result, a.observation, a.auditor_id,
		COALESCE(p.name, ''), a.updated_at FROM audit_papers a LEFT JOIN people p ON p.id = a.auditor_id
		WHERE a.engagement_id = $1 ORDER BY a.id`, func(r scanner) (auditeng.Paper, error) {
		var p auditeng.Paper
		var result, at string
		err := r.Scan(&p.ID, &p.EngagementID, &p.Ref, &result, &p.Observation, &p.AuditorID, &p.AuditorName, &at)
		p.Result, p.UpdatedAt = auditeng.Result(result), parseTime(at)
		return p, err
	}, engagementID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT v.node_ref, f.id, f.name, f.media_type, f.size, f.sha256, f.uploaded_by, f.created_at
		FROM audit_evidence v JOIN evidence_files f ON f.id = v.file_id WHERE v.engagement_id = $1 ORDER BY f.id`, engagementID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idx := map[string]int{}
	for i, p := range ps {
		idx[p.Ref] = i
	}
	for rows.Next() {
		var ref, at string
		var f tracker.File
		if err := rows.Scan(&ref, &f.ID, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &f.UploadedBy, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = parseTime(at)
		i, ok := idx[ref]
		if !ok { // evidence before the conclusion: an empty paper holds it
			ps = append(ps, auditeng.Paper{EngagementID: engagementID, Ref: ref})
			i = len(ps) - 1
			idx[ref] = i
		}
		ps[i].Evidence = append(ps[i].Evidence, f)
	}
	out := ps[:0]
	for _, p := range ps {
		if p.Result != "" || len(p.Evidence) > 0 {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// AddEvidence implements auditeng.Store.
func (s *Audits) AddEvidence(ctx context.Context, engagementID int64, ref string, f tracker.File, data []byte) (tracker.File, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM audit_engagements WHERE id = $1`, engagementID).Scan(&unit); err != nil {
			return err
		}
		var err error
		if f.ID, err = insertEvidence(ctx, tx, f, data); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_evidence (engagement_id, node_ref, file_id) VALUES ($1, $2, $3)`,
			engagementID, ref, f.ID); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.evidence", "audit_engagement", engagementID, unit,
			map[string]any{"ref": ref, "file": f.ID, "name": f.Name, "type": f.MediaType, "size": f.Size, "sha256": f.SHA256})
	})
	return f, err
}

// Evidence implements auditeng.Store.
func (s *Audits) Evidence(ctx context.Context, engagementID, fileID int64) (tracker.File, []byte, error) {
	var f tracker.File
	var data []byte
	var at string
	err := s.db.R.QueryRowContext(ctx, `SELECT f.id, f.name, f.media_type, f.size, f.sha256, f.uploaded_by, f.created_at, f.content
		FROM audit_evidence v JOIN evidence_files f ON f.id = v.file_id WHERE v.engagement_id = $1 AND v.file_id = $2`,
		engagementID, fileID).Scan(&f.ID, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &f.UploadedBy, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, apperr.E(apperr.NotFound, "tracker.err.file_not_found", fileID)
	}
	f.CreatedAt = parseTime(at)
	return f, data, err
}

// AddFinding implements auditeng.Store.
func (s *Audits) AddFinding(ctx context.Context, f auditeng.Finding) (auditeng.Finding, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var unit int64
		if err := tx.QueryRowContext(ctx, `SELECT unit_id FROM audit_engagements WHERE id = $1`, f.EngagementID).Scan(&unit); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO audit_findings (engagement_id, node_ref, severity, description, recommendation,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, f.EngagementID, f.Ref, string(f.Severity),
			f.Description, f.Recommendation, f.CreatedBy, formatTime(f.CreatedAt)).Scan(&f.ID); err != nil {
			return err
		}
		return auditengAudit(ctx, tx, s.db.Dialect, "auditeng.finding_add", "audit_engagement", f.EngagementID, unit,
			map[string]any{"finding": f.ID, "ref": f.Ref, "severity": string(f.Severity), "description": f.Description})
	})
	return f, err
}

// Findings implements auditeng.Store.
func (s *Audits) Findings(ctx context.Context, engagementID int64) ([]auditeng.Finding, error) {
	return s.FindingsPage(ctx, engagementID, paging.Cursor{}, 0)
}

// findingKeys orders an engagement's findings for paging: by id.
var findingKeys = keyset{id: "id"}

// FindingsPage implements auditeng.Store.
func (s *Audits) FindingsPage(ctx context.Context, engagementID int64, after paging.Cursor, limit int) ([]auditeng.Finding, error) {
	var args argList
	conds := []string{"engagement_id = " + args.add(engagementID)}
	cond, err := findingKeys.after(after, &args)
	if err != nil {
		return nil, err
	}
	conds = append(conds, cond)
	return queryAll(ctx, s.db.R, `SELECT id, engagement_id, node_ref, severity, description, recommendation, created_by, created_at
		FROM audit_findings`+where(conds)+findingKeys.order(limit), func(r scanner) (auditeng.Finding, error) {
		var f auditeng.Finding
		var sev, at string
		err := r.Scan(&f.ID, &f.EngagementID, &f.Ref, &sev, &f.Description, &f.Recommendation, &f.CreatedBy, &at)
		f.Severity, f.CreatedAt = auditeng.Severity(sev), parseTime(at)
		return f, err
	}, args...)
}

// CountFindings implements auditeng.Store: the engagement's findings, and
// those still open (no remediation action, or one not closed), counted in
// the database through the tracker's index on the action's source.
func (s *Audits) CountFindings(ctx context.Context, engagementID int64) (total, open int, err error) {
	err = s.db.R.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE
		WHEN NOT EXISTS (SELECT 1 FROM tracker_actions a WHERE a.source_kind = $2 AND a.source_id = f.engagement_id AND a.source_item = f.id)
		  OR EXISTS (SELECT 1 FROM tracker_actions a WHERE a.source_kind = $2 AND a.source_id = f.engagement_id AND a.source_item = f.id AND a.status <> $3)
		THEN 1 ELSE 0 END), 0)
		FROM audit_findings f WHERE f.engagement_id = $1`, engagementID, string(tracker.FromAuditFinding), string(tracker.Closed)).Scan(&total, &open)
	return total, open, err
}

// AllFindings implements auditeng.Store.
func (s *Audits) AllFindings(ctx context.Context) ([]auditeng.Finding, error) {
	return queryAll(ctx, s.db.R, `SELECT id, engagement_id, node_ref, severity, '', '', created_by, created_at
		FROM audit_findings ORDER BY engagement_id, id`, func(r scanner) (auditeng.Finding, error) {
		var f auditeng.Finding
		var sev, at string
		err := r.Scan(&f.ID, &f.EngagementID, &f.Ref, &sev, &f.Description, &f.Recommendation, &f.CreatedBy, &at)
		f.Severity, f.CreatedAt = auditeng.Severity(sev), parseTime(at)
		return f, err
	})
}

// Instructions implements auditeng.Store.
func (s *Audits) Instructions(ctx context.Context, engagementID int64) ([]auditeng.Instruction, error) {
	return queryAll(ctx, s.db.R, `SELECT i.id, i.engagement_id, i.unit_id, COALESCE(u.name, ''), i.body, i.issued_by, i.issued_at
		FROM audit_instructions i LEFT JOIN units u ON u.id = i.unit_id WHERE i.engagement_id = $1 ORDER BY i.id`,
		func(r scanner) (auditeng.Instruction, error) {
			var in auditeng.Instruction
			var at string
			err := r.Scan(&in.ID, &in.EngagementID, &in.UnitID, &in.UnitName, &in.Text, &in.IssuedBy, &at)
			in.IssuedAt = parseTime(at)
			return in, err
		}, engagementID)
}
