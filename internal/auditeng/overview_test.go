package auditeng_test

import (
	"context"
	"testing"

	"kitei/internal/auditeng"
	"kitei/internal/capability"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
)

func ovFigure(fs []capability.Figure, key string) capability.Figure {
	for _, f := range fs {
		if f.Key == key {
			return f
		}
	}
	return capability.Figure{Key: "missing " + key, Value: -1}
}

func TestOverviewTodosFiguresAndReport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.App.Audits
		ov := s.Overview()
		chief, ciso, aud, officer, owner := w.P(t, w.Chief), w.P(t, w.CISO), w.P(t, w.AuditorB), w.P(t, w.Officer), w.P(t, w.Owner)
		keys := func(p org.Person) []string {
			t.Helper()
			todos, err := ov.Todos(ctx, w.P(t, p))
			if err != nil {
				t.Fatal(err)
			}
			var ks []string
			for _, td := range todos {
				ks = append(ks, td.Key)
			}
			return ks
		}

		plan, err := s.CreatePlan(ctx, chief, 2026, "", "")
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "総務課 情報セキュリティ監査", UnitID: w.Audited.ID,
			CatalogID: w.CatalogID, Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AssignAuditor(ctx, chief, e.ID, w.AuditorB.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitPlan(ctx, chief, plan.ID); err != nil {
			t.Fatal(err)
		}
		if ks := keys(w.CISO); len(ks) != 1 || ks[0] != "auditeng.todo.approve" {
			t.Errorf("CISO to-dos %v, want the plan to approve", ks)
		}
		if _, err := s.ApprovePlan(ctx, ciso, plan.ID); err != nil {
			t.Fatal(err)
		}
		// Fieldwork: the assigned auditor only.
		if ks := keys(w.AuditorB); len(ks) != 1 || ks[0] != "auditeng.todo.fieldwork" {
			t.Errorf("auditor to-dos %v", ks)
		}
		for _, p := range []org.Person{w.AuditorA1, w.Officer, w.Owner, w.CISO} {
			if ks := keys(p); len(ks) != 0 {
				t.Errorf("%s to-dos %v, want none", p.Name, ks)
			}
		}
		items, err := s.Checklist(ctx, e)
		if err != nil || len(items) == 0 {
			t.Fatal(err)
		}
		for _, it := range items {
			if _, err := s.SavePaper(ctx, aud, e.ID, it.Ref, auditeng.Nonconform, "台帳が未整備"); err != nil {
				t.Fatal(err)
			}
		}
		f, err := s.AddFinding(ctx, aud, e.ID, auditeng.Finding{Ref: items[0].Ref, Severity: auditeng.Major, Description: "台帳が未整備", Recommendation: "整備すること"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SubmitReport(ctx, aud, e.ID, "重大な指摘あり"); err != nil {
			t.Fatal(err)
		}
		if ks := keys(w.CISO); len(ks) != 1 || ks[0] != "auditeng.todo.instruct" {
			t.Errorf("CISO to-dos after the report %v", ks)
		}
		if _, err := s.Instruct(ctx, ciso, e.ID, "整備すること", nil); err != nil {
			t.Fatal(err)
		}
		// The audited unit's officer must file a remediation plan; nobody else.
		todos, err := ov.Todos(ctx, officer)
		if err != nil || len(todos) != 1 || todos[0].Key != "auditeng.todo.remediate" || todos[0].Count != 1 {
			t.Errorf("officer to-dos %v %+v", err, todos)
		}
		for _, p := range []org.Person{w.AuditorB, w.AuditorA1, w.Owner, w.CISO} {
			if ks := keys(p); len(ks) != 0 {
				t.Errorf("%s to-dos %v, want none", p.Name, ks)
			}
		}

		// Figures: the chief and the CISO see one open major finding; the
		// officer, the auditor and staff see no audit figures.
		for _, p := range []org.Person{w.Chief, w.CISO} {
			figs, err := ov.Figures(ctx, w.P(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if f := ovFigure(figs, "auditeng.fig.open_findings"); f.Value != 1 || len(f.Bars) != 3 || f.Bars[0].Value != 1 {
				t.Errorf("%s open findings %+v", p.Name, f)
			}
			if f := ovFigure(figs, "auditeng.fig.open_major"); f.Value != 1 || !f.Warn {
				t.Errorf("%s open major %+v", p.Name, f)
			}
		}
		for _, p := range []org.Person{w.Officer, w.AuditorB, w.Owner} {
			if figs, err := ov.Figures(ctx, w.P(t, p)); err != nil || len(figs) != 0 {
				t.Errorf("%s figures %v %+v", p.Name, err, figs)
			}
		}

		// Remediation done and confirmed: the finding closes.
		act, err := s.Remediate(ctx, officer, e.ID, f.ID, tracker.Action{Title: "台帳の整備", OwnerID: w.Owner.ID, DueOn: "2026-09-30"})
		if err != nil {
			t.Fatal(err)
		}
		if ks := keys(w.Officer); len(ks) != 0 {
			t.Errorf("officer to-dos after the plan %v", ks)
		}
		sec, err := ov.Report(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if f := ovFigure(sec.Figures, "auditeng.report.actions_open"); f.Value != 1 {
			t.Errorf("open audit actions %+v", f)
		}
		if _, err := w.App.Tracker.MarkDone(ctx, owner, act.ID, "整備した"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.App.Tracker.Confirm(ctx, officer, act.ID, "確認"); err != nil {
			t.Fatal(err)
		}
		sec, err = ov.Report(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"auditeng.report.engagements": 1, "auditeng.report.findings": 1, "auditeng.report.closed": 1,
			"auditeng.report.actions_open": 0, "auditeng.report.actions_closed": 1}
		for k, v := range want {
			if f := ovFigure(sec.Figures, k); f.Value != v {
				t.Errorf("FY2026 %s = %v, want %v", k, f.Value, v)
			}
		}
		if len(sec.Tables) != 1 || len(sec.Tables[0].Rows) != 1 || sec.Tables[0].Rows[0][6] != "1/1" {
			t.Errorf("report table %+v", sec.Tables)
		}
		figs, _ := ov.Figures(ctx, chief)
		if f := ovFigure(figs, "auditeng.fig.open_findings"); f.Value != 0 {
			t.Errorf("open findings after closure %+v", f)
		}
		prev, err := ov.Report(ctx, 2025)
		if f := ovFigure(prev.Figures, "auditeng.report.engagements"); err != nil || f.Value != 0 {
			t.Errorf("FY2025 engagements %v %+v, want 0", err, f)
		}
	})
}
