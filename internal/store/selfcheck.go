package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/selfcheck"
	"kitei/internal/tracker"
)

// Selfchecks implements selfcheck.Store.
type Selfchecks struct{ db *DB }

// Selfchecks returns the self-inspection store.
func (db *DB) Selfchecks() *Selfchecks { return &Selfchecks{db: db} }

var _ selfcheck.Store = (*Selfchecks)(nil)

// jobTime is a fixed-width UTC layout, so text comparison orders times.
const jobTime = "2006-01-02T15:04:05.000000Z"

const campaignCols = `c.id, c.name, c.fiscal_year, c.opens_on, c.closes_on, c.status, c.published_on,
	c.remind_days, c.created_at,
	(SELECT COUNT(*) FROM sc_items i WHERE i.campaign_id = c.id),
	(SELECT COUNT(*) FROM sc_checklists k WHERE k.campaign_id = c.id)`

func scanCampaign(row scanner) (selfcheck.Campaign, error) {
	var c selfcheck.Campaign
	var created, status string
	err := row.Scan(&c.ID, &c.Name, &c.FiscalYear, &c.OpensOn, &c.ClosesOn, &status, &c.PublishedOn,
		&c.RemindDays, &created, &c.Items, &c.Checklists)
	c.Status = selfcheck.Status(status)
	c.CreatedAt = parseTime(created)
	return c, err
}

func scAudit(ctx context.Context, tx *sql.Tx, d Dialect, action, objType string, id int64, kv map[string]any) error {
	return AppendAudit(ctx, tx, d, &audit.Event{Action: action, ObjectType: objType,
		ObjectID: strconv.FormatInt(id, 10), Detail: audit.Details(kv)})
}

// CreateCampaign implements selfcheck.Store.
func (s *Selfchecks) CreateCampaign(ctx context.Context, c selfcheck.Campaign) (selfcheck.Campaign, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := formatTime(c.CreatedAt)
		if err := tx.QueryRowContext(ctx, `INSERT INTO sc_campaigns (name, fiscal_year, opens_on, closes_on, status,
			remind_days, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			c.Name, c.FiscalYear, c.OpensOn, c.ClosesOn, string(c.Status), c.RemindDays, now).Scan(&c.ID); err != nil {
			return err
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.campaign_create", "selfcheck_campaign", c.ID,
			map[string]any{"name": c.Name, "fiscal_year": c.FiscalYear, "opens_on": c.OpensOn, "closes_on": c.ClosesOn})
	})
	return c, err
}

// UpdateCampaign implements selfcheck.Store.
func (s *Selfchecks) UpdateCampaign(ctx context.Context, c selfcheck.Campaign) (selfcheck.Campaign, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sc_campaigns SET name = $2, fiscal_year = $3, opens_on = $4, closes_on = $5,
			remind_days = $6, updated_at = $7 WHERE id = $1`,
			c.ID, c.Name, c.FiscalYear, c.OpensOn, c.ClosesOn, c.RemindDays, formatTime(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "no self-inspection campaign %d", c.ID)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.campaign_update", "selfcheck_campaign", c.ID,
			map[string]any{"name": c.Name, "fiscal_year": c.FiscalYear, "opens_on": c.OpensOn, "closes_on": c.ClosesOn,
				"remind_days": c.RemindDays})
	})
	if err != nil {
		return c, err
	}
	return s.Campaign(ctx, c.ID)
}

// SetStatus implements selfcheck.Store.
func (s *Selfchecks) SetStatus(ctx context.Context, id int64, st selfcheck.Status) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sc_campaigns SET status = $2, updated_at = $3 WHERE id = $1 AND status <> 'draft'`,
			id, string(st), formatTime(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "campaign %d is not published", id)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.campaign_status", "selfcheck_campaign", id,
			map[string]any{"status": string(st)})
	})
}

// Campaign implements selfcheck.Store.
func (s *Selfchecks) Campaign(ctx context.Context, id int64) (selfcheck.Campaign, error) {
	c, err := scanCampaign(s.db.R.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM sc_campaigns c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no self-inspection campaign %d", id)
	}
	if err != nil {
		return c, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT DISTINCT edition_id FROM sc_items WHERE campaign_id = $1 ORDER BY edition_id`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var e int64
		if err := rows.Scan(&e); err != nil {
			return c, err
		}
		c.EditionIDs = append(c.EditionIDs, e)
	}
	return c, rows.Err()
}

// Campaigns implements selfcheck.Store.
func (s *Selfchecks) Campaigns(ctx context.Context) ([]selfcheck.Campaign, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+campaignCols+` FROM sc_campaigns c ORDER BY c.fiscal_year DESC, c.id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddItems implements selfcheck.Store.
func (s *Selfchecks) AddItems(ctx context.Context, campaignID int64, items []selfcheck.Item) ([]selfcheck.Item, error) {
	var added []selfcheck.Item
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var status string
		var ord int
		if err := tx.QueryRowContext(ctx, `SELECT status, (SELECT COALESCE(MAX(ord), 0) FROM sc_items WHERE campaign_id = $1)
			FROM sc_campaigns WHERE id = $1`, campaignID).Scan(&status, &ord); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, "no self-inspection campaign %d", campaignID)
			}
			return err
		}
		if status != string(selfcheck.Draft) {
			return apperr.New(apperr.Conflict, "items can only be added while the campaign is a draft")
		}
		for _, it := range items {
			var exists int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM sc_items WHERE campaign_id = $1 AND edition_id = $2 AND node_ref = $3`,
				campaignID, it.EditionID, it.NodeRef).Scan(&exists)
			if err == nil {
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			ord++
			it.CampaignID, it.Ord = campaignID, ord
			if err := tx.QueryRowContext(ctx, `INSERT INTO sc_items (campaign_id, ord, edition_id, node_ref, section_ref,
				section_title, subject, body, question, roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				campaignID, ord, it.EditionID, it.NodeRef, it.SectionRef, it.SectionTitle, it.Subject, it.Text, it.Question,
				strings.Join(it.Roles, " ")).Scan(&it.ID); err != nil {
				return err
			}
			added = append(added, it)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.items_add", "selfcheck_campaign", campaignID,
			map[string]any{"added": len(added)})
	})
	return added, err
}

// UpdateItem implements selfcheck.Store.
func (s *Selfchecks) UpdateItem(ctx context.Context, it selfcheck.Item) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sc_items SET question = $3, roles = $4 WHERE id = $1 AND campaign_id = $2`,
			it.ID, it.CampaignID, it.Question, strings.Join(it.Roles, " "))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "no item %d in campaign %d", it.ID, it.CampaignID)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.item_update", "selfcheck_item", it.ID,
			map[string]any{"campaign": it.CampaignID, "question": it.Question, "roles": it.Roles})
	})
}

// RemoveItem implements selfcheck.Store.
func (s *Selfchecks) RemoveItem(ctx context.Context, campaignID, itemID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sc_items WHERE id = $1 AND campaign_id = $2
			AND (SELECT status FROM sc_campaigns WHERE id = $2) = 'draft'`, itemID, campaignID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "no item %d in draft campaign %d", itemID, campaignID)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.item_remove", "selfcheck_item", itemID,
			map[string]any{"campaign": campaignID})
	})
}

// Items implements selfcheck.Store.
func (s *Selfchecks) Items(ctx context.Context, campaignID int64) ([]selfcheck.Item, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, campaign_id, ord, edition_id, node_ref, section_ref, section_title,
		subject, body, question, roles FROM sc_items WHERE campaign_id = $1 ORDER BY ord`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Item
	for rows.Next() {
		var it selfcheck.Item
		var roles string
		if err := rows.Scan(&it.ID, &it.CampaignID, &it.Ord, &it.EditionID, &it.NodeRef, &it.SectionRef, &it.SectionTitle,
			&it.Subject, &it.Text, &it.Question, &roles); err != nil {
			return nil, err
		}
		it.Roles = strings.Fields(roles)
		out = append(out, it)
	}
	return out, rows.Err()
}

// RoleNames implements selfcheck.Store.
func (s *Selfchecks) RoleNames(ctx context.Context) ([]selfcheck.RoleName, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT key, name FROM roles WHERE retired_at IS NULL ORDER BY ord, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.RoleName
	for rows.Next() {
		var r selfcheck.RoleName
		if err := rows.Scan(&r.Key, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Holders implements selfcheck.Store.
func (s *Selfchecks) Holders(ctx context.Context, day string) ([]selfcheck.Holder, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT p.id, p.unit_id, COALESCE(r.key, '')
		FROM people p
		LEFT JOIN assignments a ON a.person_id = p.id AND a.starts_on <= $1 AND (a.ends_on = '' OR a.ends_on >= $1)
		LEFT JOIN roles r ON r.id = a.role_id AND r.retired_at IS NULL
		WHERE p.status = 'active' ORDER BY p.id`, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Holder
	for rows.Next() {
		var h selfcheck.Holder
		var role string
		if err := rows.Scan(&h.PersonID, &h.UnitID, &role); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].PersonID != h.PersonID {
			out = append(out, h)
		}
		if role != "" {
			last := &out[len(out)-1]
			last.Roles = append(last.Roles, role)
		}
	}
	return out, rows.Err()
}

// Units implements selfcheck.Store.
func (s *Selfchecks) Units(ctx context.Context) ([]selfcheck.Unit, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0), code, name, path FROM units ORDER BY path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Unit
	for rows.Next() {
		var u selfcheck.Unit
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Code, &u.Name, &u.Path); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Publish implements selfcheck.Store.
func (s *Selfchecks) Publish(ctx context.Context, campaignID int64, day string, profiles []selfcheck.Profile, checklists []selfcheck.Checklist) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sc_campaigns SET status = 'published', published_on = $2, updated_at = $3
			WHERE id = $1 AND status = 'draft'`, campaignID, day, formatTime(time.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "campaign %d is not a draft", campaignID)
		}
		ids := make([]int64, len(profiles))
		for i, p := range profiles {
			itemIDs := make([]string, len(p.ItemIDs))
			for j, id := range p.ItemIDs {
				itemIDs[j] = strconv.FormatInt(id, 10)
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO sc_profiles (campaign_id, roles, item_ids) VALUES ($1, $2, $3) RETURNING id`,
				campaignID, strings.Join(p.Roles, " "), strings.Join(itemIDs, " ")).Scan(&ids[i]); err != nil {
				return err
			}
		}
		const cols, batch = 6, 150
		var sb strings.Builder
		args := make([]any, 0, cols*batch)
		for start := 0; start < len(checklists); start += batch {
			end := min(start+batch, len(checklists))
			sb.Reset()
			args = args[:0]
			sb.WriteString(`INSERT INTO sc_checklists (campaign_id, person_id, unit_id, profile_id, status, total) VALUES `)
			for i := start; i < end; i++ {
				c := checklists[i]
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
				args = append(args, campaignID, c.PersonID, c.UnitID, ids[c.ProfileID], string(selfcheck.NotStarted), c.Total)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.publish", "selfcheck_campaign", campaignID,
			map[string]any{"day": day, "checklists": len(checklists), "profiles": len(profiles)})
	})
}

// Profiles implements selfcheck.Store.
func (s *Selfchecks) Profiles(ctx context.Context, campaignID int64) ([]selfcheck.Profile, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, roles, item_ids FROM sc_profiles WHERE campaign_id = $1 ORDER BY id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Profile
	for rows.Next() {
		var p selfcheck.Profile
		var roles, items string
		if err := rows.Scan(&p.ID, &roles, &items); err != nil {
			return nil, err
		}
		p.Roles = strings.Fields(roles)
		for _, f := range strings.Fields(items) {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("profile %d: bad item id %q", p.ID, f)
			}
			p.ItemIDs = append(p.ItemIDs, id)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

const checklistCols = `c.id, c.campaign_id, c.person_id, c.unit_id, c.profile_id, c.status, c.total, c.submitted_at,
	(SELECT COUNT(*) FROM sc_answers a WHERE a.checklist_id = c.id), pr.roles`

func scanChecklist(row scanner, extra ...any) (selfcheck.Checklist, error) {
	var c selfcheck.Checklist
	var status, submitted, roles string
	dest := append([]any{&c.ID, &c.CampaignID, &c.PersonID, &c.UnitID, &c.ProfileID, &status, &c.Total, &submitted,
		&c.Answered, &roles}, extra...)
	err := row.Scan(dest...)
	c.Status = selfcheck.ChecklistStatus(status)
	c.SubmittedAt = parseTime(submitted)
	c.Roles = strings.Fields(roles)
	return c, err
}

// ChecklistOf implements selfcheck.Store.
func (s *Selfchecks) ChecklistOf(ctx context.Context, campaignID, personID int64) (selfcheck.Checklist, error) {
	c, err := scanChecklist(s.db.R.QueryRowContext(ctx, `SELECT `+checklistCols+`
		FROM sc_checklists c JOIN sc_profiles pr ON pr.id = c.profile_id
		WHERE c.campaign_id = $1 AND c.person_id = $2`, campaignID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no checklist for person %d in campaign %d", personID, campaignID)
	}
	return c, err
}

// ChecklistsOf implements selfcheck.Store.
func (s *Selfchecks) ChecklistsOf(ctx context.Context, personID int64) ([]selfcheck.Checklist, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+checklistCols+`
		FROM sc_checklists c JOIN sc_profiles pr ON pr.id = c.profile_id
		WHERE c.person_id = $1 ORDER BY c.campaign_id DESC`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Checklist
	for rows.Next() {
		c, err := scanChecklist(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Answers implements selfcheck.Store.
func (s *Selfchecks) Answers(ctx context.Context, checklistID int64) ([]selfcheck.Answer, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT item_id, value, comment, answered_at FROM sc_answers
		WHERE checklist_id = $1 ORDER BY item_id`, checklistID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.Answer
	for rows.Next() {
		var a selfcheck.Answer
		var at string
		if err := rows.Scan(&a.ItemID, &a.Value, &a.Comment, &at); err != nil {
			return nil, err
		}
		a.AnsweredAt = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAnswers implements selfcheck.Store: one transaction for the whole
// batch, in a fixed number of statements whatever its size (a round trip
// to PostgreSQL costs more than the work). Locks are taken in one order
// (checklists by id, then answers, then tallies by unit and item) so
// batches from several replicas cannot deadlock.
func (s *Selfchecks) SaveAnswers(ctx context.Context, ws []selfcheck.AnswerWrite) []error {
	errs := make([]error, len(ws))
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := range errs {
			errs[i] = nil
		}
		return s.saveAnswers(ctx, tx, ws, errs)
	})
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("store answers: %w", err)
		}
	}
	return errs
}

type answerKey struct{ checklist, item int64 }

func (s *Selfchecks) saveAnswers(ctx context.Context, tx *sql.Tx, ws []selfcheck.AnswerWrite, errs []error) error {
	d := s.db.Dialect
	var sb strings.Builder
	var args []any
	ph := func() string { return d.Placeholder(len(args)) }

	// Campaigns still published (closing is checked again here because
	// another replica may have closed it).
	open := map[int64]bool{}
	for _, w := range ws {
		if _, ok := open[w.CampaignID]; ok {
			continue
		}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM sc_campaigns WHERE id = $1`, w.CampaignID).Scan(&status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		open[w.CampaignID] = status == string(selfcheck.Published)
	}
	var checklists []int64
	for i, w := range ws {
		if !open[w.CampaignID] {
			errs[i] = apperr.New(apperr.Conflict, "the campaign is closed; answers can no longer be changed")
			continue
		}
		checklists = append(checklists, w.ChecklistID)
	}
	if len(checklists) == 0 {
		return nil
	}
	slices.Sort(checklists)
	checklists = slices.Compact(checklists)

	// 1. Touch (and lock) the checklists that are not submitted.
	sb.WriteString(`UPDATE sc_checklists SET updated_at = `)
	args = append(args, formatTime(ws[0].At))
	sb.WriteString(ph())
	sb.WriteString(`, status = CASE WHEN status = 'not_started' THEN 'in_progress' ELSE status END
		WHERE status <> 'submitted' AND id IN (`)
	for i, id := range checklists {
		if i > 0 {
			sb.WriteByte(',')
		}
		args = append(args, id)
		sb.WriteString(ph())
	}
	sb.WriteString(`) RETURNING id`)
	rows, err := tx.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return err
	}
	writable := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		writable[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// 2. The answers being replaced, for the tallies.
	keys := map[answerKey]int{} // last write per key
	var order []answerKey
	for i, w := range ws {
		if errs[i] != nil {
			continue
		}
		if !writable[w.ChecklistID] {
			errs[i] = apperr.New(apperr.Conflict, "this checklist is already submitted; answers can no longer be changed")
			continue
		}
		k := answerKey{w.ChecklistID, w.ItemID}
		if _, ok := keys[k]; !ok {
			order = append(order, k)
		}
		keys[k] = i
	}
	if len(order) == 0 {
		return nil
	}
	slices.SortFunc(order, func(a, b answerKey) int {
		if c := cmpInt(a.checklist, b.checklist); c != 0 {
			return c
		}
		return cmpInt(a.item, b.item)
	})
	sb.Reset()
	args = args[:0]
	cast := "" // PostgreSQL types bare VALUES parameters as text
	if d == Postgres {
		cast = "::bigint"
	}
	// A join with the keys as a VALUES list makes both engines look each
	// key up by the primary key (SQLite scans the table for a row-value IN).
	sb.WriteString(`WITH k (c, i) AS (VALUES `)
	for i, k := range order {
		if i > 0 {
			sb.WriteByte(',')
		}
		args = append(args, k.checklist)
		sb.WriteString("(" + ph() + cast + ",")
		args = append(args, k.item)
		sb.WriteString(ph() + cast + ")")
	}
	sb.WriteString(`) SELECT a.checklist_id, a.item_id, a.value FROM k JOIN sc_answers a ON a.checklist_id = k.c AND a.item_id = k.i`)
	old := map[answerKey]int{}
	rows, err = tx.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k answerKey
		var v int
		if err := rows.Scan(&k.checklist, &k.item, &v); err != nil {
			rows.Close()
			return err
		}
		old[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// 3. Store the answers (the last write per key wins, as it would one
	// by one) and work out the tally changes.
	type tallyKey struct{ campaign, unit, item int64 }
	deltas := map[tallyKey]*[5]int{}
	sb.Reset()
	args = args[:0]
	sb.WriteString(`INSERT INTO sc_answers (checklist_id, item_id, value, comment, answered_at) VALUES `)
	for n, k := range order {
		w := ws[keys[k]]
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j, v := range []any{w.ChecklistID, w.ItemID, int(w.Value), w.Comment, formatTime(w.At)} {
			if j > 0 {
				sb.WriteByte(',')
			}
			args = append(args, v)
			sb.WriteString(ph())
		}
		sb.WriteByte(')')
		if prev := old[k]; prev != int(w.Value) {
			tk := tallyKey{w.CampaignID, w.UnitID, w.ItemID}
			d := deltas[tk]
			if d == nil {
				d = new([5]int)
				deltas[tk] = d
			}
			d[w.Value]++
			if prev > 0 && prev < 5 {
				d[prev]--
			}
		}
	}
	sb.WriteString(` ON CONFLICT (checklist_id, item_id) DO UPDATE SET value = excluded.value, comment = excluded.comment,
		answered_at = excluded.answered_at`)
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return err
	}

	// 4. Move the unit × item tallies.
	tks := make([]tallyKey, 0, len(deltas))
	for k, d := range deltas {
		if d[1] != 0 || d[2] != 0 || d[3] != 0 || d[4] != 0 {
			tks = append(tks, k)
		}
	}
	if len(tks) == 0 {
		return nil
	}
	slices.SortFunc(tks, func(a, b tallyKey) int {
		if c := cmpInt(a.campaign, b.campaign); c != 0 {
			return c
		}
		if c := cmpInt(a.unit, b.unit); c != 0 {
			return c
		}
		return cmpInt(a.item, b.item)
	})
	sb.Reset()
	args = args[:0]
	sb.WriteString(`INSERT INTO sc_tally (campaign_id, unit_id, item_id, n_yes, n_partial, n_no, n_na) VALUES `)
	for n, k := range tks {
		d := deltas[k]
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j, v := range []any{k.campaign, k.unit, k.item, d[1], d[2], d[3], d[4]} {
			if j > 0 {
				sb.WriteByte(',')
			}
			args = append(args, v)
			sb.WriteString(ph())
		}
		sb.WriteByte(')')
	}
	sb.WriteString(` ON CONFLICT (campaign_id, unit_id, item_id) DO UPDATE SET
		n_yes = sc_tally.n_yes + excluded.n_yes, n_partial = sc_tally.n_partial + excluded.n_partial,
		n_no = sc_tally.n_no + excluded.n_no, n_na = sc_tally.n_na + excluded.n_na`)
	_, err = tx.ExecContext(ctx, sb.String(), args...)
	return err
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Submit implements selfcheck.Store.
func (s *Selfchecks) Submit(ctx context.Context, checklistID int64, at time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sc_checklists SET status = 'submitted', submitted_at = $2, updated_at = $2
			WHERE id = $1 AND status <> 'submitted'
			AND total <= (SELECT COUNT(*) FROM sc_answers a WHERE a.checklist_id = sc_checklists.id)`, checklistID, formatTime(at))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the checklist is already submitted or not fully answered")
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.submit", "selfcheck_checklist", checklistID, nil)
	})
}

// UnitStatuses implements selfcheck.Store.
func (s *Selfchecks) UnitStatuses(ctx context.Context, campaignID int64) ([]selfcheck.UnitStatus, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT unit_id, status, COUNT(*) FROM sc_checklists WHERE campaign_id = $1
		GROUP BY unit_id, status ORDER BY unit_id`, campaignID)
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

// ItemAnswers implements selfcheck.Store.
func (s *Selfchecks) ItemAnswers(ctx context.Context, campaignID, itemID int64, unitIDs []int64) ([]selfcheck.PersonAnswer, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT p.id, p.name, p.employee_no, c.unit_id, a.value, a.comment, a.answered_at
		FROM sc_checklists c JOIN sc_answers a ON a.checklist_id = c.id AND a.item_id = $2
		JOIN people p ON p.id = c.person_id WHERE c.campaign_id = $1`)
	args := []any{campaignID, itemID}
	if unitIDs != nil {
		if len(unitIDs) == 0 {
			return nil, nil
		}
		args = inList(&sb, args, "c.unit_id", unitIDs)
	}
	sb.WriteString(" ORDER BY a.value DESC, p.employee_no")
	rows, err := s.db.R.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []selfcheck.PersonAnswer
	for rows.Next() {
		var a selfcheck.PersonAnswer
		var at string
		if err := rows.Scan(&a.PersonID, &a.PersonName, &a.EmployeeNo, &a.UnitID, &a.Value, &a.Comment, &at); err != nil {
			return nil, err
		}
		a.AnsweredAt = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
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

// Self-inspection's improvement actions live on the improvement tracker
// (tracker_actions, source selfcheck_item: source_id the campaign,
// source_item the item); these methods keep selfcheck.Store's view of them.

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
				return apperr.New(apperr.NotFound, "no campaign %d", a.CampaignID)
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
				return apperr.New(apperr.Invalid, "no person %d to own the action", a.OwnerID)
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
			return apperr.New(apperr.NotFound, "no improvement action %d in campaign %d", a.ID, a.CampaignID)
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
	rows, err := s.db.R.QueryContext(ctx, `SELECT a.id, a.source_id, a.source_item, a.unit_id, a.title, a.owner_id, a.due_on,
		a.status, a.note, a.created_at, a.updated_at, COALESCE(p.name, ''), COALESCE(i.node_ref, ''), COALESCE(u.name, '')
		FROM tracker_actions a LEFT JOIN people p ON p.id = a.owner_id LEFT JOIN sc_items i ON i.id = a.source_item
		LEFT JOIN units u ON u.id = a.unit_id WHERE a.source_kind = 'selfcheck_item' AND a.source_id = $1 ORDER BY a.due_on, a.id`, campaignID)
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
