package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// walk reads every page of a list with limit rows per page, checking that
// each page but the last is full and carries a cursor, and returns the
// rows in order.
func walk[T any](t *testing.T, name string, limit int, read func(req paging.Request) ([]T, string, error)) []T {
	t.Helper()
	var out []T
	req := paging.Request{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: no end after 1000 pages", name)
		}
		rows, next, err := read(req)
		if err != nil {
			t.Fatalf("%s page %d: %v", name, pages+1, err)
		}
		out = append(out, rows...)
		if next == "" {
			if len(rows) > limit {
				t.Fatalf("%s: last page has %d rows, limit %d", name, len(rows), limit)
			}
			return out
		}
		if len(rows) != limit {
			t.Fatalf("%s page %d: %d rows and a next cursor, want %d", name, pages+1, len(rows), limit)
		}
		c, err := paging.Parse(next)
		if err != nil {
			t.Fatalf("%s: next cursor %q: %v", name, next, err)
		}
		req.After = c
	}
}

// sameIDs fails unless got and want hold the same ids in the same order
// (no duplicates, no gaps).
func sameIDs(t *testing.T, name string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: paged %d rows %v,\nwhole list %d rows %v", name, len(got), got, len(want), want)
	}
	seen := map[int64]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s: %d twice", name, id)
		}
		seen[id] = true
	}
}

func ids[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

// TestSelfcheckKeysetPages pages every self-inspection list that grows
// (campaigns, items, items without a role, progress by unit, roll-up rows,
// item figures, the drill-down and a checklist) on every engine: following
// the cursors yields the whole list in order with no duplicate nor gap,
// and a cursor the list cannot read is a 400.
func TestSelfcheckKeysetPages(t *testing.T) {
	storetest.Engines(t, testSelfcheckKeysetPages)
}

func testSelfcheckKeysetPages(t *testing.T, db *store.DB) {
	ctx := context.Background()
	svc, fx := selfcheckFixture(t, db, 230) // 23 課 of 10, 3 部, 12 items
	st := db.Selfchecks()
	c := fx.CampaignID

	// Answers: every third person answers everything, values spread.
	for i, p := range fx.People {
		if i%3 != 0 {
			continue
		}
		for j, it := range fx.ItemIDs {
			v := selfcheck.Values[(i+j)%4]
			if _, err := svc.SaveAnswer(ctx, c, p.ID, it, v, "理由"); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Campaigns: several years, newest first.
	for i, year := range []int{2024, 2026, 2025, 2026, 2024, 2027, 2025} {
		if _, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: fmt.Sprintf("点検%d", i), FiscalYear: year,
			OpensOn: "2026-01-01", ClosesOn: "2026-12-31"}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := svc.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := walk(t, "campaigns", 3, func(req paging.Request) ([]selfcheck.Campaign, string, error) {
		return svc.CampaignsPage(ctx, req)
	})
	id := func(c selfcheck.Campaign) int64 { return c.ID }
	sameIDs(t, "campaigns", ids(got, id), ids(all, id))

	// Items, in order.
	items, err := svc.Items(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	itemID := func(it selfcheck.Item) int64 { return it.ID }
	for _, limit := range []int{1, 5, 12, 50} {
		got := walk(t, "items", limit, func(req paging.Request) ([]selfcheck.Item, string, error) {
			return svc.ItemsPage(ctx, c, selfcheck.ItemFilter{}, req)
		})
		sameIDs(t, fmt.Sprintf("items by %d", limit), ids(got, itemID), ids(items, itemID))
	}

	// Items without a role, in a draft.
	draft, err := svc.CreateCampaign(ctx, selfcheck.Campaign{Name: "準備中", FiscalYear: 2026, OpensOn: "2026-01-01", ClosesOn: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	dItems, err := svc.AddItems(ctx, draft.ID, fx.EditionID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var unmapped []int64
	for i, it := range dItems {
		if i%2 == 1 {
			it.Roles = nil
			if err := st.UpdateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
			unmapped = append(unmapped, it.ID)
		}
	}
	if n, err := svc.CountUnmapped(ctx, draft.ID); err != nil || n != len(unmapped) {
		t.Fatalf("count unmapped = %d, %v; want %d", n, err, len(unmapped))
	}
	gotU := walk(t, "unmapped", 4, func(req paging.Request) ([]selfcheck.Item, string, error) {
		return svc.ItemsPage(ctx, draft.ID, selfcheck.ItemFilter{Unmapped: true}, req)
	})
	sameIDs(t, "unmapped items", ids(gotU, itemID), unmapped)
	if _, _, err := svc.ItemsPage(ctx, 987654, selfcheck.ItemFilter{}, paging.Request{}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("items of no campaign: %v", err)
	}

	// Progress by unit, as the office and as an officer.
	office := &authz.Principal{PersonID: fx.ChiefISO, Grants: []authz.Grant{{Role: authz.RoleChiefISO}}}
	var officer *authz.Principal
	for _, p := range fx.People {
		if p.ID == fx.Officers[p.UnitID] {
			officer = &authz.Principal{PersonID: p.ID, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: p.UnitPath}}}
			break
		}
	}
	if officer == nil {
		t.Fatal("no officer in the fixture")
	}
	unitID := func(r selfcheck.ProgressRow) int64 { return r.Unit.ID }
	for _, who := range []*authz.Principal{office, officer} {
		rows, total, err := svc.Progress(ctx, who, c)
		if err != nil {
			t.Fatal(err)
		}
		var pageTotal selfcheck.UnitStatus
		got := walk(t, "progress", 4, func(req paging.Request) ([]selfcheck.ProgressRow, string, error) {
			pg, err := svc.ProgressPage(ctx, who, c, req)
			if err != nil {
				return nil, "", err
			}
			if pg.Units != len(rows) {
				t.Errorf("progress page counts %d units, want %d", pg.Units, len(rows))
			}
			pageTotal = pg.Total
			return pg.Rows, pg.Next, nil
		})
		sameIDs(t, "progress", ids(got, unitID), ids(rows, unitID))
		if pageTotal != total || total.NotStarted+total.InProgress+total.Submitted == 0 {
			t.Errorf("progress total %+v, want %+v", pageTotal, total)
		}
		for i := range got {
			if got[i] != rows[i] {
				t.Fatalf("progress row %d = %+v, want %+v", i, got[i], rows[i])
			}
		}
	}
	if len(walk(t, "officer progress", 50, func(req paging.Request) ([]selfcheck.ProgressRow, string, error) {
		pg, err := svc.ProgressPage(ctx, officer, c, req)
		if err != nil {
			return nil, "", err
		}
		return pg.Rows, pg.Next, nil
	})) != 1 {
		t.Error("an officer of one 課 sees more than their unit")
	}

	// Roll-up rows, at each unit and summed at the 部.
	rowID := func(r selfcheck.RollupRow) int64 { return r.Unit.ID }
	for _, level := range []int{-1, 1} {
		ru, err := svc.Rollup(ctx, office, c, level)
		if err != nil {
			t.Fatal(err)
		}
		got := walk(t, "rollup", 5, func(req paging.Request) ([]selfcheck.RollupRow, string, error) {
			pg, err := svc.RollupPage(ctx, office, c, level, req)
			if err != nil {
				return nil, "", err
			}
			if pg.UnitRows != len(ru.Rows) || pg.Total.Total != ru.Total.Total {
				t.Errorf("rollup page: %d rows, total %+v; want %d, %+v", pg.UnitRows, pg.Total.Total, len(ru.Rows), ru.Total.Total)
			}
			return pg.Rows, pg.Next, nil
		})
		sameIDs(t, fmt.Sprintf("rollup level %d", level), ids(got, rowID), ids(ru.Rows, rowID))
	}

	// Item figures, weakest first.
	stats := walk(t, "item stats", 5, func(req paging.Request) ([]selfcheck.ItemStat, string, error) {
		return svc.ItemStatsPage(ctx, office, c, req)
	})
	statID := func(s selfcheck.ItemStat) int64 { return s.Item.ID }
	if gotIDs := ids(stats, statID); len(gotIDs) != len(items) {
		t.Fatalf("item stats: %d of %d items", len(gotIDs), len(items))
	}
	sorted := slices.Clone(ids(stats, statID))
	slices.Sort(sorted)
	sameIDs(t, "item stats (as a set)", sorted, ids(items, itemID))
	for i := 1; i < len(stats); i++ {
		a, b := stats[i-1].Cell.Rate(), stats[i].Cell.Rate()
		if a > b && b >= 0 || a < 0 && b >= 0 {
			t.Fatalf("item stats out of order at %d: %v then %v", i, a, b)
		}
	}

	// The drill-down into one item, organisation-wide.
	answers, err := svc.ItemAnswers(ctx, office, c, fx.ItemIDs[0], 0)
	if err != nil || len(answers) < 20 {
		t.Fatalf("%d answers, %v", len(answers), err)
	}
	personID := func(a selfcheck.PersonAnswer) int64 { return a.PersonID }
	gotA := walk(t, "drill", 7, func(req paging.Request) ([]selfcheck.PersonAnswer, string, error) {
		return svc.ItemAnswersPage(ctx, office, c, fx.ItemIDs[0], 0, req)
	})
	sameIDs(t, "drill-down", ids(gotA, personID), ids(answers, personID))
	if _, _, err := svc.ItemAnswersPage(ctx, officer, c, fx.ItemIDs[0], 0, paging.Request{}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("officer drilling organisation-wide: %v", err)
	}

	// A person's checklist.
	p := fx.People[3]
	v, err := svc.MyChecklist(ctx, c, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	first := 0
	gotM := walk(t, "checklist", 5, func(req paging.Request) ([]selfcheck.ItemAnswer, string, error) {
		pv, next, err := svc.MyChecklistPage(ctx, c, p.ID, req)
		if err != nil {
			return nil, "", err
		}
		if pv.First != first+1 {
			t.Errorf("checklist page starts at %d, want %d", pv.First, first+1)
		}
		first += len(pv.Items)
		return pv.Items, next, nil
	})
	answerItem := func(a selfcheck.ItemAnswer) int64 { return a.ID }
	sameIDs(t, "checklist", ids(gotM, answerItem), ids(v.Items, answerItem))

	// Improvement actions, by due date (several on one day).
	for i, due := range []string{"2026-12-01", "2026-11-01", "2026-12-01", "2026-10-15", "2026-12-01", "2026-11-30", "2027-01-10"} {
		if _, err := svc.CreateAction(ctx, selfcheck.Action{CampaignID: c, ItemID: fx.ItemIDs[i%len(fx.ItemIDs)],
			UnitID: fx.People[0].UnitID, Title: fmt.Sprintf("措置%d", i), OwnerID: fx.People[i].ID, DueOn: due}); err != nil {
			t.Fatal(err)
		}
	}
	acts, err := svc.Actions(ctx, c)
	if err != nil || len(acts) != 7 {
		t.Fatalf("%d actions, %v", len(acts), err)
	}
	actionID := func(a selfcheck.Action) int64 { return a.ID }
	gotAct := walk(t, "actions", 2, func(req paging.Request) ([]selfcheck.Action, string, error) {
		return svc.ActionsPage(ctx, c, req)
	})
	sameIDs(t, "actions", ids(gotAct, actionID), ids(acts, actionID))

	// Cursors that are not cursors, or not of this list.
	bad := []paging.Cursor{{Key: "abc", ID: 3}, {Key: "", ID: 3}}
	for _, cur := range bad {
		req := paging.Request{After: cur, Limit: 5}
		if _, _, err := svc.ItemsPage(ctx, c, selfcheck.ItemFilter{}, req); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("items after %+v: %v", cur, err)
		}
		if _, _, err := svc.CampaignsPage(ctx, req); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("campaigns after %+v: %v", cur, err)
		}
		if _, _, err := svc.MyChecklistPage(ctx, c, p.ID, req); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("checklist after %+v: %v", cur, err)
		}
		if _, _, err := svc.ItemAnswersPage(ctx, office, c, fx.ItemIDs[0], 0, req); !apperr.Is(err, apperr.BadRequest) {
			t.Errorf("drill-down after %+v: %v", cur, err)
		}
	}
}

// TestUnitStatusesIn: the counts of some units are those units' counts
// of the whole campaign.
func TestUnitStatusesIn(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, fx := selfcheckFixture(t, db, 60)
		st := db.Selfchecks()
		every, err := st.UnitStatuses(ctx, fx.CampaignID)
		if err != nil || len(every) < 3 {
			t.Fatalf("%d units, %v", len(every), err)
		}
		some := []int64{every[0].UnitID, every[2].UnitID}
		got, err := st.UnitStatusesIn(ctx, fx.CampaignID, some)
		if err != nil || len(got) != 2 || got[0] != every[0] || got[1] != every[2] {
			t.Fatalf("some units: %+v, %v; want %+v %+v", got, err, every[0], every[2])
		}
		if got, err := st.UnitStatusesIn(ctx, fx.CampaignID, []int64{}); err != nil || len(got) != 0 {
			t.Fatalf("no units: %+v, %v", got, err)
		}
		if got, err := st.UnitStatusesIn(ctx, fx.CampaignID, nil); err != nil || !slices.Equal(got, every) {
			t.Fatalf("every unit: %+v, %v", got, err)
		}
	})
}
