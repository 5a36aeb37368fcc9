package store_test

import (
	"context"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/yearly"
)

// The yearly plan goes draft → submitted → approved by the CISO; the
// annual report keeps its sections as generated and compares with the
// previous year; decisions are recorded on a report; each step is audited.
func TestYearlyPlanReportDecisions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: 1, Login: "office"})
		o := org.NewService(db.Org())
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部", Kind: "部"})
		if err != nil {
			t.Fatal(err)
		}
		ciso, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "C1", Name: "情報 太郎", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		svc := yearly.NewService(db.Yearly())
		svc.SetClock(func() time.Time { return time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC) })
		svc.Progress["selfcheck"] = func(context.Context, int64) (int, error) { return 40, nil }
		office := &authz.Principal{UserID: 1, Login: "office", Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
		cisoP := &authz.Principal{UserID: 2, PersonID: ciso.ID, Login: "ciso", Grants: []authz.Grant{{Role: authz.RoleCISO}}}
		t0 := time.Now()
		su, err := db.Auth().CreateUser(ctx, auth.User{Login: "staff", PasswordHash: "x", PasswordChangedAt: t0, CreatedAt: t0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ou, err := db.Auth().CreateUser(ctx, auth.User{Login: "office", PasswordHash: "x", PasswordChangedAt: t0, CreatedAt: t0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		office.UserID = ou.ID
		staff := &authz.Principal{UserID: su.ID, Login: "staff", Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: u.Path}}}

		if _, err := svc.CreatePlan(ctx, staff, 2025, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff created a plan: %v", err)
		}
		if _, err := svc.CreatePlan(ctx, office, 2025, "令和7年度"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreatePlan(ctx, office, 2025, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second plan for the year: %v", err)
		}
		if err := svc.Submit(ctx, office, 2025); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("empty plan submitted: %v", err)
		}
		edu, err := svc.AddItem(ctx, office, 2025, yearly.PlanItem{Title: "全職員への教育", Area: "education", OwnerID: ciso.ID,
			StartsOn: "2025-04-01", EndsOn: "2025-05-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddItem(ctx, office, 2025, yearly.PlanItem{Title: "自己点検", Area: "selfcheck", Ref: "selfcheck:3",
			EndsOn: "2026-01-31"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddItem(ctx, office, 2025, yearly.PlanItem{Title: "x", Area: "nowhere"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unknown area accepted: %v", err)
		}
		if err := svc.Submit(ctx, office, 2025); err != nil {
			t.Fatal(err)
		}
		if err := svc.Decide(ctx, office, 2025, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("office approved its own plan: %v", err)
		}
		if err := svc.Decide(ctx, cisoP, 2025, true, "承認する"); err != nil {
			t.Fatal(err)
		}
		pl, err := svc.Plan(ctx, cisoP, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Status != yearly.PlanApproved || pl.ApprovedByName != "情報 太郎" || len(pl.Items) != 2 {
			t.Fatalf("plan = %+v", pl)
		}
		// The education item ended on 5/31 undone: delayed; the self-inspection
		// item follows its campaign (40 %).
		if pl.Items[0].Status != yearly.ItemDelayed || !pl.Items[1].Live || pl.Items[1].Progress != 40 ||
			pl.Items[1].Status != yearly.ItemInProgress {
			t.Errorf("items = %+v", pl.Items)
		}
		// An approved plan's items keep their content; progress may change.
		edu.Title = "変更"
		if err := svc.UpdateItem(ctx, office, 2025, edu); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("approved item retitled: %v", err)
		}
		edu.Title, edu.Status, edu.Progress = "全職員への教育", yearly.ItemDone, 100
		if err := svc.UpdateItem(ctx, office, 2025, edu); err != nil {
			t.Fatal(err)
		}

		svc.Sections = func() []func(context.Context, int) (capability.Section, error) {
			return []func(context.Context, int) (capability.Section, error){func(_ context.Context, fy int) (capability.Section, error) {
				return capability.Section{Key: "x.section", Figures: []capability.Figure{{Key: "x.fig", Value: float64(fy - 2000)}}}, nil
			}}
		}
		if _, err := svc.AddDecision(ctx, cisoP, 2025, "rules", "改定する"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("decision without a report: %v", err)
		}
		if _, err := svc.Generate(ctx, staff, 2025); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff generated the report: %v", err)
		}
		if _, err := svc.Generate(ctx, cisoP, 2024); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Generate(ctx, cisoP, 2025); err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"パスワード規定を改定する", "来年度は訓練を増やす"} {
			if _, err := svc.AddDecision(ctx, cisoP, 2025, "rules", text); err != nil {
				t.Fatal(err)
			}
		}
		an, err := svc.Report(ctx, cisoP, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(an.Report.Sections) != 2 || an.Report.Sections[0].Key != "yearly.section.plan" || an.Previous == nil ||
			an.Previous.Sections[0].Figures[0].Value != 24 || len(an.Decisions) != 2 || an.Decisions[0].DecidedByName != "情報 太郎" {
			t.Fatalf("annual = %+v", an)
		}
		if _, err := svc.Report(ctx, staff, 2025); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("staff read the report: %v", err)
		}
		if err := svc.SetDateStyle(ctx, staff, "wareki"); err != nil {
			t.Fatal(err)
		}
		if st, _ := svc.DateStyle(ctx, staff); st != "wareki" {
			t.Errorf("date style = %s", st)
		}
		if st, _ := svc.DateStyle(ctx, office); st != "seireki" {
			t.Errorf("default date style = %s", st)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: "yearly.plan.approved"})
		if err != nil || len(evs) != 1 {
			t.Errorf("approval not audited: %v %d", err, len(evs))
		}
	})
}
