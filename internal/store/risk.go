package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/risk"
)

// Risks implements risk.Store.
type Risks struct{ db *DB }

// Risks returns the risk store.
func (db *DB) Risks() *Risks { return &Risks{db: db} }

var _ risk.Store = (*Risks)(nil)

// Method implements risk.Store.
func (s *Risks) Method(ctx context.Context) (risk.Method, bool, error) {
	var v string
	err := s.db.R.QueryRowContext(ctx, `SELECT value FROM risk_settings WHERE key = 'method'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return risk.Method{}, false, nil
	}
	if err != nil {
		return risk.Method{}, false, err
	}
	m, err := risk.DecodeMethod(v)
	return m, err == nil, err
}

// SaveMethod implements risk.Store.
func (s *Risks) SaveMethod(ctx context.Context, m risk.Method, at time.Time) error {
	v, err := risk.EncodeMethod(m)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_settings (key, value, updated_at) VALUES ('method', $1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, v, formatTime(at)); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "risk.method", ObjectType: "risk_method",
			Detail: audit.Details(map[string]any{"kind": m.Kind, "threshold": m.Threshold})})
	})
}

const riskCols = `r.id, r.code, r.title, r.subject_kind, r.subject_ref, r.subject_label, r.unit_id, r.system_code,
	COALESCE(r.campaign_id, 0), r.method, r.threat_text, r.vulnerability_text, r.impact, r.threat, r.vulnerability,
	r.likelihood, r.value, r.r_threat, r.r_vulnerability, r.r_likelihood, r.r_value, r.treatment, r.measures,
	COALESCE(r.owner_id, 0), r.review_on, r.acceptance, COALESCE(r.request_id, 0), r.accepted_by, r.accepted_on, r.note,
	r.retired, r.created_at, r.updated_at, u.code, u.name, u.path, COALESCE(p.name, '')`

const riskFrom = ` FROM risks r JOIN units u ON u.id = r.unit_id LEFT JOIN people p ON p.id = r.owner_id`

func scanRisk(row scanner) (risk.Risk, error) {
	var r risk.Risk
	var measures, created, updated string
	var retired int
	err := row.Scan(&r.ID, &r.Code, &r.Title, &r.SubjectKind, &r.SubjectRef, &r.SubjectLabel, &r.UnitID, &r.SystemCode,
		&r.CampaignID, &r.Method, &r.ThreatText, &r.VulnText, &r.Impact, &r.Threat, &r.Vulnerability,
		&r.Likelihood, &r.Value, &r.RThreat, &r.RVulnerability, &r.RLikelihood, &r.RValue, &r.Treatment, &measures,
		&r.OwnerID, &r.ReviewOn, &r.Acceptance, &r.RequestID, &r.AcceptedBy, &r.AcceptedOn, &r.Note,
		&retired, &created, &updated, &r.UnitCode, &r.UnitName, &r.UnitPath, &r.OwnerName)
	if err != nil {
		return r, err
	}
	r.Retired, r.CreatedAt, r.UpdatedAt = retired != 0, parseTime(created), parseTime(updated)
	if err := json.Unmarshal([]byte(measures), &r.Measures); err != nil {
		return r, err
	}
	return r, nil
}

func (s *Risks) record(ctx context.Context, tx *sql.Tx, r risk.Risk, ch risk.Change) error {
	actor := audit.ActorFrom(ctx)
	d := audit.Details(ch.Detail)
	at := ch.At
	if at.IsZero() {
		at = time.Now()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO risk_history (risk_id, at, actor, actor_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, formatTime(at), actor.Login, actor.ID, ch.Action, d); err != nil {
		return err
	}
	kv := map[string]any{"change": ch.Action, "code": r.Code}
	for k, v := range ch.Detail {
		kv[k] = v
	}
	return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "risk." + ch.Action, ObjectType: "risk",
		ObjectID: strconv.FormatInt(r.ID, 10), UnitID: r.UnitID, Detail: audit.Details(kv)})
}

func riskArgs(r risk.Risk) ([]any, error) {
	ms := r.Measures
	if ms == nil {
		ms = []risk.Measure{}
	}
	b, err := json.Marshal(ms)
	if err != nil {
		return nil, err
	}
	return []any{r.Title, r.SubjectKind, r.SubjectRef, r.SubjectLabel, r.UnitID, r.SystemCode, nullID(r.CampaignID), r.Method,
		r.ThreatText, r.VulnText, r.Impact, r.Threat, r.Vulnerability, r.Likelihood, r.Value, r.RThreat, r.RVulnerability,
		r.RLikelihood, r.RValue, r.Treatment, string(b), nullID(r.OwnerID), r.ReviewOn, r.Acceptance, nullID(r.RequestID),
		r.AcceptedBy, r.AcceptedOn, r.Note, b2i(r.Retired), formatTime(r.UpdatedAt)}, nil
}

// CreateRisk implements risk.Store. The code is R-00001 after the id.
func (s *Risks) CreateRisk(ctx context.Context, r risk.Risk, ch risk.Change) (risk.Risk, error) {
	r.Code = ""
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertRisk(ctx, tx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, r, ch)
	})
	if err != nil {
		return r, err
	}
	return s.Risk(ctx, r.ID)
}

// insertRisk adds r with its code, or R-00001 after its id when it has none.
func (s *Risks) insertRisk(ctx context.Context, tx *sql.Tx, r *risk.Risk) error {
	args, err := riskArgs(*r)
	if err != nil {
		return err
	}
	code := r.Code
	if code == "" {
		code = fmt.Sprintf("tmp-%d", time.Now().UnixNano())
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO risks (title, subject_kind, subject_ref, subject_label, unit_id, system_code,
		campaign_id, method, threat_text, vulnerability_text, impact, threat, vulnerability, likelihood, value, r_threat,
		r_vulnerability, r_likelihood, r_value, treatment, measures, owner_id, review_on, acceptance, request_id, accepted_by,
		accepted_on, note, retired, updated_at, code, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
		$25, $26, $27, $28, $29, $30, $31, $32) RETURNING id`, append(args, code, formatTime(r.CreatedAt))...).Scan(&r.ID); err != nil {
		if uniqueViolation(err) {
			return apperr.E(apperr.Conflict, "risk.err.code_taken", code)
		}
		return err
	}
	if r.Code == "" {
		r.Code = fmt.Sprintf("R-%05d", r.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE risks SET code = $1 WHERE id = $2`, r.Code, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// ApplyImport implements risk.Store.
func (s *Risks) ApplyImport(ctx context.Context, rs []risk.Risk, ch risk.Change) (added, updated int, err error) {
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		added, updated = 0, 0
		for i := range rs {
			r := &rs[i]
			if r.ID == 0 {
				if err := s.insertRisk(ctx, tx, r); err != nil {
					return err
				}
				added++
			} else {
				if err := s.updateRisk(ctx, tx, *r); err != nil {
					return err
				}
				updated++
			}
			if err := s.record(ctx, tx, *r, risk.Change{At: ch.At, Action: ch.Action, Detail: map[string]any{"title": r.Title}}); err != nil {
				return err
			}
		}
		return nil
	})
	return added, updated, err
}

// RiskByCode implements risk.Store.
func (s *Risks) RiskByCode(ctx context.Context, code string) (risk.Risk, error) {
	r, err := scanRisk(s.db.R.QueryRowContext(ctx, `SELECT `+riskCols+riskFrom+` WHERE r.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.E(apperr.NotFound, "risk.err.not_found", code)
	}
	return r, err
}

// UpdateRisk implements risk.Store.
func (s *Risks) UpdateRisk(ctx context.Context, r risk.Risk, ch risk.Change) (risk.Risk, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.updateRisk(ctx, tx, r); err != nil {
			return err
		}
		return s.record(ctx, tx, r, ch)
	})
	if err != nil {
		return r, err
	}
	return s.Risk(ctx, r.ID)
}

func (s *Risks) updateRisk(ctx context.Context, tx *sql.Tx, r risk.Risk) error {
	args, err := riskArgs(r)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE risks SET title = $1, subject_kind = $2, subject_ref = $3, subject_label = $4,
		unit_id = $5, system_code = $6, campaign_id = $7, method = $8, threat_text = $9, vulnerability_text = $10, impact = $11,
		threat = $12, vulnerability = $13, likelihood = $14, value = $15, r_threat = $16, r_vulnerability = $17,
		r_likelihood = $18, r_value = $19, treatment = $20, measures = $21, owner_id = $22, review_on = $23, acceptance = $24,
		request_id = $25, accepted_by = $26, accepted_on = $27, note = $28, retired = $29, updated_at = $30 WHERE id = $31`,
		append(args, r.ID)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "risk.err.not_found", r.ID)
	}
	return nil
}

// Risk implements risk.Store.
func (s *Risks) Risk(ctx context.Context, id int64) (risk.Risk, error) {
	r, err := scanRisk(s.db.R.QueryRowContext(ctx, `SELECT `+riskCols+riskFrom+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.E(apperr.NotFound, "risk.err.not_found", id)
	}
	return r, err
}

// Risks implements risk.Store.
func (s *Risks) Risks(ctx context.Context, f risk.Filter) ([]risk.Risk, error) {
	var args argList
	conds, ok := riskConds(f, &args)
	if !ok {
		return nil, nil
	}
	if f.After != nil {
		// The order is r_value and value descending, then id: negated, one
		// row comparison on both engines.
		conds = append(conds, `(-r.r_value, -r.value, r.id) > (`+args.add(-f.After.RValue)+`, `+args.add(-f.After.Value)+`, `+args.add(f.After.ID)+`)`)
	}
	q := `SELECT ` + riskCols + riskFrom + where(conds) + ` ORDER BY r.r_value DESC, r.value DESC, r.id`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	return queryAll(ctx, s.db.R, q, scanRisk, args...)
}

// CountRisks implements risk.Store.
func (s *Risks) CountRisks(ctx context.Context, f risk.Filter) (int, error) {
	var args argList
	conds, ok := riskConds(f, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM risks r JOIN units u ON u.id = r.unit_id`+where(conds), args...).Scan(&n)
	return n, err
}

// riskConds are the conditions of f (After and Limit aside) over risks r
// joined to their units u; false when the scope shows nothing.
func riskConds(f risk.Filter, args *argList) ([]string, bool) {
	var conds []string
	if !f.Scope.All {
		var or []string
		for _, p := range f.Scope.Paths {
			or = append(or, `u.path LIKE `+args.add(likeEscape(p)+"%")+` ESCAPE '\'`)
		}
		for _, c := range f.Systems {
			or = append(or, `r.system_code = `+args.add(c))
		}
		if len(or) == 0 {
			return nil, false
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.CampaignID != 0 {
		conds = append(conds, `r.campaign_id = `+args.add(f.CampaignID))
	}
	if f.UnitID != 0 {
		conds = append(conds, `r.unit_id = `+args.add(f.UnitID))
	}
	if len(f.UnitIDs) > 0 {
		ph := make([]string, len(f.UnitIDs))
		for i, id := range f.UnitIDs {
			ph[i] = args.add(id)
		}
		conds = append(conds, `r.unit_id IN (`+strings.Join(ph, ", ")+`)`)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := args.add("%" + likeEscape(q) + "%")
		conds = append(conds, `(r.code LIKE `+like+` ESCAPE '\' OR r.title LIKE `+like+` ESCAPE '\' OR r.subject_label LIKE `+like+` ESCAPE '\')`)
	}
	if f.Acceptance != "" {
		conds = append(conds, `r.acceptance = `+args.add(f.Acceptance))
	}
	if !f.Retired {
		conds = append(conds, `r.retired = 0`)
	}
	return conds, true
}

// History implements risk.Store.
func (s *Risks) History(ctx context.Context, id int64) ([]risk.Change, error) {
	return queryAll(ctx, s.db.R, `SELECT id, at, actor, actor_id, action, detail FROM risk_history WHERE risk_id = $1 ORDER BY id DESC`,
		func(row scanner) (risk.Change, error) {
			var c risk.Change
			var at, detail string
			if err := row.Scan(&c.ID, &at, &c.Actor, &c.ActorID, &c.Action, &detail); err != nil {
				return c, err
			}
			c.At = parseTime(at)
			_ = json.Unmarshal([]byte(detail), &c.Detail)
			return c, nil
		}, id)
}

func riskNotices(ctx context.Context, tx *sql.Tx, ns []risk.Notice, ref string) error {
	for _, n := range ns {
		r := n.Ref
		if r == "" {
			r = ref
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, r, n.Message, formatTime(n.At)); err != nil {
			return err
		}
	}
	return nil
}

// CreateCampaign implements risk.Store.
func (s *Risks) CreateCampaign(ctx context.Context, c risk.Campaign, ns []risk.Notice) (risk.Campaign, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO risk_campaigns (name, due_on, remind_days, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.Name, c.DueOn, c.RemindDays, c.Status, c.CreatedBy, formatTime(c.CreatedAt)).Scan(&c.ID); err != nil {
			return err
		}
		ids := make([]int64, len(c.Units))
		for i, u := range c.Units {
			if _, err := tx.ExecContext(ctx, `INSERT INTO risk_campaign_units (campaign_id, unit_id) VALUES ($1, $2)`, c.ID, u.UnitID); err != nil {
				return err
			}
			ids[i] = u.UnitID
		}
		if err := riskNotices(ctx, tx, ns, "risk.campaign:"+strconv.FormatInt(c.ID, 10)); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "risk.campaign_start", ObjectType: "risk_campaign",
			ObjectID: strconv.FormatInt(c.ID, 10), Detail: audit.Details(map[string]any{"name": c.Name, "due_on": c.DueOn, "units": ids, "notices": len(ns)})})
	})
	if err != nil {
		return c, err
	}
	return s.Campaign(ctx, c.ID)
}

func (s *Risks) campaignUnits(ctx context.Context, id int64) ([]risk.CampaignUnit, error) {
	// The risks are counted in one pass over the campaign's (not once per
	// unit).
	return queryAll(ctx, s.db.R, `SELECT cu.unit_id, u.code, u.name, u.path, cu.submitted_at, COALESCE(n.risks, 0)
		FROM risk_campaign_units cu JOIN units u ON u.id = cu.unit_id
		LEFT JOIN (SELECT unit_id, COUNT(*) AS risks FROM risks WHERE campaign_id = $1 AND retired = 0 GROUP BY unit_id) n ON n.unit_id = cu.unit_id
		WHERE cu.campaign_id = $1 ORDER BY u.code`,
		func(row scanner) (risk.CampaignUnit, error) {
			var u risk.CampaignUnit
			var at string
			err := row.Scan(&u.UnitID, &u.UnitCode, &u.UnitName, &u.UnitPath, &at, &u.Risks)
			if at != "" {
				u.SubmittedAt = parseTime(at)
			}
			return u, err
		}, id)
}

func scanCampaignRow(row scanner) (risk.Campaign, error) {
	var c risk.Campaign
	var at string
	err := row.Scan(&c.ID, &c.Name, &c.DueOn, &c.RemindDays, &c.Status, &c.CreatedBy, &at)
	c.CreatedAt = parseTime(at)
	return c, err
}

// Campaign implements risk.Store.
func (s *Risks) Campaign(ctx context.Context, id int64) (risk.Campaign, error) {
	c, err := scanCampaignRow(s.db.R.QueryRowContext(ctx, `SELECT id, name, due_on, remind_days, status, created_by, created_at
		FROM risk_campaigns WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.E(apperr.NotFound, "risk.err.campaign_not_found", id)
	}
	if err != nil {
		return c, err
	}
	c.Units, err = s.campaignUnits(ctx, id)
	return c, err
}

// Campaigns implements risk.Store.
func (s *Risks) Campaigns(ctx context.Context) ([]risk.Campaign, error) {
	cs, err := queryAll(ctx, s.db.R, `SELECT id, name, due_on, remind_days, status, created_by, created_at FROM risk_campaigns ORDER BY id DESC`, scanCampaignRow)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].Units, err = s.campaignUnits(ctx, cs[i].ID); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// SubmitUnit implements risk.Store.
func (s *Risks) SubmitUnit(ctx context.Context, campaignID, unitID, personID int64, at time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE risk_campaign_units SET submitted_at = $1, submitted_by = $2
			WHERE campaign_id = $3 AND unit_id = $4 AND submitted_at = ''`, formatTime(at), personID, campaignID, unitID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "risk.err.submitted")
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "risk.campaign_submit", ObjectType: "risk_campaign",
			ObjectID: strconv.FormatInt(campaignID, 10), UnitID: unitID})
	})
}

// ClaimJob implements risk.Store (the shared jobs table).
func (s *Risks) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return s.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// DeliverJob implements risk.Store.
func (s *Risks) DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []risk.Notice) error {
	return deliverJob(ctx, s.db, key, owner, at, func(tx *sql.Tx) error { return riskNotices(ctx, tx, ns, "") }, "risk.notify", len(ns))
}

// deliverJob marks a claimed job done and runs add in the same
// transaction, only while owner still holds the job.
func deliverJob(ctx context.Context, db *DB, key, owner string, at time.Time, add func(tx *sql.Tx) error, action string, n int) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = $3 WHERE key = $1 AND claimed_by = $2 AND done_at = ''`,
			key, owner, at.UTC().Format(jobTime))
		if err != nil {
			return err
		}
		if m, err := res.RowsAffected(); err != nil {
			return err
		} else if m == 0 {
			return apperr.E(apperr.Conflict, "risk.err.job_lost", key)
		}
		if err := add(tx); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, db.Dialect, &audit.Event{Action: action, ObjectType: "job", ObjectID: key,
			Detail: audit.Details(map[string]any{"notices": n})})
	})
}
