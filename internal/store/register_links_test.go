package store_test

import (
	"context"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// An asset is retired, not deleted: it leaves the lists unless they ask
// for retired records, keeps its page and history, cannot be copied, and
// the change is audited; import and export carry the 廃止 column.
func TestRegisterRetireAsset(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		officer := w.who(t, w.divA1)
		a, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "IA-1", Name: "名簿", UnitID: w.unitA1.ID, C: 2, I: 2, A: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Someone of another unit cannot retire it (it is not theirs to see).
		if _, err := w.reg.RetireAsset(ctx, w.who(t, w.divB), a.ID, true, "x"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("foreign officer retires: %v", err)
		}
		got, err := w.reg.RetireAsset(ctx, officer, a.ID, true, "システム更改により廃棄")
		if err != nil || !got.Retired {
			t.Fatalf("retire: %+v %v", got, err)
		}
		if _, err := w.reg.RetireAsset(ctx, officer, a.ID, true, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("retire twice: %v", err)
		}
		list, _ := w.reg.Assets(ctx, officer, register.AssetFilter{})
		if len(list) != 0 {
			t.Fatalf("a retired asset is listed by default: %+v", list)
		}
		list, _ = w.reg.Assets(ctx, officer, register.AssetFilter{Retired: true})
		if len(list) != 1 || !list[0].Retired {
			t.Fatalf("show retired: %+v", list)
		}
		if _, err := w.reg.Copy(ctx, officer, a.ID, register.Asset{Code: "IA-1c"}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("copy of a retired asset: %v", err)
		}
		// Editing the description keeps it retired.
		got.Note = "保管庫"
		if got, err = w.reg.UpdateAsset(ctx, officer, got); err != nil || !got.Retired {
			t.Fatalf("update un-retired it: %+v %v", got, err)
		}
		hist, _ := w.reg.History(ctx, officer, register.KindAssets, a.ID)
		if len(hist) != 3 || hist[1].Action != "retire" || hist[1].Detail["reason"] != "システム更改により廃棄" {
			t.Fatalf("history = %+v", hist)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: register.ActionAssetRetire}); n != 1 {
			t.Fatalf("retirements audited = %d", n)
		}

		// Export writes 廃止 ○; importing the export changes nothing.
		tb, err := w.reg.Export(ctx, authz.System, register.KindAssets)
		if err != nil {
			t.Fatal(err)
		}
		last := len(tb.Header) - 1
		if tb.Header[last] != "廃止" || len(tb.Rows) != 1 || tb.Rows[0][last] != "○" {
			t.Fatalf("export = %q %q", tb.Header, tb.Rows)
		}
		tb.RowNumbers = []int{2}
		rep, err := w.reg.Import(ctx, authz.System, tb)
		if err != nil || rep.Result != (register.ImportResult{}) {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		// A file without the column leaves the flag alone.
		short := register.Table{Kind: tb.Kind, Header: tb.Header[:last], Rows: [][]string{tb.Rows[0][:last]}, RowNumbers: []int{2}}
		if rep, err = w.reg.Import(ctx, authz.System, short); err != nil || rep.Result != (register.ImportResult{}) {
			t.Fatalf("import without 廃止: %+v %v", rep, err)
		}
		// Blank 廃止 puts it back in use; a bad value is refused on its row.
		back := register.Table{Kind: tb.Kind, Header: tb.Header, Rows: [][]string{append([]string(nil), tb.Rows[0]...)}, RowNumbers: []int{2}}
		back.Rows[0][last] = "たぶん"
		if rep, err = w.reg.Import(ctx, authz.System, back); err == nil || len(rep.Errors) != 1 || rep.Errors[0].Column != "retired" {
			t.Fatalf("bad 廃止: %+v %v", rep, err)
		}
		back.Rows[0][last] = ""
		if rep, err = w.reg.Import(ctx, authz.System, back); err != nil || rep.Result.Updated != 1 {
			t.Fatalf("reinstate by import: %+v %v", rep, err)
		}
		if got, _ = w.reg.Asset(ctx, officer, a.ID); got.Retired {
			t.Fatal("still retired after the import")
		}
		// Retiring a system through its form is in the export too.
		y, err := w.reg.CreateSystem(ctx, officer, register.System{Code: "SYS-9", Name: "旧システム", UnitID: w.unitA1.ID, ISSOID: w.isso.ID})
		if err != nil {
			t.Fatal(err)
		}
		y.Retired = true
		if _, err := w.reg.UpdateSystem(ctx, officer, y); err != nil {
			t.Fatal(err)
		}
		ys, _ := w.reg.Systems(ctx, officer, register.SystemFilter{})
		st, _ := w.reg.Export(ctx, authz.System, register.KindSystems)
		if len(ys) != 0 || len(st.Rows) != 1 || st.Rows[0][len(st.Header)-1] != "○" {
			t.Fatalf("retired system: listed %d, export %q", len(ys), st.Rows)
		}
	})
}

// Requests point at register entries: the reference is checked against
// what the applicant may see and stored as kind:number; the entry's page
// lists the requests about it.
func TestRegisterRequestTargets(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		officer := w.who(t, w.divA1)
		y, err := w.reg.CreateSystem(ctx, officer, register.System{Code: "SYS-1", Name: "文書管理", UnitID: w.unitA1.ID, ISSOID: w.isso.ID})
		if err != nil {
			t.Fatal(err)
		}
		// A 機密性3 asset the 部 officer classified and named only themself for.
		secret, err := w.reg.CreateAsset(ctx, w.who(t, w.isoA), register.Asset{Code: "IA-S", Name: "人事評価", UnitID: w.unitA1.ID, C: 3,
			Named: []int64{w.isoA.ID}})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: "IA-P", Name: "議事録", UnitID: w.unitA1.ID, C: 2})
		if err != nil {
			t.Fatal(err)
		}
		// The 課室 officer of A1 files requests too (as staff) and reads the
		// registers of A1.
		applicant := w.who(t, w.divA1)
		applicant.Grants = append(applicant.Grants, authz.Grant{Role: authz.RoleStaff, UnitPath: w.unitA1.Path})
		for ref, want := range map[string]string{"SYS-1": "system:", "system:SYS-1": "system:", "system:" + itoa(y.ID): "system:",
			"asset:IA-P": "asset:", "asset:" + itoa(plain.ID): "asset:", "IA-P": "asset:"} {
			tg, err := w.reg.ResolveRef(ctx, applicant, ref)
			if err != nil || !strings.HasPrefix(tg.Ref, want) {
				t.Errorf("ResolveRef(%q) = %+v %v", ref, tg, err)
			}
		}
		for _, ref := range []string{"asset:IA-S", "asset:" + itoa(secret.ID), "system:NOPE", "nope:1", "SYS-404", "system:"} {
			if _, err := w.reg.ResolveRef(ctx, applicant, ref); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("ResolveRef(%q): %v", ref, err)
			}
		}
		if _, err := w.reg.ResolveRef(ctx, w.who(t, w.isoA), "asset:IA-S"); err != nil {
			t.Errorf("the named 部 officer resolves the 機密性3 asset: %v", err)
		}
		// Staff without register.read name nothing (the field stays optional).
		if _, err := w.reg.ResolveRef(ctx, w.who(t, w.staff), "SYS-1"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("staff resolve a system: %v", err)
		}

		svc := approval.NewService(db.Approvals(), w.orgs, nil)
		svc.Targets = w.reg
		if err := svc.EnsureBuiltinTypes(ctx); err != nil {
			t.Fatal(err)
		}
		p := applicant
		in := approval.Input{TypeKey: approval.TypeCloud, Values: map[string]string{"title": "文書共有クラウド", "level": "要機密情報以外",
			"provider": "例示", "purpose": "共有", "ismap": "登録あり", "target_ref": "SYS-1"}}
		r, err := svc.File(ctx, p, in, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.TargetRef != "system:"+itoa(y.ID) {
			t.Fatalf("stored target = %q", r.TargetRef)
		}
		in.Values["target_ref"] = "asset:IA-S"
		if _, err := svc.File(ctx, p, in, false); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("a target the applicant may not see: %v", err)
		}
		if rs, _ := svc.ForTarget(ctx, p, r.TargetRef); len(rs) != 0 {
			t.Fatalf("a draft is listed on the system: %+v", rs)
		}
		if _, err := svc.Submit(ctx, p, r.ID); err != nil {
			t.Fatal(err)
		}
		rs, err := svc.ForTarget(ctx, p, r.TargetRef)
		if err != nil || len(rs) != 1 || rs[0].ID != r.ID {
			t.Fatalf("requests about the system = %+v %v", rs, err)
		}
		// Someone who may not see the request does not get it listed.
		other := w.who(t, w.divB)
		if rs, _ := svc.ForTarget(ctx, other, r.TargetRef); len(rs) != 0 {
			t.Fatalf("foreign officer sees %+v", rs)
		}
	})
}

func itoa(n int64) string { return register.RefOf("", n)[1:] }
