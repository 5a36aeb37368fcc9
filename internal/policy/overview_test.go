package policy_test

import (
	"context"
	"strconv"
	"testing"

	"kitei/internal/policy"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// The home page and the annual report: a staff member's to-do is a
// published document they have not acknowledged (only their own), an
// officer's figure counts only the people of their unit, and the report
// counts the versions published in the fiscal year.
func TestPolicyOverviewTodosFiguresReport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := w.a.Policy
		ov := svc.Overview()
		d, err := svc.Create(ctx, w.chief, policy.CreateInput{Name: "基本方針", Title: "情報セキュリティ基本方針", Origin: policy.OriginEmpty, Note: "新規"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ctx, w.chief, d.ID, policy.Edit{Op: "add", Ref: "1", Text: "職員は規程を守る。", Note: "追加"}); err != nil {
			t.Fatal(err)
		}
		// A draft is nobody's to-do.
		if td, err := ov.Todos(ctx, w.staff[0]); err != nil || len(td) != 0 {
			t.Fatalf("draft to-dos: %+v %v", td, err)
		}
		v, err := svc.Submit(ctx, w.chief, d.ID, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		today := svc.Today()
		if d, err = svc.Decide(ctx, w.ciso, d.ID, v.Number, policy.Decision{Approve: true, Deliberation: "委員会で了承", EffectiveOn: today}); err != nil || d.Published != 1 {
			t.Fatalf("publish: %+v %v", d, err)
		}
		read := "/policies/" + strconv.FormatInt(d.ID, 10) + "/read"
		td, err := ov.Todos(ctx, w.staff[0])
		if err != nil || len(td) != 1 || td[0].Href != read || td[0].Key != "policy.todo.ack" || td[0].Args[0] != d.Title {
			t.Fatalf("to-dos before acknowledging: %+v %v", td, err)
		}
		if err := svc.Acknowledge(ctx, w.staff[0], d.ID); err != nil {
			t.Fatal(err)
		}
		if td, _ := ov.Todos(ctx, w.staff[0]); len(td) != 0 {
			t.Errorf("acknowledged document still a to-do: %+v", td)
		}
		if td, _ := ov.Todos(ctx, w.staff[1]); len(td) != 1 {
			t.Errorf("someone else's acknowledgment cleared staff[1]'s to-do: %+v", td)
		}

		// Staff follow nothing.
		if fs, err := ov.Figures(ctx, w.outsider); err != nil || len(fs) != 0 {
			t.Errorf("staff figures: %+v %v", fs, err)
		}
		// The 総務課 officer: 4 people in the unit, 1 acknowledged (the
		// 事業部 and 本部 people are not counted).
		fs, err := ov.Figures(ctx, w.officer)
		if err != nil || len(fs) != 1 {
			t.Fatalf("officer figures: %+v %v", fs, err)
		}
		if f := fs[0]; f.Value != 25 || f.Unit != "%" || f.Key != "policy.fig.acked" {
			t.Errorf("officer figure = %+v, want 25%%", f)
		}
		for _, b := range fs[0].Bars {
			if b.Label != w.unitSoumu.Name {
				t.Errorf("officer sees a bar of another unit: %+v", b)
			}
		}
		// The CISO: the whole organisation, 7 people.
		fs, err = ov.Figures(ctx, w.ciso)
		if err != nil || len(fs) != 1 || fs[0].Value != 14.2 {
			t.Fatalf("CISO figures: %+v %v", fs, err)
		}
		labels := map[string]float64{}
		for _, b := range fs[0].Bars {
			labels[b.Label] = b.Value
		}
		if labels[w.unitSoumu.Name] != 25 || labels[w.unitJigyo.Name] != 0 || len(labels) != 3 {
			t.Errorf("CISO bars = %+v", fs[0].Bars)
		}

		// The report of the fiscal year of today counts the version; the
		// year before has none.
		fy, _ := strconv.Atoi(today[:4])
		if m, _ := strconv.Atoi(today[5:7]); m < 4 {
			fy--
		}
		sec, err := ov.Report(ctx, fy)
		if err != nil || len(sec.Tables) != 1 || len(sec.Tables[0].Rows) != 1 {
			t.Fatalf("report %d: %+v %v", fy, sec, err)
		}
		if row := sec.Tables[0].Rows[0]; row[0] != d.Title || row[4] != "7" || row[5] != "1" || row[6] != "14.2%" {
			t.Errorf("report row = %v", row)
		}
		if sec.Figures[0].Value != 1 || sec.Figures[1].Value != 1 || sec.Figures[2].Value != 14.2 {
			t.Errorf("report figures = %+v", sec.Figures)
		}
		prev, err := ov.Report(ctx, fy-1)
		if err != nil || len(prev.Tables[0].Rows) != 0 || prev.Figures[1].Value != 0 {
			t.Errorf("previous year's report = %+v %v", prev, err)
		}
	})
}
