package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/training"
)

// TestTrainingFollowPendingIsPaged: 120 more people in A1 and 5 in B get a
// course; the officers read who is still to do it page by page (every
// assignment once, in the order assigned), the rates stay one row a unit,
// and ?unit= narrows the list.
func TestTrainingFollowPendingIsPaged(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-06-01")
		for i := range 125 {
			unit := w.unitA1.ID
			if i >= 120 {
				unit = w.unitB.ID
			}
			if _, err := w.orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("P%03d", i), Name: "職員", UnitID: unit, Status: "active"}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := w.svc.CreateCourse(ctx, authz.System, training.Course{Title: "年次研修", Kind: training.KindClassroom, OpensOn: "2026-06-01",
			ClosesOn: "2026-06-30", Audience: training.Audience{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.Publish(ctx, authz.System, c.ID); err != nil {
			t.Fatal(err)
		}
		walk := func(p *authz.Principal, unit int64, limit int) []int64 {
			t.Helper()
			var ids []int64
			pr := paging.Request{Limit: limit}
			for pages := 0; ; pages++ {
				f, err := w.svc.FollowPage(ctx, p, c.ID, unit, pr)
				if err != nil {
					t.Fatal(err)
				}
				if len(f.Pending) > limit || f.Next != "" && len(f.Pending) != limit || pages > 50 {
					t.Fatalf("page %d: %d rows, next %q", pages, len(f.Pending), f.Next)
				}
				for _, a := range f.Pending {
					ids = append(ids, a.ID)
				}
				if f.Next == "" {
					if len(ids) != f.PendingTotal {
						t.Fatalf("read %d, total %d", len(ids), f.PendingTotal)
					}
					return ids
				}
				if pr.After, err = paging.Parse(f.Next); err != nil {
					t.Fatal(err)
				}
			}
		}
		officer := w.who(t, w.divA1)
		all, err := db.Trainings().Assignments(ctx, training.AssignmentFilter{CourseID: c.ID, Scope: officer.Scope(training.Follow), Pending: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, a := range all {
			want = append(want, a.ID)
		}
		// A1 holds its 120 new people and the world's three.
		if got := walk(officer, 0, 50); len(want) != 123 || !slices.Equal(got, want) {
			t.Fatalf("A1's pending: %d paged, %d in all", len(got), len(want))
		}
		chief := w.who(t, w.chief)
		if got := walk(chief, w.unitB.ID, 2); len(got) != 6 { // B's five and its officer
			t.Fatalf("B's pending for the 統括: %d", len(got))
		}
		f, err := w.svc.Follow(ctx, chief, c.ID)
		if err != nil || len(f.Pending) != training.PageSize || f.Next == "" || f.PendingTotal != f.Totals.Assigned-f.Totals.Completed-f.Totals.Excused {
			t.Fatalf("the 統括's first page: %d rows, next %q, total %d, %+v, %v", len(f.Pending), f.Next, f.PendingTotal, f.Totals, err)
		}
		if got := walk(officer, w.unitB.ID, 10); len(got) != 0 { // outside the officer's scope: nobody
			t.Fatalf("B's pending for A1's officer: %d", len(got))
		}
		if _, err := w.svc.FollowPage(ctx, officer, c.ID, 0, paging.Request{After: paging.Cursor{Key: "x", ID: 1}}); !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("another list's cursor: %v", err)
		}
	})
}
