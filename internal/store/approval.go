package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/audit"
)

// Approvals implements approval.Store.
type Approvals struct{ db *DB }

// Approvals returns the approval store.
func (db *DB) Approvals() *Approvals { return &Approvals{db: db} }

var _ approval.Store = (*Approvals)(nil)

func reqAudit(ctx context.Context, tx *sql.Tx, d Dialect, action string, id int64, unitID int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: "request",
		ObjectID: strconv.FormatInt(id, 10), UnitID: unitID, Detail: audit.Details(kv)})
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// EnsureTypes implements approval.Store.
func (a *Approvals) EnsureTypes(ctx context.Context, ts []approval.Type, at time.Time) (int, error) {
	added := 0
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		added = 0
		for _, t := range ts {
			def, err := json.Marshal(t)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO request_types (key, name, definition, ord, retired, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING`,
				t.Key, t.Name, string(def), t.Ord, b2i(t.Retired), formatTime(at))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				added++
				if err := AppendAudit(ctx, tx, a.db.Dialect, &audit.Event{Action: "request.type_create", ObjectType: "request_type",
					ObjectID: t.Key, Detail: audit.Details(map[string]any{"name": t.Name, "builtin": true})}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return added, err
}

// SaveType implements approval.Store.
func (a *Approvals) SaveType(ctx context.Context, t approval.Type, at time.Time) error {
	def, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE request_types SET name = $2, definition = $3, ord = $4, retired = $5, updated_at = $6
			WHERE key = $1`, t.Key, t.Name, string(def), t.Ord, b2i(t.Retired), formatTime(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "approval.err.request_type", t.Key)
		}
		return AppendAudit(ctx, tx, a.db.Dialect, &audit.Event{Action: "request.type_update", ObjectType: "request_type",
			ObjectID: t.Key, Detail: string(def)})
	})
}

func scanType(row scanner) (approval.Type, error) {
	var def string
	var retired int
	if err := row.Scan(&def, &retired); err != nil {
		return approval.Type{}, err
	}
	var t approval.Type
	if err := json.Unmarshal([]byte(def), &t); err != nil {
		return t, err
	}
	t.Retired = retired != 0
	return t, nil
}

// Types implements approval.Store.
func (a *Approvals) Types(ctx context.Context) ([]approval.Type, error) {
	rows, err := a.db.R.QueryContext(ctx, `SELECT definition, retired FROM request_types ORDER BY ord, key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []approval.Type
	for rows.Next() {
		t, err := scanType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Type implements approval.Store.
func (a *Approvals) Type(ctx context.Context, key string) (approval.Type, error) {
	t, err := scanType(a.db.R.QueryRowContext(ctx, `SELECT definition, retired FROM request_types WHERE key = $1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.E(apperr.NotFound, "approval.err.request_type", key)
	}
	return t, err
}

const requestCols = `r.id, r.type_key, r.applicant_id, r.unit_id, r.title, r.level, r.outcome, r.emergency, r.starts_on, r.ends_on,
	r.catalog_id, r.node_ref, r.rule_text, r.target_ref, r.fields, r.status, r.decider_id, r.decider_role, r.escalated,
	r.conditions, r.decision, r.submitted_at, r.decided_at, r.end_report, r.ended_at, r.created_at, r.updated_at, r.version,
	t.name, p.name, u.name, u.path, COALESCE(d.name, ''), COALESCE(c.name, '')`

const requestFrom = ` FROM requests r JOIN request_types t ON t.key = r.type_key JOIN people p ON p.id = r.applicant_id
	JOIN units u ON u.id = r.unit_id LEFT JOIN people d ON d.id = r.decider_id LEFT JOIN catalogs c ON c.id = r.catalog_id`

// scanRequest reads a row of requestCols, then the extra columns into
// extra.
func scanRequest(row scanner, extra ...any) (approval.Request, error) {
	var r approval.Request
	var fields, outcome, status, submitted, decided, ended, created, updated string
	var emergency, escalated int
	err := row.Scan(append([]any{&r.ID, &r.TypeKey, &r.ApplicantID, &r.UnitID, &r.Title, &r.Level, &outcome, &emergency, &r.StartsOn, &r.EndsOn,
		&r.CatalogID, &r.NodeRef, &r.RuleText, &r.TargetRef, &fields, &status, &r.DeciderID, &r.DeciderRole, &escalated,
		&r.Conditions, &r.Decision, &submitted, &decided, &r.EndReport, &ended, &created, &updated, &r.Version,
		&r.TypeName, &r.ApplicantName, &r.UnitName, &r.UnitPath, &r.DeciderName, &r.CatalogName}, extra...)...)
	if err != nil {
		return r, err
	}
	r.Outcome, r.Status = approval.Outcome(outcome), approval.Status(status)
	r.Emergency, r.Escalated = emergency != 0, escalated != 0
	r.Fields = map[string]string{}
	_ = json.Unmarshal([]byte(fields), &r.Fields)
	if submitted != "" {
		r.SubmittedAt = parseTime(submitted)
	}
	if decided != "" {
		r.DecidedAt = parseTime(decided)
	}
	if ended != "" {
		r.EndedAt = parseTime(ended)
	}
	r.CreatedAt, r.UpdatedAt = parseTime(created), parseTime(updated)
	return r, nil
}

func fieldsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func insertEvent(ctx context.Context, tx *sql.Tx, ev approval.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO request_events (request_id, action, from_status, to_status, actor_id, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, ev.RequestID, ev.Action, string(ev.From), string(ev.To), ev.ActorID, ev.Note, formatTime(ev.At))
	return err
}

// CreateRequest implements approval.Store.
func (a *Approvals) CreateRequest(ctx context.Context, r approval.Request, ev approval.Event, then *approval.Submission) (approval.Request, error) {
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO requests (type_key, applicant_id, unit_id, title, level, outcome, emergency,
			starts_on, ends_on, catalog_id, node_ref, rule_text, target_ref, fields, status, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 1) RETURNING id`,
			r.TypeKey, r.ApplicantID, r.UnitID, r.Title, r.Level, string(r.Outcome), b2i(r.Emergency), r.StartsOn, r.EndsOn,
			r.CatalogID, r.NodeRef, r.RuleText, r.TargetRef, fieldsJSON(r.Fields), string(r.Status), formatTime(r.CreatedAt)).Scan(&r.ID); err != nil {
			return err
		}
		ev.RequestID = r.ID
		if err := insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		if err := reqAudit(ctx, tx, a.db.Dialect, "request.create", r.ID, r.UnitID,
			map[string]any{"type": r.TypeKey, "title": r.Title, "applicant": r.ApplicantID, "status": string(r.Status)}); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		prev, next := r, then.Next
		prev.Version, next.ID = 1, r.ID
		var ns []approval.Notice
		if then.Notices != nil {
			ns = then.Notices(r.ID)
		}
		return a.transition(ctx, tx, prev, next, then.Event, ns)
	})
	if err != nil {
		r.ID = 0
		return r, err
	}
	return a.Request(ctx, r.ID)
}

// Transition implements approval.Store.
func (a *Approvals) Transition(ctx context.Context, prev, next approval.Request, ev approval.Event, ns []approval.Notice) (approval.Request, error) {
	err := a.db.Tx(ctx, func(tx *sql.Tx) error { return a.transition(ctx, tx, prev, next, ev, ns) })
	if err != nil {
		return prev, err
	}
	return a.Request(ctx, prev.ID)
}

// transition is Transition within tx.
func (a *Approvals) transition(ctx context.Context, tx *sql.Tx, prev, next approval.Request, ev approval.Event, ns []approval.Notice) error {
	args := []any{prev.ID, string(prev.Status), prev.Version,
		next.Title, next.Level, string(next.Outcome), b2i(next.Emergency), next.StartsOn, next.EndsOn,
		next.CatalogID, next.NodeRef, next.RuleText, next.TargetRef, fieldsJSON(next.Fields), string(next.Status),
		next.DeciderID, next.DeciderRole, b2i(next.Escalated), next.Conditions, next.Decision,
		optTime(next.SubmittedAt), optTime(next.DecidedAt), next.EndReport, optTime(next.EndedAt), formatTime(next.UpdatedAt)}
	ph := make([]string, len(args))
	for i := range args {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	res, err := tx.ExecContext(ctx, `UPDATE requests SET title = `+ph[3]+`, level = `+ph[4]+`, outcome = `+ph[5]+
		`, emergency = `+ph[6]+`, starts_on = `+ph[7]+`, ends_on = `+ph[8]+`, catalog_id = `+ph[9]+`, node_ref = `+ph[10]+
		`, rule_text = `+ph[11]+`, target_ref = `+ph[12]+`, fields = `+ph[13]+`, status = `+ph[14]+`, decider_id = `+ph[15]+
		`, decider_role = `+ph[16]+`, escalated = `+ph[17]+`, conditions = `+ph[18]+`, decision = `+ph[19]+
		`, submitted_at = `+ph[20]+`, decided_at = `+ph[21]+`, end_report = `+ph[22]+`, ended_at = `+ph[23]+
		`, updated_at = `+ph[24]+`, version = version + 1 WHERE id = `+ph[0]+` AND status = `+ph[1]+` AND version = `+ph[2], args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.E(apperr.Conflict, "approval.err.request_changed_meanwhile_nothing_was", prev.ID)
	}
	ev.RequestID = prev.ID
	if err := insertEvent(ctx, tx, ev); err != nil {
		return err
	}
	if err := insertNotices(ctx, tx, a.db.Dialect, ns); err != nil {
		return err
	}
	kv := map[string]any{"from": string(prev.Status), "to": string(next.Status)}
	if ev.Note != "" {
		kv["note"] = ev.Note
	}
	if next.DeciderID != prev.DeciderID {
		kv["decider"] = next.DeciderID
		kv["escalated"] = next.Escalated
	}
	if next.Conditions != "" && next.Conditions != prev.Conditions {
		kv["conditions"] = next.Conditions
	}
	return reqAudit(ctx, tx, a.db.Dialect, "request."+ev.Action, prev.ID, prev.UnitID, kv)
}

func insertNotices(ctx context.Context, tx *sql.Tx, d Dialect, ns []approval.Notice) error {
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, n.Ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// Request implements approval.Store.
func (a *Approvals) Request(ctx context.Context, id int64) (approval.Request, error) {
	r, err := scanRequest(a.db.R.QueryRowContext(ctx, `SELECT `+requestCols+requestFrom+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.E(apperr.NotFound, "approval.err.request", id)
	}
	return r, err
}

// requestConds turns f into the conditions of a query over requests r
// joined to their units u; ok is false when the scope shows nothing.
func requestConds(f approval.Filter, args *argList) (conds []string, ok bool) {
	if !f.Scope.All {
		c, ok := requestScopeCond(f.Scope, args)
		if !ok {
			return nil, false
		}
		conds = append(conds, c)
	}
	if f.TypeKey != "" {
		conds = append(conds, "r.type_key = "+args.add(f.TypeKey))
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = args.add(string(s))
		}
		conds = append(conds, "r.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.NotDraft {
		conds = append(conds, "r.status <> 'draft'")
	}
	if f.ApplicantID != 0 {
		conds = append(conds, "r.applicant_id = "+args.add(f.ApplicantID))
	}
	if f.DeciderID != 0 {
		conds = append(conds, "r.decider_id = "+args.add(f.DeciderID))
	}
	if f.UnitPath != "" {
		conds = append(conds, "u.path LIKE "+args.add(likeEscape(f.UnitPath)+"%")+` ESCAPE '\'`)
	}
	if f.TargetRef != "" {
		conds = append(conds, "r.target_ref = "+args.add(f.TargetRef))
	}
	if f.From != "" {
		conds = append(conds, "r.created_at >= "+args.add(f.From))
	}
	if f.To != "" {
		conds = append(conds, "r.created_at < "+args.add(f.To+"~")) // any time on that day
	}
	// The period overlaps [PeriodFrom, PeriodTo]: it ends on or after the
	// first day and starts on or before the last.
	if f.PeriodFrom != "" {
		conds = append(conds, `(CASE WHEN r.ends_on <> '' THEN r.ends_on WHEN r.starts_on <> '' THEN '9999-12-31'
			ELSE SUBSTR(r.created_at, 1, 10) END) >= `+args.add(f.PeriodFrom))
	}
	if f.PeriodTo != "" {
		conds = append(conds, `(CASE WHEN r.starts_on <> '' THEN r.starts_on ELSE SUBSTR(r.created_at, 1, 10) END) <= `+args.add(f.PeriodTo))
	}
	return conds, true
}

// requestScopeCond is the condition of a request scope that is not All; false
// when it shows nothing.
func requestScopeCond(sc approval.Scope, args *argList) (string, bool) {
	var or []string
	for _, p := range sc.Paths {
		or = append(or, "u.path LIKE "+args.add(likeEscape(p)+"%")+` ESCAPE '\'`)
	}
	if sc.PersonID != 0 {
		ph := args.add(sc.PersonID)
		or = append(or, "r.applicant_id = "+ph, "r.decider_id = "+ph)
	}
	if len(or) == 0 {
		return "", false
	}
	return "(" + strings.Join(or, " OR ") + ")", true
}

// Requests implements approval.Store.
func (a *Approvals) Requests(ctx context.Context, f approval.Filter) ([]approval.Request, error) {
	var args argList
	conds, ok := requestConds(f, &args)
	if !ok {
		return nil, nil
	}
	if f.Before > 0 {
		conds = append(conds, "r.id < "+args.add(f.Before))
	}
	q := `SELECT ` + requestCols + requestFrom + where(conds) + ` ORDER BY r.id DESC`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return queryAll(ctx, a.db.R, q, func(row scanner) (approval.Request, error) { return scanRequest(row) }, args...)
}

// CountRequests implements approval.Store.
func (a *Approvals) CountRequests(ctx context.Context, f approval.Filter) (int, error) {
	var args argList
	conds, ok := requestConds(f, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := a.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+countFrom(!f.Scope.All || f.UnitPath != "")+where(conds), args...).Scan(&n)
	return n, err
}

// TallyRequests implements approval.Store.
func (a *Approvals) TallyRequests(ctx context.Context, f approval.Filter) ([]approval.Tally, error) {
	var args argList
	conds, ok := requestConds(f, &args)
	if !ok {
		return nil, nil
	}
	return queryAll(ctx, a.db.R, `SELECT r.type_key, r.status, r.outcome, COUNT(*)`+countFrom(!f.Scope.All || f.UnitPath != "")+where(conds)+
		` GROUP BY r.type_key, r.status, r.outcome`, func(row scanner) (approval.Tally, error) {
		var t approval.Tally
		var st, out string
		err := row.Scan(&t.TypeKey, &st, &out, &t.N)
		t.Status, t.Outcome = approval.Status(st), approval.Outcome(out)
		return t, err
	}, args...)
}

// countFrom is the FROM of a count of requests, joined to their units
// only when a condition reads them.
func countFrom(units bool) string {
	if units {
		return ` FROM requests r JOIN units u ON u.id = r.unit_id`
	}
	return ` FROM requests r`
}

// overdueSince is the time an overdue request has been due since: when it
// was submitted (waiting for a decision) or the last day of its period
// (waiting for its end report).
const overdueSince = `(CASE WHEN r.status = 'submitted' THEN r.submitted_at ELSE r.ends_on END)`

// overdueKeys orders the overdue report: longest due first.
var overdueKeys = keyset{col: overdueSince, id: "r.id"}

func overdueConds(q approval.OverdueQuery, args *argList) ([]string, bool) {
	var conds []string
	if !q.Scope.All {
		c, ok := requestScopeCond(q.Scope, args)
		if !ok {
			return nil, false
		}
		conds = append(conds, c)
	}
	var or []string
	if q.DecisionBefore != "" {
		or = append(or, "(r.status = 'submitted' AND r.decider_id <> 0 AND r.submitted_at <> '' AND r.submitted_at <= "+args.add(q.DecisionBefore)+")")
	}
	if len(q.EndReportTypes) > 0 {
		ph := make([]string, len(q.EndReportTypes))
		for i, k := range q.EndReportTypes {
			ph[i] = args.add(k)
		}
		or = append(or, "(r.status = 'expired' AND r.ended_at = '' AND r.ends_on <> '' AND r.type_key IN ("+strings.Join(ph, ", ")+"))")
	}
	if len(or) == 0 {
		return nil, false
	}
	return append(conds, "("+strings.Join(or, " OR ")+")"), true
}

// OverdueRequests implements approval.Store.
func (a *Approvals) OverdueRequests(ctx context.Context, oq approval.OverdueQuery) ([]approval.Overdue, error) {
	var args argList
	conds, ok := overdueConds(oq, &args)
	if !ok {
		return nil, nil
	}
	cond, err := overdueKeys.after(oq.After, &args)
	if err != nil {
		return nil, err
	}
	// The page's ids are sorted first, narrow; the page is then read whole.
	inner := `SELECT r.id AS rid, ` + overdueSince + ` AS since` + countFrom(!oq.Scope.All) + where(append(conds, cond)) + overdueKeys.order(oq.Limit)
	q := `SELECT ` + requestCols + `, k.since FROM (` + inner + `) k JOIN requests r ON r.id = k.rid JOIN request_types t ON t.key = r.type_key
		JOIN people p ON p.id = r.applicant_id JOIN units u ON u.id = r.unit_id LEFT JOIN people d ON d.id = r.decider_id
		LEFT JOIN catalogs c ON c.id = r.catalog_id ORDER BY k.since, k.rid`
	return queryAll(ctx, a.db.R, q, func(row scanner) (approval.Overdue, error) {
		var o approval.Overdue
		var err error
		o.Request, err = scanRequest(row, &o.Since)
		return o, err
	}, args...)
}

// CountOverdue implements approval.Store.
func (a *Approvals) CountOverdue(ctx context.Context, oq approval.OverdueQuery) (int, error) {
	var args argList
	conds, ok := overdueConds(oq, &args)
	if !ok {
		return 0, nil
	}
	var n int
	err := a.db.R.QueryRowContext(ctx, `SELECT COUNT(*)`+countFrom(!oq.Scope.All)+where(conds), args...).Scan(&n)
	return n, err
}

// History implements approval.Store.
func (a *Approvals) History(ctx context.Context, requestID int64) ([]approval.Event, error) {
	rows, err := a.db.R.QueryContext(ctx, `SELECT e.id, e.request_id, e.action, e.from_status, e.to_status, e.actor_id, e.note, e.at,
		COALESCE(p.name, '') FROM request_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.request_id = $1 ORDER BY e.id`, requestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []approval.Event
	for rows.Next() {
		var e approval.Event
		var from, to, at string
		if err := rows.Scan(&e.ID, &e.RequestID, &e.Action, &from, &to, &e.ActorID, &e.Note, &at, &e.ActorName); err != nil {
			return nil, err
		}
		e.From, e.To, e.At = approval.Status(from), approval.Status(to), parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimJob implements approval.Store (the jobs table is shared with the
// other capabilities' background work).
func (a *Approvals) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return a.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// DeliverJob implements approval.Store.
func (a *Approvals) DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []approval.Notice) error {
	return a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = $3 WHERE key = $1 AND claimed_by = $2 AND done_at = ''`,
			key, owner, at.UTC().Format(jobTime))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return apperr.E(apperr.Conflict, "approval.err.job_longer_held_by", key, owner)
		}
		if err := insertNotices(ctx, tx, a.db.Dialect, ns); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, a.db.Dialect, &audit.Event{Action: "request.notify", ObjectType: "job", ObjectID: key,
			Detail: audit.Details(map[string]any{"notices": len(ns)})})
	})
}

// Notices implements approval.Store.
func (a *Approvals) Notices(ctx context.Context, personID int64, limit int) ([]approval.Notice, error) {
	return a.NoticePage(ctx, personID, 0, limit)
}

// NoticePage implements approval.Store.
func (a *Approvals) NoticePage(ctx context.Context, personID, before int64, limit int) ([]approval.Notice, error) {
	args := []any{personID}
	q := `SELECT id, person_id, kind, ref, message, created_at, read_at FROM notices WHERE person_id = $1`
	if before > 0 {
		args = append(args, before)
		q += ` AND id < $2`
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := a.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []approval.Notice
	for rows.Next() {
		var n approval.Notice
		var at, read string
		if err := rows.Scan(&n.ID, &n.PersonID, &n.Kind, &n.Ref, &n.Message, &at, &read); err != nil {
			return nil, err
		}
		n.CreatedAt = parseTime(at)
		if read != "" {
			n.ReadAt = parseTime(read)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountNotices implements approval.Store.
func (a *Approvals) CountNotices(ctx context.Context, personID int64) (int, error) {
	var n int
	err := a.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE person_id = $1`, personID).Scan(&n)
	return n, err
}

// MarkRead implements approval.Store.
func (a *Approvals) MarkRead(ctx context.Context, personID, id int64, at time.Time) error {
	if id <= 0 {
		_, err := a.db.W.ExecContext(ctx, `UPDATE notices SET read_at = $2 WHERE person_id = $1 AND read_at = ''`, personID, formatTime(at))
		return err
	}
	// A notice already read keeps its time; one of somebody else is not found.
	res, err := a.db.W.ExecContext(ctx, `UPDATE notices SET read_at = CASE WHEN read_at = '' THEN $2 ELSE read_at END
		WHERE person_id = $1 AND id = $3`, personID, formatTime(at), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.E(apperr.NotFound, "approval.err.notice_your_inbox", id)
	}
	return nil
}
