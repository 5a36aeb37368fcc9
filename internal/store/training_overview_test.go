package store_test

import (
	"context"
	"strconv"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/training"
)

// The home page and the annual report of training: a person's to-dos are
// their own courses not yet completed, an officer's completion figure
// counts only their unit, and the report counts the fiscal year's course
// with its average score.
func TestTrainingOverviewTodosFiguresReport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newTrWorld(t, db, "2026-06-01")
		sys := authz.System
		ov := w.svc.Overview()
		c, err := w.svc.CreateCourse(ctx, sys, training.Course{Title: "情報セキュリティ基本研修", Kind: training.KindELearning,
			Sections:  []training.Section{{Heading: "パスワード", Body: "他人に教えない"}},
			Questions: fiveQuestions(), PassMark: 80, OpensOn: "2026-06-01", ClosesOn: "2026-06-30",
			Audience: training.Audience{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		c, n, err := w.svc.Publish(ctx, sys, c.ID)
		if err != nil || n != 6 {
			t.Fatalf("publish: assigned %d, %v", n, err)
		}
		staff, other := w.who(t, w.staff), w.who(t, w.isso)
		href := "/training/courses/" + strconv.FormatInt(c.ID, 10)
		td, err := ov.Todos(ctx, staff)
		if err != nil || len(td) != 1 || td[0].Href != href || td[0].Args[0] != c.Title || td[0].Key != "training.todo.take" {
			t.Fatalf("to-dos before taking: %+v %v", td, err)
		}
		// The staff member passes the test: their to-do goes, the other
		// person's stays.
		if _, err := w.svc.OpenCourse(ctx, staff, c.ID); err != nil {
			t.Fatal(err)
		}
		at, err := w.svc.StartAttempt(ctx, staff, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := w.svc.Submit(ctx, staff, at.ID, rightAnswers(c)); err != nil || !res.Passed {
			t.Fatalf("submit: %+v %v", res, err)
		}
		if td, _ := ov.Todos(ctx, staff); len(td) != 0 {
			t.Errorf("completed course still a to-do: %+v", td)
		}
		if td, _ := ov.Todos(ctx, other); len(td) != 1 || td[0].Href != href {
			t.Errorf("other person's to-dos: %+v", td)
		}

		// Staff follow nothing.
		if fs, err := ov.Figures(ctx, staff); err != nil || len(fs) != 0 {
			t.Errorf("staff figures: %+v %v", fs, err)
		}
		// The A1 officer: 3 people in A1, 1 completed (A, B and the root
		// are not counted).
		fs, err := ov.Figures(ctx, w.who(t, w.divA1))
		if err != nil || len(fs) != 1 {
			t.Fatalf("A1 officer figures: %+v %v", fs, err)
		}
		if f := fs[0]; f.Value != 33.3 || f.Unit != "%" || f.Warn {
			t.Errorf("A1 officer figure = %+v, want 33.3%% without warning (not due yet)", f)
		}
		for _, b := range fs[0].Bars {
			if b.Label != w.unitA1.Name {
				t.Errorf("A1 officer sees a bar of another unit: %+v", b)
			}
		}
		// The B officer sees B's one person only.
		if fs, _ := ov.Figures(ctx, w.who(t, w.divB)); len(fs) != 1 || fs[0].Value != 0 {
			t.Errorf("B officer figures: %+v", fs)
		}
		// The 統括: everyone (6), bars per top unit (A with A1, B, the root).
		w.now = w.now.AddDate(0, 1, 0) // past the closing day: a warning
		fs, err = ov.Figures(ctx, w.who(t, w.chief))
		if err != nil || len(fs) != 1 || fs[0].Value != 16.7 || !fs[0].Warn {
			t.Fatalf("統括 figures: %+v %v", fs, err)
		}
		bars := map[string]float64{}
		for _, b := range fs[0].Bars {
			bars[b.Label] = b.Value
		}
		if len(bars) != 3 || bars[w.unitA.Name] != 25 || bars[w.unitB.Name] != 0 {
			t.Errorf("統括 bars = %+v", fs[0].Bars)
		}

		// The report of FY2026 counts the course; FY2025 has none.
		sec, err := ov.Report(ctx, 2026)
		if err != nil || len(sec.Tables) != 1 || len(sec.Tables[0].Rows) != 1 {
			t.Fatalf("report 2026: %+v %v", sec, err)
		}
		if row := sec.Tables[0].Rows[0]; row[0] != c.Title || row[2] != "6" || row[3] != "1" || row[4] != "16.7%" || row[5] != "100.0" {
			t.Errorf("report row = %v", row)
		}
		if sec.Figures[0].Value != 1 || sec.Figures[1].Value != 6 || sec.Figures[2].Value != 16.7 || sec.Figures[3].Value != 100 {
			t.Errorf("report figures = %+v", sec.Figures)
		}
		prev, err := ov.Report(ctx, 2025)
		if err != nil || len(prev.Tables[0].Rows) != 0 || prev.Figures[1].Value != 0 {
			t.Errorf("FY2025 report = %+v %v", prev, err)
		}
	})
}
