package approval_test

import (
	"context"
	"slices"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/paging"
	"kitei/internal/paging/pagingtest"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// same fails unless got holds want's ids in want's order, each once.
func same(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: paged %v, whole list %v", what, got, want)
	}
}

// TestPagedLists reads the request lists, the overdue report and the inbox
// page by page: every row once, in the order of the whole list, including
// overdue requests that share the time they are due since (all submitted
// at the same instant).
func TestPagedLists(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		staff, officer, office := w.as(t, w.staff), w.as(t, w.officer), w.as(t, w.office)
		const n = 7
		for range n {
			if _, err := w.svc.File(ctx, staff, takeOut("機密性3"), true); err != nil {
				t.Fatal(err)
			}
		}
		reqID := func(r approval.Request) int64 { return r.ID }
		ids := func(rs []approval.Request, err error) []int64 {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		mine := ids(w.svc.Mine(ctx, staff))
		if len(mine) != n {
			t.Fatalf("mine = %v", mine)
		}
		same(t, "mine", pagingtest.Walk(t, 3, func(pr paging.Request) (approval.Page[approval.Request], error) {
			return w.svc.MinePage(ctx, staff, pr)
		}, reqID), mine)
		same(t, "waiting", pagingtest.Walk(t, 3, func(pr paging.Request) (approval.Page[approval.Request], error) {
			return w.svc.WaitingPage(ctx, officer, pr)
		}, reqID), ids(w.svc.Waiting(ctx, officer)))
		f := approval.Filter{Statuses: []approval.Status{approval.Submitted}}
		same(t, "ledger", pagingtest.Walk(t, 2, func(pr paging.Request) (approval.Page[approval.Request], error) {
			return w.svc.LedgerPage(ctx, office, f, pr)
		}, reqID), ids(w.svc.Ledger(ctx, office, f)))
		same(t, "ledger, one page", pagingtest.Walk(t, 100, func(pr paging.Request) (approval.Page[approval.Request], error) {
			return w.svc.LedgerPage(ctx, office, f, pr)
		}, reqID), mine)
		if _, err := w.svc.LedgerPage(ctx, w.as(t, w.staff), f, paging.Request{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff's ledger: %v", err)
		}
		if _, err := w.svc.LedgerPage(ctx, office, f, paging.Request{After: paging.Cursor{Key: "2025-03-25", ID: 3}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("a cursor of another list: %v", err)
		}

		// Four days later every request is overdue, all since the same instant.
		w.clock.set("2025-03-29")
		over, err := w.svc.Overdue(ctx, office)
		if err != nil || len(over) != n {
			t.Fatalf("overdue = %d, %v", len(over), err)
		}
		var overIDs []int64
		for _, o := range over {
			overIDs = append(overIDs, o.Request.ID)
		}
		slices.Sort(overIDs) // same days: oldest due first, then by id
		got := pagingtest.Walk(t, 3, func(pr paging.Request) (approval.Page[approval.Overdue], error) {
			return w.svc.OverduePage(ctx, office, pr)
		}, func(o approval.Overdue) int64 { return o.Request.ID })
		same(t, "overdue", got, overIDs)
		pg, err := w.svc.OverduePage(ctx, officer, paging.Request{Limit: 1})
		if err != nil || pg.Total != n || len(pg.Rows) != 1 || pg.Rows[0].Reason != "decision" || pg.Rows[0].Days != 4 {
			t.Fatalf("officer's overdue page = %+v, %v", pg, err)
		}
		if n, err := w.svc.CountOverdue(ctx, w.as(t, w.officerB)); err != nil || n != 0 {
			t.Fatalf("another unit's officer counts %d overdue (%v)", n, err)
		}

		notes := w.notices(t, w.officer, "")
		var noteIDs []int64
		for _, x := range notes {
			noteIDs = append(noteIDs, x.ID)
		}
		if len(noteIDs) < n {
			t.Fatalf("officer's notices = %d", len(noteIDs))
		}
		same(t, "inbox", pagingtest.Walk(t, 4, func(pr paging.Request) (approval.Page[approval.Notice], error) {
			return w.svc.InboxPage(ctx, w.officer.ID, pr)
		}, func(x approval.Notice) int64 { return x.ID }), noteIDs)
	})
}
