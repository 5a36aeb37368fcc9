package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kitei/internal/capability"
	"kitei/internal/incident"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func todoKeys(ts []capability.Todo) []string {
	var ks []string
	for _, t := range ts {
		ks = append(ks, t.Key)
	}
	return ks
}

func figure(fs []capability.Figure, key string) (capability.Figure, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f, true
		}
	}
	return capability.Figure{}, false
}

func TestOverviewTodosFiguresAndReport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		svc := w.a.Incident
		jst := time.FixedZone("JST", 9*3600)
		svc.SetClock(func() time.Time { return time.Date(2026, 5, 10, 10, 0, 0, 0, jst) })
		ov := svc.Overview()
		x := w.lostUSB(t, svc)

		// Before triage the CSIRT has one report to triage; nobody else has anything.
		todos, err := ov.Todos(ctx, w.principal(t, w.csirt))
		if err != nil || len(todos) != 1 || todos[0].Key != "incident.todo.triage" || todos[0].Count != 1 {
			t.Fatalf("CSIRT to-dos %v %+v, want one triage to-do", err, todos)
		}
		for _, p := range []org.Person{w.reporter, w.officer, w.other} {
			if todos, err := ov.Todos(ctx, w.principal(t, p)); err != nil || len(todos) != 0 {
				t.Errorf("%s: to-dos %v %v, want none", p.Name, err, todoKeys(todos))
			}
		}
		if _, err := svc.Triage(ctx, w.principal(t, w.csirt), x.ID, incident.TriageInput{Incident: true, Reason: "漏えいのおそれ", Level: 2, Category: "leak"}); err != nil {
			t.Fatal(err)
		}

		// The 課's officer has the containment task and the recurrence report.
		todos, err = ov.Todos(ctx, w.principal(t, w.officer))
		keys := strings.Join(todoKeys(todos), ",")
		if err != nil || !strings.Contains(keys, "incident.todo.task.containment") || !strings.Contains(keys, "incident.todo.recurrence") {
			t.Errorf("officer to-dos %v %s", err, keys)
		}
		for _, td := range todos {
			if len(td.Args) != 1 || td.Args[0] != x.ID {
				t.Errorf("officer to-do %+v: want the incident number only", td)
			}
		}
		for _, p := range []org.Person{w.reporter, w.other} {
			if todos, err := ov.Todos(ctx, w.principal(t, p)); err != nil || len(todos) != 0 {
				t.Errorf("%s: to-dos %v %v, want none", p.Name, err, todoKeys(todos))
			}
		}
		if todos, _ := ov.Todos(ctx, w.principal(t, w.csirt)); strings.Contains(strings.Join(todoKeys(todos), ","), "triage") {
			t.Errorf("CSIRT still asked to triage: %v", todoKeys(todos))
		}

		// Staff and the unit officer see no incident figure; the CISO and the CSIRT do.
		for _, p := range []org.Person{w.reporter, w.officer, w.other, w.isso} {
			if figs, err := ov.Figures(ctx, w.principal(t, p)); err != nil || len(figs) != 0 {
				t.Errorf("%s saw incident figures %v %+v", p.Name, err, figs)
			}
		}
		for _, p := range []org.Person{w.cisoP, w.csirt} {
			figs, err := ov.Figures(ctx, w.principal(t, p))
			if err != nil {
				t.Fatal(err)
			}
			open, ok := figure(figs, "incident.fig.open")
			if !ok || open.Value != 1 {
				t.Errorf("%s: open incidents %+v", p.Name, open)
			}
			year, ok := figure(figs, "incident.fig.year")
			if !ok || year.Value != 1 || len(year.Bars) != 12 || year.Bars[0].Label != "4月" || year.Bars[1].Label != "5月" || year.Bars[1].Value != 1 {
				t.Errorf("%s: the year's incidents %+v", p.Name, year)
			}
		}

		// The annual report counts the fiscal year's incidents, without details.
		sec, err := ov.Report(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := figure(sec.Figures, "incident.report.reports"); f.Value != 1 {
			t.Errorf("reports in FY2026 %+v, want 1", f)
		}
		if f, _ := figure(sec.Figures, "incident.report.incidents"); f.Value != 1 {
			t.Errorf("incidents in FY2026 %+v, want 1", f)
		}
		level2 := false
		for _, tb := range sec.Tables {
			for _, r := range tb.Rows {
				for _, c := range r {
					if strings.Contains(c, "USB") || strings.Contains(c, "田中") {
						t.Errorf("the report shows a detail: %v", r)
					}
				}
				if tb.Key == "incident.report.by_level" && r[1] == "1" {
					level2 = true
				}
			}
		}
		if !level2 {
			t.Errorf("no level counted: %+v", sec.Tables)
		}
		prev, err := ov.Report(ctx, 2025)
		if f, _ := figure(prev.Figures, "incident.report.reports"); err != nil || f.Value != 0 {
			t.Errorf("reports in FY2025 %v %+v, want 0", err, f)
		}
	})
}
