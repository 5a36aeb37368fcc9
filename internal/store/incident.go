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
	"kitei/internal/audit"
	"kitei/internal/incident"
	"kitei/internal/paging"
)

// Incidents implements incident.Store.
type Incidents struct{ db *DB }

// Incidents returns the incident store.
func (db *DB) Incidents() *Incidents { return &Incidents{db: db} }

var _ incident.Store = (*Incidents)(nil)

// incTime is the fixed-width UTC layout of the incident tables' times, so
// that text comparison orders them (due-time queries rely on it).
const incTime = "2006-01-02T15:04:05.000000Z"

func incFmt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(incTime)
}

func incParse(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(incTime, s)
	if err != nil {
		return parseTime(s)
	}
	return t
}

func incAudit(ctx context.Context, tx *sql.Tx, d Dialect, action string, id, unitID int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: "incident",
		ObjectID: strconv.FormatInt(id, 10), UnitID: unitID, Detail: audit.Details(kv)})
}

func incNotices(ctx context.Context, tx *sql.Tx, ns []incident.Notice, id int64) error {
	for _, n := range ns {
		ref := n.Ref
		if ref == "" && id != 0 {
			ref = incident.Ref(id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notices (person_id, kind, ref, message, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.PersonID, n.Kind, ref, n.Message, formatTime(n.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func incEntry(ctx context.Context, tx *sql.Tx, e incident.Entry) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO incident_timeline (incident_id, at, actor_id, actor_name, kind, body, corrects)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.IncidentID, incFmt(e.At), e.ActorID, e.ActorName, e.Kind, e.Body, e.Corrects).Scan(&id)
	return id, err
}

// Config implements incident.Store.
func (s *Incidents) Config(ctx context.Context) (incident.Config, bool, error) {
	var c incident.Config
	var v string
	err := s.db.R.QueryRowContext(ctx, `SELECT value FROM incident_config WHERE key = 'config'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// SaveConfig implements incident.Store.
func (s *Incidents) SaveConfig(ctx context.Context, c incident.Config, at time.Time) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_config (key, value, updated_at) VALUES ('config', $1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, string(b), incFmt(at)); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "incident.config", ObjectType: "incident_config", ObjectID: "config", Detail: string(b)})
	})
}

const incidentCols = `i.id, i.title, i.what, i.noticed_at, i.reported_at, i.reporter_id, i.unit_id, i.external, i.ext_name, i.ext_contact,
	i.client_addr, i.refs, i.personal, i.personal_count, i.first_actions, i.status, i.is_incident, i.triage_reason, i.level, i.category,
	i.owner_id, i.triaged_at, i.cause, i.prevention, i.report_by, i.report_at, i.lessons, i.closed_at, i.updated_at, i.version,
	COALESCE(r.name, ''), COALESCE(u.name, ''), COALESCE(u.path, ''), COALESCE(o.name, ''), COALESCE(b.name, '')`

const incidentFrom = ` FROM incidents i LEFT JOIN people r ON r.id = i.reporter_id LEFT JOIN units u ON u.id = i.unit_id
	LEFT JOIN people o ON o.id = i.owner_id LEFT JOIN people b ON b.id = i.report_by`

func scanIncident(row scanner) (incident.Incident, error) {
	var x incident.Incident
	var noticed, reported, triaged, reportAt, closed, updated, status string
	var external, isInc int
	err := row.Scan(&x.ID, &x.Title, &x.What, &noticed, &reported, &x.ReporterID, &x.UnitID, &external, &x.ExtName, &x.ExtContact,
		&x.ClientAddr, &x.Refs, &x.Personal, &x.PersonalCount, &x.FirstActions, &status, &isInc, &x.TriageReason, &x.Level, &x.Category,
		&x.OwnerID, &triaged, &x.Cause, &x.Prevention, &x.ReportBy, &reportAt, &x.Lessons, &closed, &updated, &x.Version,
		&x.ReporterName, &x.UnitName, &x.UnitPath, &x.OwnerName, &x.ReportByName)
	if err != nil {
		return x, err
	}
	x.Status, x.External, x.IsIncident = incident.Status(status), external != 0, isInc != 0
	x.NoticedAt, x.ReportedAt, x.TriagedAt = incParse(noticed), incParse(reported), incParse(triaged)
	x.ReportAt, x.ClosedAt, x.UpdatedAt = incParse(reportAt), incParse(closed), incParse(updated)
	return x, nil
}

// Create implements incident.Store.
func (s *Incidents) Create(ctx context.Context, x incident.Incident, e incident.Entry, ns []incident.Notice) (incident.Incident, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO incidents (title, what, noticed_at, reported_at, reporter_id, unit_id, external,
			ext_name, ext_contact, client_addr, refs, personal, personal_count, first_actions, status, level, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1) RETURNING id`,
			x.Title, x.What, incFmt(x.NoticedAt), incFmt(x.ReportedAt), x.ReporterID, x.UnitID, b2i(x.External), x.ExtName, x.ExtContact,
			x.ClientAddr, x.Refs, x.Personal, x.PersonalCount, x.FirstActions, string(x.Status), x.Level, incFmt(x.UpdatedAt)).Scan(&x.ID); err != nil {
			return err
		}
		e.IncidentID = x.ID
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		if err := incNotices(ctx, tx, ns, x.ID); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.report", x.ID, x.UnitID, map[string]any{"external": x.External, "personal": x.Personal})
	})
	if err != nil {
		return x, err
	}
	return s.Incident(ctx, x.ID)
}

// Incident implements incident.Store.
func (s *Incidents) Incident(ctx context.Context, id int64) (incident.Incident, error) {
	x, err := scanIncident(s.db.R.QueryRowContext(ctx, `SELECT `+incidentCols+incidentFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, apperr.E(apperr.NotFound, "incident.err.not_found", id)
	}
	return x, err
}

func incidentConds(f incident.Filter, args *argList) []string {
	var conds []string
	if f.From != "" {
		conds = append(conds, "i.reported_at >= "+args.add(f.From))
	}
	if f.To != "" {
		conds = append(conds, "i.reported_at < "+args.add(f.To+"~"))
	}
	if f.Level > -2 {
		conds = append(conds, "i.level = "+args.add(f.Level))
	}
	if f.Category != "" {
		conds = append(conds, "i.category = "+args.add(f.Category))
	}
	if f.UnitPath != "" {
		conds = append(conds, "u.path LIKE "+args.add(likeEscape(f.UnitPath)+"%")+` ESCAPE '\'`)
	}
	switch f.Open {
	case "open":
		conds = append(conds, "i.status NOT IN ('closed', 'dismissed')")
	case "closed":
		conds = append(conds, "i.status IN ('closed', 'dismissed')")
	}
	if f.ReporterID != 0 {
		conds = append(conds, "i.reporter_id = "+args.add(f.ReporterID))
	}
	if f.Lessons {
		conds = append(conds, "i.lessons <> ''")
	}
	if f.Status != "" {
		conds = append(conds, "i.status = "+args.add(string(f.Status)))
	}
	return conds
}

// Incidents implements incident.Store.
func (s *Incidents) Incidents(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	var args argList
	conds := incidentConds(f, &args)
	if f.Before > 0 {
		conds = append(conds, "i.id < "+args.add(f.Before))
	}
	q := `SELECT ` + incidentCols + incidentFrom + where(conds) + ` ORDER BY i.id DESC`
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return queryAll(ctx, s.db.R, q, scanIncident, args...)
}

// CountIncidents implements incident.Store.
func (s *Incidents) CountIncidents(ctx context.Context, f incident.Filter) (int, error) {
	var args argList
	conds := incidentConds(f, &args)
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents i LEFT JOIN units u ON u.id = i.unit_id`+where(conds), args...).Scan(&n)
	return n, err
}

// IncidentTimes implements incident.Store.
func (s *Incidents) IncidentTimes(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	var args argList
	conds := incidentConds(f, &args)
	return queryAll(ctx, s.db.R, `SELECT i.id, i.status, i.is_incident, i.level, i.reported_at, i.triaged_at, i.closed_at
		FROM incidents i LEFT JOIN units u ON u.id = i.unit_id`+where(conds)+` ORDER BY i.id DESC`, func(row scanner) (incident.Incident, error) {
		var x incident.Incident
		var status, reported, triaged, closed string
		var isInc int
		if err := row.Scan(&x.ID, &status, &isInc, &x.Level, &reported, &triaged, &closed); err != nil {
			return x, err
		}
		x.Status, x.IsIncident = incident.Status(status), isInc != 0
		x.ReportedAt, x.TriagedAt, x.ClosedAt = incParse(reported), incParse(triaged), incParse(closed)
		return x, nil
	}, args...)
}

// Save implements incident.Store.
func (s *Incidents) Save(ctx context.Context, prev, next incident.Incident, c incident.Change) (incident.Incident, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET status = $3, is_incident = $4, triage_reason = $5, level = $6, category = $7,
			owner_id = $8, triaged_at = $9, cause = $10, prevention = $11, report_by = $12, report_at = $13, lessons = $14, closed_at = $15,
			updated_at = $16, version = version + 1 WHERE id = $1 AND version = $2`,
			prev.ID, prev.Version, string(next.Status), b2i(next.IsIncident), next.TriageReason, next.Level, next.Category,
			next.OwnerID, incFmt(next.TriagedAt), next.Cause, next.Prevention, next.ReportBy, incFmt(next.ReportAt), next.Lessons,
			incFmt(next.ClosedAt), incFmt(next.UpdatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return apperr.E(apperr.Conflict, "incident.err.changed", prev.ID)
		}
		for _, e := range c.Entries {
			e.IncidentID = prev.ID
			if _, err := incEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		for _, t := range c.Tasks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_tasks (incident_id, person_id, kind, instruction, created_at)
				VALUES ($1, $2, $3, $4, $5)`, prev.ID, t.PersonID, t.Kind, t.Instruction, incFmt(t.CreatedAt)); err != nil {
				return err
			}
		}
		for _, n := range c.Required {
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_notices (incident_id, rule_key, authority, kind, due_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id, rule_key) DO NOTHING`,
				prev.ID, n.RuleKey, n.Authority, n.Kind, incFmt(n.DueAt)); err != nil {
				return err
			}
		}
		if err := incNotices(ctx, tx, c.Notices, prev.ID); err != nil {
			return err
		}
		kv := map[string]any{"from": string(prev.Status), "to": string(next.Status)}
		for k, v := range c.Detail {
			kv[k] = v
		}
		return incAudit(ctx, tx, s.db.Dialect, c.Action, prev.ID, prev.UnitID, kv)
	})
	if err != nil {
		return prev, err
	}
	return s.Incident(ctx, prev.ID)
}

// CountExternal implements incident.Store.
func (s *Incidents) CountExternal(ctx context.Context, addr string, since time.Time) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE external = 1 AND client_addr = $1 AND reported_at >= $2`,
		addr, incFmt(since)).Scan(&n)
	return n, err
}

func scanEntry(row scanner) (incident.Entry, error) {
	var e incident.Entry
	var at string
	err := row.Scan(&e.ID, &e.IncidentID, &at, &e.ActorID, &e.ActorName, &e.Kind, &e.Body, &e.Corrects)
	e.At = incParse(at)
	return e, err
}

// Timeline implements incident.Store.
func (s *Incidents) Timeline(ctx context.Context, incidentID int64) ([]incident.Entry, error) {
	return queryAll(ctx, s.db.R, `SELECT id, incident_id, at, actor_id, actor_name, kind, body, corrects FROM incident_timeline
		WHERE incident_id = $1 ORDER BY id`, scanEntry, incidentID)
}

// Append implements incident.Store.
func (s *Incidents) Append(ctx context.Context, in incident.Incident, e incident.Entry, action string) (incident.Entry, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, err := incEntry(ctx, tx, e)
		if err != nil {
			return err
		}
		e.ID = id
		return incAudit(ctx, tx, s.db.Dialect, action, in.ID, in.UnitID, map[string]any{"entry": id, "kind": e.Kind, "corrects": e.Corrects})
	})
	return e, err
}

const taskCols = `t.id, t.incident_id, t.person_id, COALESCE(p.name, ''), t.kind, t.instruction, t.answer, t.answered_at, t.created_at, i.title`
const taskFrom = ` FROM incident_tasks t JOIN incidents i ON i.id = t.incident_id LEFT JOIN people p ON p.id = t.person_id`

func scanTask(row scanner) (incident.Task, error) {
	var t incident.Task
	var answered, created string
	err := row.Scan(&t.ID, &t.IncidentID, &t.PersonID, &t.PersonName, &t.Kind, &t.Instruction, &t.Answer, &answered, &created, &t.IncidentTitle)
	t.AnsweredAt, t.CreatedAt = incParse(answered), incParse(created)
	return t, err
}

// Tasks implements incident.Store.
func (s *Incidents) Tasks(ctx context.Context, incidentID int64) ([]incident.Task, error) {
	return queryAll(ctx, s.db.R, `SELECT `+taskCols+taskFrom+` WHERE t.incident_id = $1 ORDER BY t.id`, scanTask, incidentID)
}

// Task implements incident.Store.
func (s *Incidents) Task(ctx context.Context, id int64) (incident.Task, error) {
	t, err := scanTask(s.db.R.QueryRowContext(ctx, `SELECT `+taskCols+taskFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.E(apperr.NotFound, "incident.err.task", id)
	}
	return t, err
}

// TasksOf implements incident.Store.
func (s *Incidents) TasksOf(ctx context.Context, personID int64) ([]incident.Task, error) {
	return s.TasksOfPage(ctx, personID, paging.Cursor{}, 0)
}

// personTaskKeys orders a person's tasks for paging: unanswered first (key
// 1, answered 0), newest first within each.
var personTaskKeys = keyset{col: "(CASE WHEN t.answered_at = '' THEN 1 ELSE 0 END)", id: "t.id", desc: true, numeric: true}

// TasksOfPage implements incident.Store.
func (s *Incidents) TasksOfPage(ctx context.Context, personID int64, after paging.Cursor, limit int) ([]incident.Task, error) {
	var args argList
	conds := []string{"t.person_id = " + args.add(personID)}
	cond, err := personTaskKeys.after(after, &args)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db.R, `SELECT `+taskCols+taskFrom+where(append(conds, cond))+personTaskKeys.order(limit), scanTask, args...)
}

// CountTasksOf implements incident.Store.
func (s *Incidents) CountTasksOf(ctx context.Context, personID int64) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_tasks WHERE person_id = $1`, personID).Scan(&n)
	return n, err
}

// AddTask implements incident.Store.
func (s *Incidents) AddTask(ctx context.Context, in incident.Incident, t incident.Task, e incident.Entry, ns []incident.Notice) (incident.Task, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO incident_tasks (incident_id, person_id, kind, instruction, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.ID, t.PersonID, t.Kind, t.Instruction, incFmt(t.CreatedAt)).Scan(&t.ID); err != nil {
			return err
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		if err := incNotices(ctx, tx, ns, in.ID); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.task", in.ID, in.UnitID, map[string]any{"task": t.ID, "person": t.PersonID, "kind": t.Kind})
	})
	return t, err
}

// AnswerTask implements incident.Store.
func (s *Incidents) AnswerTask(ctx context.Context, in incident.Incident, t incident.Task, e incident.Entry) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incident_tasks SET answer = $2, answered_at = $3 WHERE id = $1 AND answered_at = ''`,
			t.ID, t.Answer, incFmt(t.AnsweredAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "incident.err.answered")
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.task_answer", in.ID, in.UnitID, map[string]any{"task": t.ID})
	})
}

const noticeCols = `n.id, n.incident_id, n.rule_key, n.authority, n.kind, n.due_at, n.sent_at, n.sent_by, COALESCE(p.name, ''), n.content,
	n.escalated_at, i.title, i.owner_id`
const noticeFrom = ` FROM incident_notices n JOIN incidents i ON i.id = n.incident_id LEFT JOIN people p ON p.id = n.sent_by`

func scanAuthority(row scanner) (incident.AuthorityNotice, error) {
	var n incident.AuthorityNotice
	var due, sent, esc string
	err := row.Scan(&n.ID, &n.IncidentID, &n.RuleKey, &n.Authority, &n.Kind, &due, &sent, &n.SentBy, &n.SentByName, &n.Content,
		&esc, &n.IncidentTitle, &n.OwnerID)
	n.DueAt, n.SentAt, n.EscalatedAt = incParse(due), incParse(sent), incParse(esc)
	return n, err
}

// OpenAuthorityNotices implements incident.Store.
func (s *Incidents) OpenAuthorityNotices(ctx context.Context) ([]incident.AuthorityNotice, error) {
	return queryAll(ctx, s.db.R, `SELECT `+noticeCols+noticeFrom+` WHERE i.status NOT IN ('reported', 'closed', 'dismissed')
		ORDER BY n.due_at, n.id`, scanAuthority)
}

// AuthorityNotices implements incident.Store.
func (s *Incidents) AuthorityNotices(ctx context.Context, incidentID int64) ([]incident.AuthorityNotice, error) {
	return queryAll(ctx, s.db.R, `SELECT `+noticeCols+noticeFrom+` WHERE n.incident_id = $1 ORDER BY n.due_at, n.id`, scanAuthority, incidentID)
}

// AuthorityNotice implements incident.Store.
func (s *Incidents) AuthorityNotice(ctx context.Context, id int64) (incident.AuthorityNotice, error) {
	n, err := scanAuthority(s.db.R.QueryRowContext(ctx, `SELECT `+noticeCols+noticeFrom+` WHERE n.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, apperr.E(apperr.NotFound, "incident.err.notice", id)
	}
	return n, err
}

// MarkSent implements incident.Store.
func (s *Incidents) MarkSent(ctx context.Context, in incident.Incident, n incident.AuthorityNotice, e incident.Entry) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incident_notices SET sent_at = $2, sent_by = $3, content = $4 WHERE id = $1 AND sent_at = ''`,
			n.ID, incFmt(n.SentAt), n.SentBy, n.Content)
		if err != nil {
			return err
		}
		if c, _ := res.RowsAffected(); c == 0 {
			return apperr.E(apperr.Conflict, "incident.err.sent")
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.notice_sent", in.ID, in.UnitID, map[string]any{"notice": n.ID, "rule": n.RuleKey})
	})
}

// Unsent implements incident.Store.
func (s *Incidents) Unsent(ctx context.Context, now time.Time) ([]incident.AuthorityNotice, error) {
	return queryAll(ctx, s.db.R, `SELECT `+noticeCols+noticeFrom+` WHERE n.sent_at = '' AND n.escalated_at = '' AND n.due_at < $1
		AND i.status NOT IN ('closed', 'dismissed') ORDER BY n.due_at, n.id`, scanAuthority, incFmt(now))
}

// ReadStates implements incident.Store.
func (s *Incidents) ReadStates(ctx context.Context, kind, ref string) ([]incident.ReadState, error) {
	return queryAll(ctx, s.db.R, `SELECT n.person_id, COALESCE(p.name, ''), n.created_at, n.read_at FROM notices n
		LEFT JOIN people p ON p.id = n.person_id WHERE n.kind = $1 AND n.ref = $2 ORDER BY n.id`, func(row scanner) (incident.ReadState, error) {
		var r incident.ReadState
		var at, read string
		err := row.Scan(&r.PersonID, &r.PersonName, &at, &read)
		r.CreatedAt = parseTime(at)
		if read != "" {
			r.ReadAt = parseTime(read)
		}
		return r, err
	}, kind, ref)
}

// LogRead implements incident.Store.
func (s *Incidents) LogRead(ctx context.Context, in incident.Incident, view string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return incAudit(ctx, tx, s.db.Dialect, "incident.read", in.ID, in.UnitID, map[string]any{"view": view})
	})
}

// LogList implements incident.Store.
func (s *Incidents) LogList(ctx context.Context, view string, ids []int64) error {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return AppendAudit(ctx, tx, s.db.Dialect, &audit.Event{Action: "incident.read", ObjectType: "incident_list", ObjectID: view,
			Detail: audit.Details(map[string]any{"view": view, "ids": strings.Join(parts, " ")})})
	})
}

// ClaimJob implements incident.Store (the jobs table is shared).
func (s *Incidents) ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error) {
	return s.db.Selfchecks().ClaimJob(ctx, key, owner, now, leaseUntil)
}

// Escalate implements incident.Store.
func (s *Incidents) Escalate(ctx context.Context, key, owner string, at time.Time, n incident.AuthorityNotice, e incident.Entry, ns []incident.Notice) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done_at = $3 WHERE key = $1 AND claimed_by = $2 AND done_at = ''`,
			key, owner, at.UTC().Format(jobTime))
		if err != nil {
			return err
		}
		if c, err := res.RowsAffected(); err != nil {
			return err
		} else if c == 0 {
			return apperr.E(apperr.Conflict, "approval.err.job_longer_held_by", key, owner)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_notices SET escalated_at = $2 WHERE id = $1`, n.ID, incFmt(at)); err != nil {
			return err
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		if err := incNotices(ctx, tx, ns, n.IncidentID); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.escalate", n.IncidentID, 0, map[string]any{"notice": n.ID, "rule": n.RuleKey, "notices": len(ns)})
	})
}

const measureCols = `m.id, m.incident_id, m.title, m.owner_id, COALESCE(p.name, ''), m.due_on, m.status, m.done_note, m.created_at, m.updated_at, i.title`
const measureFrom = ` FROM incident_measures m JOIN incidents i ON i.id = m.incident_id LEFT JOIN people p ON p.id = m.owner_id`

func scanMeasure(row scanner) (incident.Measure, error) {
	var m incident.Measure
	var created, updated string
	err := row.Scan(&m.ID, &m.IncidentID, &m.Title, &m.OwnerID, &m.OwnerName, &m.DueOn, &m.Status, &m.DoneNote, &created, &updated, &m.IncidentTitle)
	m.CreatedAt, m.UpdatedAt = incParse(created), incParse(updated)
	return m, err
}

// AddMeasure implements incident.Actions.
func (s *Incidents) AddMeasure(ctx context.Context, m incident.Measure, e incident.Entry, ns []incident.Notice) (incident.Measure, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO incident_measures (incident_id, title, owner_id, due_on, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, m.IncidentID, m.Title, m.OwnerID, m.DueOn, m.Status, incFmt(m.CreatedAt)).Scan(&m.ID); err != nil {
			return err
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		if err := incNotices(ctx, tx, ns, m.IncidentID); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.measure", m.IncidentID, 0, map[string]any{"measure": m.ID, "owner": m.OwnerID, "due": m.DueOn})
	})
	return m, err
}

// UpdateMeasure implements incident.Actions.
func (s *Incidents) UpdateMeasure(ctx context.Context, m incident.Measure, e incident.Entry) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE incident_measures SET status = $2, done_note = $3, updated_at = $4 WHERE id = $1`,
			m.ID, m.Status, m.DoneNote, incFmt(m.UpdatedAt)); err != nil {
			return err
		}
		if _, err := incEntry(ctx, tx, e); err != nil {
			return err
		}
		return incAudit(ctx, tx, s.db.Dialect, "incident.measure_update", m.IncidentID, 0, map[string]any{"measure": m.ID, "status": m.Status})
	})
}

// Measure implements incident.Actions.
func (s *Incidents) Measure(ctx context.Context, id int64) (incident.Measure, error) {
	m, err := scanMeasure(s.db.R.QueryRowContext(ctx, `SELECT `+measureCols+measureFrom+` WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.E(apperr.NotFound, "incident.err.measure", id)
	}
	return m, err
}

// Measures implements incident.Actions.
func (s *Incidents) Measures(ctx context.Context, incidentID int64) ([]incident.Measure, error) {
	return queryAll(ctx, s.db.R, `SELECT `+measureCols+measureFrom+` WHERE m.incident_id = $1 ORDER BY m.id`, scanMeasure, incidentID)
}

// MeasuresOf implements incident.Actions.
func (s *Incidents) MeasuresOf(ctx context.Context, ownerID int64) ([]incident.Measure, error) {
	return queryAll(ctx, s.db.R, `SELECT `+measureCols+measureFrom+` WHERE m.owner_id = $1 ORDER BY m.status DESC, m.due_on`, scanMeasure, ownerID)
}
