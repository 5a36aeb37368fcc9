package store_test

import (
	"context"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// regWorld is a small organisation: 部 A with 課 A1, 部 B; a staff member
// and the 課室 officer of A1, the 部 officer of A, an officer of B, and
// the 統括.
type regWorld struct {
	orgs                                  *org.Service
	reg                                   *register.Registry
	unitA, unitA1, unitB                  org.Unit
	staff, divA1, isoA, divB, chief, isso org.Person
}

func newRegWorld(t *testing.T, db *store.DB) *regWorld {
	t.Helper()
	ctx := context.Background()
	w := &regWorld{orgs: org.NewService(db.Org())}
	if err := w.orgs.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	mk := func(code string, parent int64) org.Unit {
		u, err := w.orgs.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: code + "部署", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := mk("R", 0)
	w.unitA, w.unitB = mk("A", root.ID), mk("B", root.ID)
	w.unitA1 = mk("A1", w.unitA.ID)
	person := func(no string, unit int64, role string, roleUnit int64) org.Person {
		p, err := w.orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: unit, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if _, err := w.orgs.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: role, UnitID: roleUnit, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	w.staff = person("S1", w.unitA1.ID, "", 0)
	w.divA1 = person("D1", w.unitA1.ID, authz.RoleDivisionISO, w.unitA1.ID)
	w.isoA = person("I1", w.unitA.ID, authz.RoleISO, w.unitA.ID)
	w.divB = person("D2", w.unitB.ID, authz.RoleDivisionISO, w.unitB.ID)
	w.chief = person("C1", root.ID, authz.RoleChiefISO, 0)
	w.isso = person("Y1", w.unitA1.ID, "", 0)
	w.reg = register.NewRegistry(db.Registers(), w.orgs, nil)
	return w
}

// who is the principal of p as the sign-in layer would build it.
func (w *regWorld) who(t *testing.T, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.orgs.Grants(context.Background(), p.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Login: p.EmployeeNo, UnitPath: path, Grants: grants}
}

func TestRegisterLedgerCopyAndNotice(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		officer := w.who(t, w.divA1)
		svc, err := w.reg.CreateService(ctx, officer, register.Service{Code: "CL-1", Name: "文書共有クラウド", Kind: register.ServiceCloud,
			Provider: "例示クラウド株式会社", UnitID: w.unitA1.ID, ISMAP: true, ISMAPNo: "C22-0001-1", DataLocation: "日本国内",
			ContractFrom: "2025-04-01", ContractTo: "2026-03-31", ManagerID: w.divA1.ID, C: 2,
			Subcontracting: []register.Subcontract{{Name: "保守会社", ApprovedOn: "2025-04-10", ApprovedBy: "課室情報セキュリティ責任者"}},
			Exit:           []register.ExitItem{{Key: "data_returned", Done: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if !svc.ISMAP || len(svc.Exit) != len(register.ExitSteps) || !svc.ExitDone("data_returned") || svc.ExitDone("data_deleted") {
			t.Fatalf("service = %+v", svc)
		}
		// A system without an ISSO is refused: the ISSO comes before planning.
		if _, err := w.reg.CreateSystem(ctx, officer, register.System{Code: "SYS-A", Name: "文書管理システム", UnitID: w.unitA1.ID}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("system without ISSO: %v", err)
		}
		sys, err := w.reg.CreateSystem(ctx, officer, register.System{Code: "SYS-A", Name: "文書管理システム", Purpose: "文書の保存",
			UnitID: w.unitA1.ID, ISSOID: w.isso.ID, Stage: "企画", C: 2, I: 2, A: 1, Components: []string{"Web サーバ", "DB"},
			Services: []string{"CL-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if sys.Stage != register.StagePlanning || sys.ISSO.Name != w.isso.Name || len(sys.Services) != 1 {
			t.Fatalf("system = %+v", sys)
		}
		// The ISSO now holds the isso role for the system and may edit it.
		isso := w.who(t, w.isso)
		sys.Stage = register.StageProcurement
		if _, err := w.reg.UpdateSystem(audit.WithActor(ctx, audit.Actor{ID: w.isso.ID, Login: "Y1"}), isso, sys); err != nil {
			t.Fatalf("ISSO updates own system: %v", err)
		}
		if _, err := w.reg.UpdateSystem(ctx, w.who(t, w.divB), sys); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("foreign officer updates system: %v", err)
		}
		if _, err := w.reg.CreateSystem(ctx, officer, register.System{Code: "SYS-B", Name: "x", UnitID: w.unitA1.ID, ISSOID: w.isso.ID,
			Services: []string{"NOPE"}}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unknown service: %v", err)
		}
		// Both the registration and the update reached the 統括.
		var notices int
		if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE person_id = $1 AND kind = 'register'`, w.chief.ID).Scan(&notices); err != nil || notices != 2 {
			t.Fatalf("notices to 統括 = %d %v", notices, err)
		}
		hist, err := w.reg.History(ctx, officer, register.KindSystems, sys.ID)
		if err != nil || len(hist) != 2 || hist[0].Action != "update" || hist[0].Actor != "Y1" {
			t.Fatalf("history = %+v %v", hist, err)
		}

		// Two assets classified; a copy inherits levels, restrictions and 決定者.
		a1, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "IA-1", Name: "契約書", Kind: "文書", UnitID: w.unitA1.ID,
			C: 2, I: 2, A: 1, Restrictions: []string{"複製禁止", "社外持出は課長承認"}, Location: "共有フォルダ", Likelihood: 2})
		if err != nil {
			t.Fatal(err)
		}
		if a1.DeciderID != w.divA1.ID || a1.DecidedOn == "" || len(a1.Restrictions) != 2 || a1.Restrictions[0] != "no_copy" {
			t.Fatalf("asset = %+v", a1)
		}
		if _, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "IA-2", Name: "紙の台帳", Paper: true, UnitID: w.unitA1.ID, C: 1, I: 2}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("paper with integrity: %v", err)
		}
		if _, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "IA-2", Name: "紙の台帳", Paper: true, UnitID: w.unitA1.ID, C: 1}); err != nil {
			t.Fatal(err)
		}
		cp, err := w.reg.Copy(ctx, officer, a1.ID, register.Asset{Code: "IA-1-C"})
		if err != nil {
			t.Fatal(err)
		}
		if cp.C != 2 || cp.I != 2 || cp.SourceCode != "IA-1" || cp.DeciderID != a1.DeciderID || len(cp.Restrictions) != 2 {
			t.Fatalf("copy = %+v", cp)
		}
		// Updating the description cannot change the levels.
		cp.C = 1
		cp.Name = "契約書（写し）"
		if cp, err = w.reg.UpdateAsset(ctx, officer, cp); err != nil || cp.C != 2 || cp.Name != "契約書（写し）" {
			t.Fatalf("update = %+v %v", cp, err)
		}
		copies, err := w.reg.Assets(ctx, officer, register.AssetFilter{SourceID: a1.ID})
		if err != nil || len(copies) != 1 {
			t.Fatalf("copies = %d %v", len(copies), err)
		}
		sorted, _ := w.reg.Assets(ctx, officer, register.AssetFilter{Sort: "c", Desc: true})
		if len(sorted) != 3 || sorted[2].Code != "IA-2" {
			t.Fatalf("sorted = %+v", sorted)
		}
	})
}

func TestRegisterNamedPeopleOnly(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		officer := w.who(t, w.divA1)
		// 機密性3 needs named people.
		if _, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "S-1", Name: "人事評価", UnitID: w.unitA1.ID, C: 3}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("C3 without named people: %v", err)
		}
		secret, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "S-1", Name: "人事評価", UnitID: w.unitA1.ID, C: 3,
			Named: []int64{w.staff.ID}})
		if err != nil {
			t.Fatal(err)
		}
		open, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "O-1", Name: "会議資料", UnitID: w.unitA1.ID, C: 2})
		if err != nil {
			t.Fatal(err)
		}
		// The 統括 reads the whole organisation but is not named: the
		// secret asset is invisible to them by id, by code, in lists and in
		// searches, while the other asset is there.
		chief := w.who(t, w.chief)
		if _, err := w.reg.Asset(ctx, chief, secret.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("chief reads secret: %v", err)
		}
		if _, err := db.Registers().AssetByCode(ctx, "S-1", register.ViewerOf(chief, authz.RegisterRead)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("chief reads secret by code: %v", err)
		}
		for _, q := range []string{"", "人事", "S-1"} {
			list, err := w.reg.Assets(ctx, chief, register.AssetFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if a.ID == secret.ID {
					t.Fatalf("secret asset listed for query %q", q)
				}
			}
		}
		if got, _ := w.reg.Assets(ctx, chief, register.AssetFilter{}); len(got) != 1 || got[0].ID != open.ID {
			t.Fatalf("chief sees %+v", got)
		}
		if _, err := w.reg.History(ctx, chief, register.KindAssets, secret.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("chief reads secret history: %v", err)
		}
		// The 決定者 and the named person see it.
		if _, err := w.reg.Asset(ctx, officer, secret.ID); err != nil {
			t.Fatalf("decider: %v", err)
		}
		named := &authz.Principal{PersonID: w.staff.ID, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: w.unitB.Path}}}
		if _, err := w.reg.Asset(ctx, named, secret.ID); err != nil {
			t.Fatalf("named person: %v", err)
		}
		// A copy of the secret asset keeps its named people.
		cp, err := w.reg.Copy(ctx, officer, secret.ID, register.Asset{Code: "S-1-C"})
		if err != nil || cp.C != 3 || len(cp.Named) != 1 {
			t.Fatalf("copy = %+v %v", cp, err)
		}
		if _, err := w.reg.Asset(ctx, chief, cp.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("chief reads copy of secret: %v", err)
		}
		// A trusted caller (CLI export) sees everything.
		if all, _ := w.reg.Assets(ctx, authz.System, register.AssetFilter{}); len(all) != 3 {
			t.Fatalf("trusted sees %d", len(all))
		}
	})
}

func TestRegisterReclassifyOnlyDeciderOrSuperior(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		// The staff member of A1 classified the asset (its 決定者).
		a, err := w.reg.CreateAsset(ctx, authz.System, register.Asset{Code: "IA-9", Name: "調査票", UnitID: w.unitA1.ID,
			DeciderID: w.staff.ID, C: 2, I: 1, A: 1})
		if err != nil {
			t.Fatal(err)
		}
		rc := register.Reclassification{C: 1, I: 1, A: 1, Reason: "公表済み"}
		// The officer of another unit may not: refused and logged.
		for _, p := range []org.Person{w.divB, w.isso} {
			if _, err := w.reg.Reclassify(ctx, w.who(t, p), a.ID, rc); !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%s reclassifies: %v", p.EmployeeNo, err)
			}
		}
		// Those two cannot even see A1's assets. A member of the security
		// office reads every unit but holds no role above the 決定者: refused,
		// and the attempt is in the audit trail.
		peer := &authz.Principal{PersonID: w.isso.ID, Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
		if _, err := w.reg.Reclassify(ctx, peer, a.ID, rc); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("security office member reclassifies: %v", err)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: register.ActionReclassifyDenied})
		if err != nil || len(evs) != 1 || evs[0].ObjectID == "" {
			t.Fatalf("denials logged = %+v %v", evs, err)
		}
		got, _ := w.reg.Asset(ctx, authz.System, a.ID)
		if got.C != 2 {
			t.Fatal("a refused reclassification changed the asset")
		}
		// The 課室 officer of A1 is above the staff member: allowed, and
		// becomes the 決定者.
		got, err = w.reg.Reclassify(ctx, w.who(t, w.divA1), a.ID, rc)
		if err != nil || got.C != 1 || got.DeciderID != w.divA1.ID {
			t.Fatalf("superior reclassifies: %+v %v", got, err)
		}
		// Now the staff member is below the new 決定者 and is refused.
		onlyStaff := &authz.Principal{PersonID: w.staff.ID, Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: w.unitA1.Path}, {Role: authz.RoleSecOffice}}}
		if _, err := w.reg.Reclassify(ctx, onlyStaff, a.ID, register.Reclassification{C: 2, I: 1, A: 1}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("former decider reclassifies: %v", err)
		}
		// The 部 officer of A (above the 課室 officer) may.
		if got, err = w.reg.Reclassify(ctx, w.who(t, w.isoA), a.ID, register.Reclassification{C: 2, I: 2, A: 1}); err != nil || got.I != 2 {
			t.Fatalf("部 officer reclassifies: %+v %v", got, err)
		}
		hist, _ := w.reg.History(ctx, authz.System, register.KindAssets, a.ID)
		if len(hist) != 3 || hist[0].Action != "reclassify" || hist[1].Action != "reclassify" {
			t.Fatalf("history = %+v", hist)
		}
		evs, _ = db.Audit().List(ctx, audit.Filter{Action: register.ActionReclassifyDenied})
		if len(evs) != 2 {
			t.Fatalf("denials logged = %d", len(evs))
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: register.ActionAssetReclassify}); n != 2 {
			t.Fatalf("reclassifications audited = %d", n)
		}
	})
}

func TestRegisterScheme(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		s, err := w.reg.Scheme(ctx)
		if err != nil || s.LevelName(register.AxisC, 3) != "機密性3" {
			t.Fatalf("default scheme: %v", err)
		}
		// Rename to the private-company names and describe the axis.
		c := s.Axis(register.AxisC)
		c.Levels[0].Name, c.Levels[1].Name, c.Levels[2].Name = "公開", "社外秘", "極秘"
		c.Description = "漏えい時の影響"
		if err := w.reg.SaveScheme(ctx, s); err != nil {
			t.Fatal(err)
		}
		s2, _ := w.reg.Scheme(ctx)
		if s2.LevelName(register.AxisC, 3) != "極秘" || s2.Axis(register.AxisC).Description != "漏えい時の影響" {
			t.Fatalf("saved scheme = %+v", s2.Axis(register.AxisC))
		}
		if v, ok := s2.ParseLevel(register.AxisC, "社外秘"); !ok || v != 2 {
			t.Fatal("renamed level not parsed")
		}
		if _, err := w.reg.CreateAsset(ctx, authz.System, register.Asset{Code: "X", Name: "x", UnitID: w.unitA.ID, DeciderID: w.staff.ID, C: 3, Named: []int64{w.staff.ID}}); err != nil {
			t.Fatal(err)
		}
		// A level in use cannot disappear.
		s2.Axis(register.AxisC).Levels = s2.Axis(register.AxisC).Levels[:2]
		s2.NamedFrom = 2
		if err := w.reg.SaveScheme(ctx, s2); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("dropping a level in use: %v", err)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: register.ActionSchemeUpdate}); n != 1 {
			t.Fatalf("scheme updates audited = %d", n)
		}
	})
}
