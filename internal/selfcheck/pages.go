package selfcheck

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Lists that grow with the organisation or the campaign are read a page at
// a time with keyset cursors (see internal/paging): campaigns, items,
// progress by unit, roll-up rows, item statistics, the drill-down of
// answers and a person's checklist. Each *Page method returns the rows of
// one page and the cursor of the next ("" on the last page).

// CampaignKey is the cursor of a campaign in the newest-first list.
func CampaignKey(c Campaign) paging.Cursor {
	return paging.Cursor{Key: strconv.Itoa(c.FiscalYear), ID: c.ID}
}

// ItemKey is the cursor of an item in campaign order.
func ItemKey(it Item) paging.Cursor { return paging.Cursor{Key: strconv.Itoa(it.Ord), ID: it.ID} }

// unitKey is the cursor of a unit in tree order.
func unitKey(u Unit) paging.Cursor { return paging.Cursor{Key: u.Path, ID: u.ID} }

// afterUnit reports whether u comes after the cursor in tree order (the
// unit path byte by byte, then the id).
func afterUnit(u Unit, c paging.Cursor) bool {
	if c.IsZero() {
		return true
	}
	return u.Path > c.Key || u.Path == c.Key && u.ID > c.ID
}

// CampaignsPage lists campaigns newest first, one page at a time.
func (s *Service) CampaignsPage(ctx context.Context, req paging.Request) ([]Campaign, string, error) {
	cs, err := s.store.CampaignsPage(ctx, req)
	if err != nil {
		return nil, "", err
	}
	cs, next := paging.Cut(cs, req, CampaignKey)
	return cs, next, nil
}

// ItemsPage lists a campaign's items in order, one page at a time.
func (s *Service) ItemsPage(ctx context.Context, campaignID int64, f ItemFilter, req paging.Request) ([]Item, string, error) {
	items, err := s.store.ItemsPage(ctx, campaignID, f, req)
	if err != nil {
		return nil, "", err
	}
	if len(items) == 0 {
		// An empty page: say so for a campaign that does not exist.
		if _, err := s.store.Campaign(ctx, campaignID); err != nil {
			return nil, "", err
		}
	}
	items, next := paging.Cut(items, req, ItemKey)
	return items, next, nil
}

// Item returns one item of a campaign.
func (s *Service) Item(ctx context.Context, campaignID, itemID int64) (Item, error) {
	return s.store.Item(ctx, campaignID, itemID)
}

// CountUnmapped counts the campaign's items that no role answers.
func (s *Service) CountUnmapped(ctx context.Context, campaignID int64) (int, error) {
	return s.store.CountUnmapped(ctx, campaignID)
}

// ProgressPage is one page of progress by unit.
type ProgressPage struct {
	Rows  []ProgressRow
	Total UnitStatus // every checklist in scope, not only this page's
	Units int        // rows of every page together
	Next  string
}

// ProgressPage is Progress one page of units at a time, in tree order
// (cursor: the unit's path and id). The counts come from one aggregate
// query over the scope, so a page costs the same however many people
// answer.
func (s *Service) ProgressPage(ctx context.Context, actor *authz.Principal, campaignID int64, req paging.Request) (*ProgressPage, error) {
	rows, total, err := s.progress(ctx, campaignID, FollowScope(actor))
	if err != nil {
		return nil, err
	}
	out := &ProgressPage{Total: total, Units: len(rows)}
	out.Rows, out.Next = paging.Seek(rows, req, func(r ProgressRow, c paging.Cursor) bool { return afterUnit(r.Unit, c) },
		func(r ProgressRow) paging.Cursor { return unitKey(r.Unit) })
	return out, nil
}

// RollupPage is one page of the roll-up's unit rows.
type RollupPage struct {
	*Rollup      // Rows holds this page only; Total and Items cover the whole scope
	UnitRows int // rows of every page together
	Next     string
}

// RollupPage is Rollup one page of unit rows at a time, in tree order
// (cursor: the unit's path and id).
func (s *Service) RollupPage(ctx context.Context, actor *authz.Principal, campaignID int64, level int, req paging.Request) (*RollupPage, error) {
	ru, err := s.rollup(ctx, campaignID, FollowScope(actor), level)
	if err != nil {
		return nil, err
	}
	out := &RollupPage{Rollup: ru, UnitRows: len(ru.Rows)}
	ru.Rows, out.Next = paging.Seek(ru.Rows, req, func(r RollupRow, c paging.Cursor) bool { return afterUnit(r.Unit, c) },
		func(r RollupRow) paging.Cursor { return unitKey(r.Unit) })
	return out, nil
}

// rateKey orders item statistics weakest first: the rate of 実施 with nine
// decimals, items nobody rated last.
func rateKey(c Cell) string {
	if r := c.Rate(); r >= 0 {
		return fmt.Sprintf("%.9f", r)
	}
	return "2"
}

// ItemStatKey is the cursor of an item in the weakest-first statistics.
func ItemStatKey(st ItemStat) paging.Cursor {
	return paging.Cursor{Key: rateKey(st.Cell), ID: st.Item.ID}
}

// ItemStatsPage lists the answers to each item over the actor's scope,
// weakest first (lowest rate of 実施, unrated last, then by item id), one
// page at a time (cursor: the rate and the item id). Answers given
// between two pages may move an item across the cursor.
func (s *Service) ItemStatsPage(ctx context.Context, actor *authz.Principal, campaignID int64, req paging.Request) ([]ItemStat, string, error) {
	ru, err := s.rollup(ctx, campaignID, FollowScope(actor), -1)
	if err != nil {
		return nil, "", err
	}
	out, next := CutItemStats(ru.Items, req)
	return out, next, nil
}

// CutItemStats orders item statistics weakest first (rate of 実施, unrated
// last, then item id) and returns the page of req with the next cursor.
func CutItemStats(items []ItemStat, req paging.Request) ([]ItemStat, string) {
	keys := make([]string, len(items))
	for i := range items {
		keys[i] = rateKey(items[i].Cell)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		return ka < kb || ka == kb && items[idx[a]].Item.ID < items[idx[b]].Item.ID
	})
	var out []ItemStat
	for _, i := range idx {
		k := keys[i]
		if !req.After.IsZero() && (k < req.After.Key || k == req.After.Key && items[i].Item.ID <= req.After.ID) {
			continue
		}
		out = append(out, items[i])
		if len(out) == req.Fetch() {
			break
		}
	}
	return paging.Cut(out, req, ItemStatKey)
}

// AnswerKey is the cursor of an answer in a drill-down.
func AnswerKey(a PersonAnswer) paging.Cursor {
	return paging.Cursor{Key: strconv.Itoa(5-int(a.Value)) + "|" + a.EmployeeNo, ID: a.PersonID}
}

// ItemAnswersPage is ItemAnswers one page at a time: 実施していない first,
// then by employee number.
func (s *Service) ItemAnswersPage(ctx context.Context, actor *authz.Principal, campaignID, itemID, unitID int64, req paging.Request) ([]PersonAnswer, string, error) {
	ids, err := s.drillUnits(ctx, actor, unitID)
	if err != nil {
		return nil, "", err
	}
	as, err := s.store.ItemAnswersPage(ctx, campaignID, itemID, ids, req)
	if err != nil {
		return nil, "", err
	}
	as, next := paging.Cut(as, req, AnswerKey)
	for i := range as {
		as[i].Code = as[i].Value.String()
	}
	return as, next, nil
}

// MyChecklistPage is the person's checklist with one page of its items
// (cursor: ItemKey). next is "" on the last page.
func (s *Service) MyChecklistPage(ctx context.Context, campaignID, personID int64, req paging.Request) (*ChecklistView, string, error) {
	v, err := s.MyChecklist(ctx, campaignID, personID)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if !req.After.IsZero() {
		ord, err := strconv.Atoi(req.After.Key)
		if err != nil {
			return nil, "", apperr.E(apperr.BadRequest, "paging.err.cursor")
		}
		start = sort.Search(len(v.Items), func(i int) bool {
			it := v.Items[i]
			return it.Ord > ord || it.Ord == ord && it.ID > req.After.ID
		})
	}
	var next string
	v.First = start + 1
	v.Items, next = paging.Cut(v.Items[start:min(len(v.Items), start+req.Fetch())], req, func(it ItemAnswer) paging.Cursor { return ItemKey(it.Item) })
	return v, next, nil
}

// ActionKey is the cursor of an improvement action in due-date order.
func ActionKey(a Action) paging.Cursor { return paging.Cursor{Key: a.DueOn, ID: a.ID} }

// ActionsPage lists a campaign's improvement actions by due date, one page
// at a time.
func (s *Service) ActionsPage(ctx context.Context, campaignID int64, req paging.Request) ([]Action, string, error) {
	as, err := s.store.ActionsPage(ctx, campaignID, req)
	if err != nil {
		return nil, "", err
	}
	as, next := paging.Cut(as, req, ActionKey)
	return as, next, nil
}

// Page sizes of the API's lists when the caller names no limit (at most
// paging.Max).
const (
	CampaignsPerPage = 100
	ItemsPerPage     = 100
	ProgressPerPage  = 100
	RollupPerPage    = 100
)
