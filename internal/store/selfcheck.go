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
	"kitei/internal/selfcheck"
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

const scItemCols = `id, campaign_id, ord, edition_id, node_ref, section_ref, section_title, subject, body, question, roles`

func scanSCItem(row scanner) (selfcheck.Item, error) {
	var it selfcheck.Item
	var roles string
	err := row.Scan(&it.ID, &it.CampaignID, &it.Ord, &it.EditionID, &it.NodeRef, &it.SectionRef, &it.SectionTitle,
		&it.Subject, &it.Text, &it.Question, &roles)
	it.Roles = strings.Fields(roles)
	return it, err
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
			return apperr.E(apperr.NotFound, "selfcheck.err.self_inspection_campaign", c.ID)
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
			return apperr.E(apperr.Conflict, "selfcheck.err.campaign_published2", id)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.campaign_status", "selfcheck_campaign", id,
			map[string]any{"status": string(st)})
	})
}

// Campaign implements selfcheck.Store.
func (s *Selfchecks) Campaign(ctx context.Context, id int64) (selfcheck.Campaign, error) {
	c, err := scanCampaign(s.db.R.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM sc_campaigns c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.E(apperr.NotFound, "selfcheck.err.self_inspection_campaign", id)
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
	return queryAll(ctx, s.db.R, `SELECT `+campaignCols+` FROM sc_campaigns c ORDER BY c.fiscal_year DESC, c.id DESC`, scanCampaign)
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
				return apperr.E(apperr.NotFound, "selfcheck.err.self_inspection_campaign", campaignID)
			}
			return err
		}
		if status != string(selfcheck.Draft) {
			return apperr.E(apperr.Conflict, "selfcheck.err.items_added_while_campaign_draft")
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
			return apperr.E(apperr.NotFound, "selfcheck.err.item_campaign2", it.ID, it.CampaignID)
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
			return apperr.E(apperr.NotFound, "selfcheck.err.item_draft_campaign", itemID, campaignID)
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.item_remove", "selfcheck_item", itemID,
			map[string]any{"campaign": campaignID})
	})
}

// Items implements selfcheck.Store.
func (s *Selfchecks) Items(ctx context.Context, campaignID int64) ([]selfcheck.Item, error) {
	return queryAll(ctx, s.db.R, `SELECT `+scItemCols+` FROM sc_items WHERE campaign_id = $1 ORDER BY ord`, scanSCItem, campaignID)
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
			return apperr.E(apperr.Conflict, "selfcheck.err.campaign_draft", campaignID)
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
		return c, apperr.E(apperr.NotFound, "selfcheck.err.checklist_person_campaign", personID, campaignID)
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
			return apperr.E(apperr.Conflict, "selfcheck.err.checklist_already_submitted_fully_answered")
		}
		return scAudit(ctx, tx, s.db.Dialect, "selfcheck.submit", "selfcheck_checklist", checklistID, nil)
	})
}
