package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
)

// Keyset reads of the self-inspection lists that grow: campaigns, a
// campaign's items, the drill-down of answers to one item, and the
// per-unit counts progress pages are cut from. Each reads req.Fetch() rows
// after the cursor; the service trims them with paging.Cut.

// intKey reads a cursor key that holds an integer (a year, an order).
func intKey(c paging.Cursor) (int64, error) {
	n, err := strconv.ParseInt(c.Key, 10, 64)
	if err != nil {
		return 0, apperr.E(apperr.BadRequest, "paging.err.cursor")
	}
	return n, nil
}

// CampaignsPage implements selfcheck.Store: newest first, by fiscal year
// and id (cursor: the year and the id of the last campaign shown).
func (s *Selfchecks) CampaignsPage(ctx context.Context, req paging.Request) ([]selfcheck.Campaign, error) {
	q := `SELECT ` + campaignCols + ` FROM sc_campaigns c`
	args := []any{}
	if !req.After.IsZero() {
		year, err := intKey(req.After)
		if err != nil {
			return nil, err
		}
		q += ` WHERE (c.fiscal_year, c.id) < ($1, $2)`
		args = append(args, year, req.After.ID)
	}
	args = append(args, req.Fetch())
	q += ` ORDER BY c.fiscal_year DESC, c.id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.db.R.QueryContext(ctx, q, args...)
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

const scItemCols = `id, campaign_id, ord, edition_id, node_ref, section_ref, section_title, subject, body, question, roles`

// ItemsPage implements selfcheck.Store: the campaign's items in order
// (cursor: the order and the id of the last item shown).
func (s *Selfchecks) ItemsPage(ctx context.Context, campaignID int64, f selfcheck.ItemFilter, req paging.Request) ([]selfcheck.Item, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT ` + scItemCols + ` FROM sc_items WHERE campaign_id = $1`)
	args := []any{campaignID}
	if f.Unmapped {
		sb.WriteString(` AND roles = ''`)
	}
	if !req.After.IsZero() {
		ord, err := intKey(req.After)
		if err != nil {
			return nil, err
		}
		args = append(args, ord, req.After.ID)
		sb.WriteString(` AND (ord, id) > ($2, $3)`)
	}
	args = append(args, req.Fetch())
	sb.WriteString(` ORDER BY ord, id LIMIT $` + strconv.Itoa(len(args)))
	rows, err := s.db.R.QueryContext(ctx, sb.String(), args...)
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

// Item implements selfcheck.Store.
func (s *Selfchecks) Item(ctx context.Context, campaignID, itemID int64) (selfcheck.Item, error) {
	var it selfcheck.Item
	var roles string
	err := s.db.R.QueryRowContext(ctx, `SELECT `+scItemCols+` FROM sc_items WHERE campaign_id = $1 AND id = $2`, campaignID, itemID).
		Scan(&it.ID, &it.CampaignID, &it.Ord, &it.EditionID, &it.NodeRef, &it.SectionRef, &it.SectionTitle,
			&it.Subject, &it.Text, &it.Question, &roles)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return it, apperr.E(apperr.NotFound, "selfcheck.err.item_campaign2", itemID, campaignID)
		}
		return it, err
	}
	it.Roles = strings.Fields(roles)
	return it, nil
}

// CountUnmapped implements selfcheck.Store.
func (s *Selfchecks) CountUnmapped(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM sc_items WHERE campaign_id = $1 AND roles = ''`, campaignID).Scan(&n)
	return n, err
}

// UnitStatusesIn implements selfcheck.Store: UnitStatuses for the given
// units only (nil: every unit), one aggregate query over the index on
// (campaign, unit).
func (s *Selfchecks) UnitStatusesIn(ctx context.Context, campaignID int64, unitIDs []int64) ([]selfcheck.UnitStatus, error) {
	if unitIDs == nil {
		return s.UnitStatuses(ctx, campaignID)
	}
	if len(unitIDs) == 0 {
		return nil, nil
	}
	var sb strings.Builder
	sb.WriteString(`SELECT unit_id, status, COUNT(*) FROM sc_checklists WHERE campaign_id = $1`)
	args := inList(&sb, []any{campaignID}, "unit_id", unitIDs)
	sb.WriteString(` GROUP BY unit_id, status ORDER BY unit_id`)
	rows, err := s.db.R.QueryContext(ctx, sb.String(), args...)
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

// answerOrder sorts a drill-down: 実施していない first (value descending),
// then by employee number and person id. The cursor key is
// "rank|employee_no" with rank = 5 - value, so the order is ascending.
const answerOrder = `(5 - a.value), p.employee_no, p.id`

// ItemAnswersPage implements selfcheck.Store: ItemAnswers one page at a
// time (cursor: rank and employee number of the last answer, and its
// person id).
func (s *Selfchecks) ItemAnswersPage(ctx context.Context, campaignID, itemID int64, unitIDs []int64, req paging.Request) ([]selfcheck.PersonAnswer, error) {
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
	if !req.After.IsZero() {
		rank, no, ok := strings.Cut(req.After.Key, "|")
		r, err := strconv.Atoi(rank)
		if !ok || err != nil {
			return nil, apperr.E(apperr.BadRequest, "paging.err.cursor")
		}
		args = append(args, r, no, req.After.ID)
		n := len(args)
		sb.WriteString(" AND (" + answerOrder + ") > ($" + strconv.Itoa(n-2) + ", $" + strconv.Itoa(n-1) + ", $" + strconv.Itoa(n) + ")")
	}
	args = append(args, req.Fetch())
	sb.WriteString(" ORDER BY " + answerOrder + " LIMIT $" + strconv.Itoa(len(args)))
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
