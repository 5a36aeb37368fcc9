package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func TestOrgUnitsMoveAndScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db.Org())
		mk := func(code string, parent int64) org.Unit {
			u, err := svc.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: code + " 名", ParentID: parent})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		root := mk("ROOT", 0)
		a := mk("A", root.ID)
		a1 := mk("A1", a.ID)
		a11 := mk("A11", a1.ID)
		b := mk("B", root.ID)
		if a11.Path != fmt.Sprintf("/%d/%d/%d/%d/", root.ID, a.ID, a1.ID, a11.ID) || a11.Depth != 3 {
			t.Fatalf("path = %q depth %d", a11.Path, a11.Depth)
		}
		if _, err := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "A", Name: "dup"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate code: %v", err)
		}
		// Move A1 (with A11) under B.
		a1.ParentID = b.ID
		if _, err := svc.UpdateUnit(ctx, authz.System, a1); err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Unit(ctx, a11.ID)
		if got.Path != fmt.Sprintf("/%d/%d/%d/%d/", root.ID, b.ID, a1.ID, a11.ID) {
			t.Fatalf("descendant path after move = %q", got.Path)
		}
		// A unit cannot move below itself.
		moved, _ := svc.Unit(ctx, a1.ID)
		moved.ParentID = a11.ID
		if _, err := svc.UpdateUnit(ctx, authz.System, moved); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("move under own child: %v", err)
		}
		// Scoped listing: B's subtree only; the prefix /…/1/ must not match /…/10/.
		bNow, _ := svc.Unit(ctx, b.ID)
		units, err := svc.Units(ctx, org.UnitFilter{Scope: authz.Scope{Paths: []string{bNow.Path}}})
		if err != nil || len(units) != 3 {
			t.Fatalf("B subtree = %+v %v", units, err)
		}
		if units, _ := svc.Units(ctx, org.UnitFilter{}); len(units) != 0 {
			t.Fatal("empty scope shows units")
		}
		// Retiring: refused while units remain below, then allowed.
		if err := svc.RetireUnit(ctx, authz.System, b.ID); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("retire with children: %v", err)
		}
		if err := svc.RetireUnit(ctx, authz.System, a.ID); err != nil {
			t.Fatal(err)
		}
		all, _ := svc.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
		withRetired, _ := svc.Units(ctx, org.UnitFilter{Scope: authz.Everywhere, IncludeRetired: true})
		if len(all) != 4 || len(withRetired) != 5 {
			t.Fatalf("units %d, with retired %d", len(all), len(withRetired))
		}
		if _, err := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "UNDER-A", Name: "x", ParentID: a.ID}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unit under a retired unit: %v", err)
		}
	})
}

func TestOrgPeopleSearchAndScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db.Org())
		root, _ := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部"})
		u1, _ := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "U1", Name: "第一課", ParentID: root.ID})
		// Many units so that ids 1 and 10+ exist: a scope of /…/U1/ must not
		// leak into a unit whose id starts with the same digits.
		var last org.Unit
		for i := 0; i < 10; i++ {
			last, _ = svc.CreateUnit(ctx, authz.System, org.Unit{Code: fmt.Sprintf("X%d", i), Name: "他課", ParentID: root.ID})
		}
		for i := 0; i < 45; i++ {
			unit := u1
			if i%3 == 0 {
				unit = last
			}
			if _, err := svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("N%03d", i), Name: fmt.Sprintf("山田 %d", i),
				NameKana: "ヤマダ", Email: fmt.Sprintf("Y%d@Example.jp", i), UnitID: unit.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "N001", Name: "dup", UnitID: u1.ID}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate employee number: %v", err)
		}
		page, total, err := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: "やまだ", Limit: 20, Offset: 40})
		if err != nil || total != 45 || len(page) != 5 || page[0].EmployeeNo != "N040" {
			t.Fatalf("hiragana search page 3: %d of %d %v", len(page), total, err)
		}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: "y7@example"}); total != 1 {
			t.Fatalf("e-mail search found %d", total)
		}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: "%"}); total != 0 {
			t.Fatalf("wildcard was not escaped: %d", total)
		}
		scope := authz.Scope{Paths: []string{u1.Path}}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: scope}); total != 30 {
			t.Fatalf("scoped people = %d, want 30", total)
		}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, UnitID: root.ID, Subtree: true}); total != 45 {
			t.Fatalf("subtree people = %d", total)
		}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, UnitID: root.ID}); total != 0 {
			t.Fatalf("people directly in the root = %d", total)
		}
		// Leaving keeps the record and marks the day.
		p, _ := svc.PersonByEmployeeNo(ctx, "N001")
		p.Status = "退職"
		p, err = svc.UpdatePerson(ctx, authz.System, p)
		if err != nil || p.Status != org.StatusLeft || p.LeftOn == "" {
			t.Fatalf("left = %+v %v", p, err)
		}
		if _, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Status: "left"}); total != 1 {
			t.Fatal("status filter")
		}
		// A transfer records its date.
		p.Status = org.StatusActive
		p.UnitID = last.ID
		p, _ = svc.UpdatePerson(ctx, authz.System, p)
		if p.TransferredOn == "" || p.LeftOn != "" || p.UnitCode != "X9" {
			t.Fatalf("transfer = %+v", p)
		}
	})
}

func TestOrgRoleCatalogue(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db.Org())
		for i := 0; i < 2; i++ {
			if err := svc.EnsureBuiltinRoles(ctx); err != nil {
				t.Fatal(err)
			}
		}
		roles, err := svc.Roles(ctx)
		if err != nil || len(roles) != len(authz.Builtin) || roles[0].Key != authz.RoleCISO || !roles[0].Privileged {
			t.Fatalf("roles = %+v %v", roles, err)
		}
		if _, err := svc.RenameRole(ctx, authz.System, authz.RoleISO, "部局情報セキュリティ責任者", "Bureau ISO"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddRole(ctx, authz.System, org.Role{Key: "cloud_manager", Name: "クラウドサービス管理者", Scope: org.ScopeSystem}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddRole(ctx, authz.System, org.Role{Key: "cloud_manager", Name: "x", Scope: org.ScopeSystem}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate role: %v", err)
		}
		if _, err := svc.AddRole(ctx, authz.System, org.Role{Key: "Bad Key", Name: "x", Scope: org.ScopeUnit}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad key: %v", err)
		}
		r, err := svc.RetireRole(ctx, authz.System, "cloud_manager", true)
		if err != nil || !r.Retired {
			t.Fatalf("retire = %+v %v", r, err)
		}
		if _, err := svc.RetireRole(ctx, authz.System, authz.RoleStaff, true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("retiring staff: %v", err)
		}
		// Seeding again keeps the rename and the retirement.
		if err := svc.EnsureBuiltinRoles(ctx); err != nil {
			t.Fatal(err)
		}
		iso, _ := svc.Role(ctx, authz.RoleISO)
		cm, _ := svc.Role(ctx, "cloud_manager")
		if iso.Name != "部局情報セキュリティ責任者" || !cm.Retired || cm.Ord <= roles[len(roles)-1].Ord {
			t.Fatalf("after reseeding: %+v %+v", iso, cm)
		}
		if r, _ := svc.RetireRole(ctx, authz.System, "cloud_manager", false); r.Retired {
			t.Fatal("role not restored")
		}
		if !strings.Contains(iso.NameEn, "Bureau") {
			t.Fatalf("English name = %q", iso.NameEn)
		}
	})
}

func TestOrgChangesAreAudited(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := org.NewService(db.Org())
		if err := s.EnsureBuiltinRoles(ctx); err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUnit(ctx, authz.System, org.Unit{Code: "AUD", Name: "監査対象部"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "A1", Name: "監査 一郎", UnitID: u.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: "iso", UnitID: u.ID, StartsOn: "2025-04-01"}); err != nil {
			t.Fatal(err)
		}
		// A refused change leaves no trail entry.
		if _, err := s.CreateUnit(ctx, authz.System, org.Unit{Code: "AUD", Name: "重複"}); err == nil {
			t.Fatal("duplicate unit code accepted")
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: "org"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range evs {
			got[e.Action]++
		}
		want := map[string]int{"org.unit.create": 1, "org.person.create": 1, "org.assignment.create": 1}
		for a, n := range want {
			if got[a] != n {
				t.Errorf("%s: %d events, want %d (all: %v)", a, got[a], n, got)
			}
		}
		if res, err := audit.Verify(ctx, db.Audit()); err != nil || !res.OK {
			t.Fatalf("chain after org changes: %+v %v", res, err)
		}
	})
}
