package org_test

import (
	"context"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

var day = time.Date(2025, 6, 1, 9, 0, 0, 0, time.Local)

// testOrg is a small organisation:
//
//	HQ 本部
//	├── SYS 情報システム部   (iso: sysISO; chief_iso: chief)
//	│   ├── SYS-PLAN 計画課  (division_iso: planDiv; staff: planStaff)
//	│   └── SYS-OPS 運用課   (no division officer; staff: opsStaff)
//	└── AUD 監査室           (auditor)
//
// ciso works at HQ.
type testOrg struct {
	svc                                   *org.Service
	hq, sys, plan, ops, aud               org.Unit
	ciso, chief, sysISO, planDiv          org.Person
	planStaff, opsStaff, auditor, onLeave org.Person
}

// must panics on err; it keeps the set-up code of the tests short.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func buildOrg(t *testing.T, db *store.DB) *testOrg {
	t.Helper()
	ctx := context.Background()
	svc := org.NewService(db.Org())
	svc.SetClock(func() time.Time { return day })
	if err := svc.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	o := &testOrg{svc: svc}
	unit := func(code, name string, parent org.Unit) org.Unit {
		return must(svc.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, ParentID: parent.ID}))
	}
	o.hq = unit("HQ", "本部", org.Unit{})
	o.sys = unit("SYS", "情報システム部", o.hq)
	o.plan = unit("SYS-PLAN", "計画課", o.sys)
	o.ops = unit("SYS-OPS", "運用課", o.sys)
	o.aud = unit("AUD", "監査室", o.hq)
	n := 0
	person := func(name string, u org.Unit) org.Person {
		n++
		return must(svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "E" + string(rune('0'+n)), Name: name,
			Email: "e" + string(rune('0'+n)) + "@example.jp", UnitID: u.ID, JoinedOn: "2020-04-01"}))
	}
	o.ciso = person("最高 責任者", o.hq)
	o.chief = person("統括 責任者", o.sys)
	o.sysISO = person("部 責任者", o.sys)
	o.planDiv = person("課 責任者", o.plan)
	o.planStaff = person("計画 職員", o.plan)
	o.opsStaff = person("運用 職員", o.ops)
	o.auditor = person("監査 担当", o.aud)
	o.onLeave = person("休職 職員", o.plan)
	appoint := func(p org.Person, role string, u org.Unit, from, to string) {
		must(svc.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: role, UnitID: u.ID, StartsOn: from, EndsOn: to}))
	}
	appoint(o.ciso, authz.RoleCISO, org.Unit{}, "2024-04-01", "")
	appoint(o.chief, authz.RoleChiefISO, org.Unit{}, "2024-04-01", "")
	appoint(o.sysISO, authz.RoleISO, o.sys, "2024-04-01", "")
	appoint(o.planDiv, authz.RoleDivisionISO, o.plan, "2024-04-01", "")
	// A past division officer of SYS-OPS no longer counts.
	appoint(o.planStaff, authz.RoleDivisionISO, o.ops, "2023-04-01", "2025-03-31")
	appoint(o.auditor, authz.RoleAuditor, org.Unit{}, "2024-04-01", "")
	appoint(o.onLeave, authz.RoleDivisionISO, o.plan, "2024-04-01", "")
	o.onLeave.Status = org.StatusLeave
	o.onLeave = must(svc.UpdatePerson(ctx, authz.System, o.onLeave))
	return o
}

func TestResolveApprover(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := buildOrg(t, db)
		cases := []struct {
			name      string
			applicant org.Person
			role      string
			unit      org.Unit
			want      org.Person
			escalated bool
		}{
			{"staff to own division officer", o.planStaff, authz.RoleDivisionISO, o.plan, o.planDiv, false},
			{"division officer escalates to department", o.planDiv, authz.RoleDivisionISO, o.plan, o.sysISO, true},
			{"no division officer: department above", o.opsStaff, authz.RoleDivisionISO, o.ops, o.sysISO, true},
			{"department officer escalates to chief", o.sysISO, authz.RoleISO, o.sys, o.chief, true},
			{"walk up for a unit role", o.opsStaff, authz.RoleISO, o.ops, o.sysISO, false},
			{"chief escalates to CISO", o.chief, authz.RoleChiefISO, o.sys, o.ciso, true},
		}
		for _, c := range cases {
			got, esc, err := o.svc.ResolveApprover(ctx, c.applicant.ID, c.role, c.unit.ID, day)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if got.ID != c.want.ID || esc != c.escalated {
				t.Errorf("%s: approver %s escalated %v, want %s %v", c.name, got.Name, esc, c.want.Name, c.escalated)
			}
		}
		// The CISO's own request has nobody above.
		_, _, err := o.svc.ResolveApprover(ctx, o.ciso.ID, authz.RoleCISO, 0, day)
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("CISO approving own request: %v", err)
		}
		// Before the division officer's appointment, the earlier one holds.
		got, esc, err := o.svc.ResolveApprover(ctx, o.opsStaff.ID, authz.RoleDivisionISO, o.ops.ID, time.Date(2024, 1, 10, 0, 0, 0, 0, time.Local))
		if err != nil || got.ID != o.planStaff.ID || esc {
			t.Fatalf("approver in 2024 = %s %v %v", got.Name, esc, err)
		}
		if _, _, err := o.svc.ResolveApprover(ctx, o.opsStaff.ID, authz.RoleDivisionISO, 9999, day); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown unit: %v", err)
		}
	})
}

func TestCheckAuditor(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := buildOrg(t, db)
		if err := o.svc.CheckAuditor(ctx, o.auditor.ID, o.sys.ID, day); err != nil {
			t.Fatalf("independent auditor refused: %v", err)
		}
		for _, c := range []struct {
			name    string
			auditor org.Person
			unit    org.Unit
		}{
			{"own unit", o.planStaff, o.plan},
			{"parent of own unit", o.planStaff, o.sys},
			{"whole organisation", o.auditor, o.hq},
			{"officer of the department above", o.sysISO, o.plan},
		} {
			err := o.svc.CheckAuditor(ctx, c.auditor.ID, c.unit.ID, day)
			if !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s: %v, want forbidden", c.name, err)
			}
		}
		// Someone of the department may audit a division they have no role for.
		if err := o.svc.CheckAuditor(ctx, o.chief.ID, o.plan.ID, day); err != nil {
			t.Fatalf("chief auditing a division: %v", err)
		}
	})
}

func TestGrants(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := buildOrg(t, db)
		path, grants, active, err := o.svc.Grants(ctx, o.planDiv.ID, day)
		if err != nil || !active || path != o.plan.Path {
			t.Fatalf("grants = %q %v %v", path, active, err)
		}
		p := &authz.Principal{UnitPath: path, Grants: grants}
		if !p.HasRole(authz.RoleStaff) || !p.HasRole(authz.RoleDivisionISO) {
			t.Fatalf("grants %+v", grants)
		}
		if !p.CanIn(authz.OrgRead, o.plan.Path) || p.CanIn(authz.OrgRead, o.ops.Path) || p.CanIn(authz.OrgRead, o.sys.Path) {
			t.Fatalf("division officer scope wrong: %+v", grants)
		}
		for _, g := range grants {
			if g.Role == authz.RoleDivisionISO && !g.Privileged {
				t.Fatal("division officer grant not privileged")
			}
		}
		// Organisation-wide roles have no unit path.
		_, grants, _, _ = o.svc.Grants(ctx, o.chief.ID, day)
		p = &authz.Principal{Grants: grants}
		if !p.CanIn(authz.OrgWrite, o.aud.Path) {
			t.Fatalf("chief grants %+v", grants)
		}
		// An ended appointment grants nothing; one in force on an earlier day does.
		_, grants, _, _ = o.svc.Grants(ctx, o.planStaff.ID, day)
		if (&authz.Principal{Grants: grants}).HasRole(authz.RoleDivisionISO) {
			t.Fatal("ended appointment still grants")
		}
		_, grants, _, _ = o.svc.Grants(ctx, o.planStaff.ID, time.Date(2024, 5, 1, 0, 0, 0, 0, time.Local))
		if !(&authz.Principal{Grants: grants}).HasRole(authz.RoleDivisionISO) {
			t.Fatal("appointment in force on the day not granted")
		}
		// A retired role grants nothing.
		if _, err := o.svc.RetireRole(ctx, authz.System, authz.RoleAuditor, true); err != nil {
			t.Fatal(err)
		}
		_, grants, _, _ = o.svc.Grants(ctx, o.auditor.ID, day)
		if (&authz.Principal{Grants: grants}).HasRole(authz.RoleAuditor) {
			t.Fatal("retired role grants")
		}
		// Leaving ends everything.
		left := o.planDiv
		left.Status = org.StatusLeft
		left = must(o.svc.UpdatePerson(ctx, authz.System, left))
		if left.LeftOn != "2025-06-01" {
			t.Fatalf("left on = %q", left.LeftOn)
		}
		_, grants, active, err = o.svc.Grants(ctx, left.ID, day)
		if err != nil || active || len(grants) != 0 {
			t.Fatalf("left person: %v %v %v", grants, active, err)
		}
		if _, _, _, err := o.svc.Grants(ctx, 99999, day); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown person: %v", err)
		}
	})
}

func TestContactsAndHistory(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := buildOrg(t, db)
		cs, err := o.svc.Contacts(ctx, authz.RoleDivisionISO, 0, day, authz.Everywhere)
		if err != nil {
			t.Fatal(err)
		}
		// planDiv and the officer on leave (still appointed) hold it today.
		if len(cs) != 2 || cs[0].PersonEmail == "" || cs[0].UnitName != "計画課" {
			t.Fatalf("contacts = %+v", cs)
		}
		// A scope of SYS-OPS sees nobody of SYS-PLAN but still sees the chief.
		scope := authz.Scope{Paths: []string{o.ops.Path}}
		if cs, _ = o.svc.Contacts(ctx, authz.RoleDivisionISO, 0, day, scope); len(cs) != 0 {
			t.Fatalf("scoped contacts = %+v", cs)
		}
		if cs, _ = o.svc.Contacts(ctx, authz.RoleChiefISO, 0, day, scope); len(cs) != 1 {
			t.Fatalf("organisation-wide contacts = %+v", cs)
		}
		cur, past, err := o.svc.History(ctx, o.planStaff.ID, day)
		if err != nil || len(cur) != 0 || len(past) != 1 || past[0].UnitCode != "SYS-OPS" {
			t.Fatalf("history = %+v %+v %v", cur, past, err)
		}
		if _, err := o.svc.Contacts(ctx, "nope", 0, day, authz.Everywhere); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown role: %v", err)
		}
	})
}

func TestAppointRules(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := buildOrg(t, db)
		bad := []org.Assignment{
			{PersonID: o.planStaff.ID, RoleKey: authz.RoleDivisionISO, StartsOn: "2025-04-01"},                                          // unit role without unit
			{PersonID: o.planStaff.ID, RoleKey: authz.RoleISSO, StartsOn: "2025-04-01"},                                                 // system role without system
			{PersonID: o.planStaff.ID, RoleKey: authz.RoleDivisionISO, UnitID: o.plan.ID, StartsOn: "2025-04-01", EndsOn: "2025-01-01"}, // ends before start
			{PersonID: o.planStaff.ID, RoleKey: authz.RoleDivisionISO, UnitID: o.plan.ID, StartsOn: "2025/04/01"},                       // bad date
		}
		for i, a := range bad {
			if _, err := o.svc.Appoint(ctx, authz.System, a); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("case %d: %v, want invalid", i, err)
			}
		}
		if _, err := o.svc.Appoint(ctx, authz.System, org.Assignment{PersonID: o.planStaff.ID, RoleKey: "nope", StartsOn: "2025-04-01"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown role: %v", err)
		}
		a, err := o.svc.Appoint(ctx, authz.System, org.Assignment{PersonID: o.planStaff.ID, RoleKey: authz.RoleISSO, SystemRef: "SYS-001", StartsOn: "2025-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		a, err = o.svc.EndAssignment(ctx, authz.System, a.ID, "")
		if err != nil || a.EndsOn != "2025-06-01" {
			t.Fatalf("end = %+v %v", a, err)
		}
	})
}
