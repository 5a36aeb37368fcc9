package tracker_test

import (
	"context"
	"strconv"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
)

func TestOverviewOwnActionsAndScopedFigures(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		ov := w.svc.Overview()
		file := func(title, due string) tracker.Action {
			a, err := w.svc.Create(ctx, w.officerP, tracker.Action{Source: tracker.Source{Kind: tracker.FromReview, Label: "R"},
				UnitID: w.unit.ID, Title: title, OwnerID: w.owner.ID, DueOn: due})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		late := file("手順書の改訂", "2026-05-15")
		file("研修の実施", "2026-07-31")
		done := file("鍵の交換", "2026-06-30")
		if _, err := w.svc.MarkDone(ctx, w.ownerP, done.ID, "交換済み"); err != nil {
			t.Fatal(err)
		}

		todos, err := ov.Todos(ctx, w.ownerP)
		if err != nil || len(todos) != 2 {
			t.Fatalf("owner to-dos %v %+v, want the two open actions", err, todos)
		}
		keys := map[string]bool{}
		for _, td := range todos {
			keys[td.Key] = true
			if td.Due == "" {
				t.Errorf("to-do without a due date: %+v", td)
			}
			if td.Href == "/actions/"+strconv.FormatInt(late.ID, 10) && td.Key != "tracker.todo.overdue" {
				t.Errorf("overdue action shown as %s", td.Key)
			}
		}
		if !keys["tracker.todo.overdue"] || !keys["tracker.todo.action"] {
			t.Errorf("owner to-do keys %v", keys)
		}
		// The officer owns nothing but has the done action to confirm.
		todos, err = ov.Todos(ctx, w.officerP)
		if err != nil || len(todos) != 1 || todos[0].Key != "tracker.todo.confirm" || todos[0].Count != 1 {
			t.Errorf("officer to-dos %v %+v", err, todos)
		}
		stranger := &authz.Principal{PersonID: 999, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: w.other.Path}, {Role: authz.RoleStaff, UnitPath: w.other.Path}}}
		if todos, err := ov.Todos(ctx, stranger); err != nil || len(todos) != 0 {
			t.Errorf("officer of another unit gets to-dos %v %+v", err, todos)
		}

		// Figures: the officer's unit has two open actions, one overdue; the
		// other unit's officer sees none of them; staff see no figures.
		figs, err := ov.Figures(ctx, w.officerP)
		if err != nil || len(figs) != 2 || figs[0].Value != 2 || figs[1].Value != 1 || !figs[1].Warn {
			t.Errorf("officer figures %v %+v", err, figs)
		}
		figs, err = ov.Figures(ctx, stranger)
		if err != nil || len(figs) != 2 || figs[0].Value != 0 || figs[1].Value != 0 || figs[1].Warn {
			t.Errorf("other unit's officer figures %v %+v", err, figs)
		}
		if figs, _ := ov.Figures(ctx, w.ownerP); len(figs) != 0 {
			t.Errorf("staff figures %+v", figs)
		}
	})
}
