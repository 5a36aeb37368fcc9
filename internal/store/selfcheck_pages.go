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

// campaignKeys: newest first by fiscal year; itemKeys: campaign order.
var (
	campaignKeys = keyset{col: "c.fiscal_year", id: "c.id", desc: true, numeric: true}
	itemKeys     = keyset{col: "ord", id: "id", numeric: true}
)

// CampaignsPage implements selfcheck.Store: newest first, by fiscal year
// and id (cursor: the year and the id of the last campaign shown).
func (s *Selfchecks) CampaignsPage(ctx context.Context, req paging.Request) ([]selfcheck.Campaign, error) {
	var args argList
	cond, err := campaignKeys.after(req.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + campaignCols + ` FROM sc_campaigns c` + where([]string{cond}) + campaignKeys.order(req.Fetch())
	return queryAll(ctx, s.db.R, q, scanCampaign, args...)
}

// ItemsPage implements selfcheck.Store: the campaign's items in order
// (cursor: the order and the id of the last item shown).
func (s *Selfchecks) ItemsPage(ctx context.Context, campaignID int64, f selfcheck.ItemFilter, req paging.Request) ([]selfcheck.Item, error) {
	args := argList{campaignID}
	conds := []string{"campaign_id = $1"}
	if f.Unmapped {
		conds = append(conds, "roles = ''")
	}
	cond, err := itemKeys.after(req.After, &args)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + scItemCols + ` FROM sc_items` + where(append(conds, cond)) + itemKeys.order(req.Fetch())
	return queryAll(ctx, s.db.R, q, scanSCItem, args...)
}

// Item implements selfcheck.Store.
func (s *Selfchecks) Item(ctx context.Context, campaignID, itemID int64) (selfcheck.Item, error) {
	it, err := scanSCItem(s.db.R.QueryRowContext(ctx, `SELECT `+scItemCols+` FROM sc_items WHERE campaign_id = $1 AND id = $2`, campaignID, itemID))
	if errors.Is(err, sql.ErrNoRows) {
		return it, apperr.E(apperr.NotFound, "selfcheck.err.item_campaign2", itemID, campaignID)
	}
	return it, err
}

// CountUnmapped implements selfcheck.Store.
func (s *Selfchecks) CountUnmapped(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM sc_items WHERE campaign_id = $1 AND roles = ''`, campaignID).Scan(&n)
	return n, err
}

// UnitStatusesIn implements selfcheck.Store: UnitStatuses for the given
// units only (nil: every unit), one aggregate query over the index on
// (campaign, unit, status).
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
	return s.unitStatuses(ctx, sb.String(), args...)
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
	sb.WriteString(personAnswerSelect)
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
	return queryAll(ctx, s.db.R, sb.String(), scanPersonAnswer, args...)
}
