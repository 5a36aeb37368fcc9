package register_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func world(t *testing.T, db *store.DB) (*register.Registry, *org.Service) {
	t.Helper()
	ctx := context.Background()
	orgs := org.NewService(db.Org())
	if err := orgs.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "A", Name: "総務部"})
	if err != nil {
		t.Fatal(err)
	}
	for _, no := range []string{"E1", "E2"} {
		if _, err := orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, UnitID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return register.NewRegistry(db.Registers(), orgs, nil), orgs
}

func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportRefusesMalformedWorkbook(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, _ := world(t, db)
		good := [][]any{
			{"資産ID", "情報資産名", "管理部署コード", "決定者職員番号", "機密性", "完全性", "可用性", "取扱制限"},
			{"IA-1", "契約書", "A", "E1", "機密性2", "2", "A1", "複製禁止; 持出禁止"},
		}
		rep, err := reg.Import(ctx, authz.System, mustRead(t, workbook(t, good)))
		if err != nil || rep.Result.Added != 1 {
			t.Fatalf("good import: %+v %v", rep.Errors, err)
		}
		before, _ := db.Audit().Count(ctx, audit.Filter{})

		// Wrong columns: an unknown one and a required one missing.
		bad := [][]any{
			{"資産ID", "情報資産名", "管理部署コード", "機密性", "色"},
			{"IA-2", "議事録", "A", "機密性1", "赤"},
		}
		rep, err = reg.Import(ctx, authz.System, mustRead(t, workbook(t, bad)))
		if !apperr.Is(err, apperr.Invalid) || len(rep.Errors) != 2 || rep.Errors[0].Row != 1 {
			t.Fatalf("wrong columns: %+v %v", rep.Errors, err)
		}
		// Bad levels and duplicate ids, each reported on its row; the good
		// rows around them are not stored either.
		bad = [][]any{
			{"資産ID", "情報資産名", "管理部署コード", "決定者職員番号", "機密性", "完全性", "可用性"},
			{"IA-3", "議事録", "A", "E1", "機密性1", "", ""},
			{"IA-4", "人事記録", "A", "E1", "機密性4", "", ""},
			{"IA-5", "台帳", "A", "E1", "機密性2", "完全性3", "極秘"},
			{"IA-3", "議事録の写し", "A", "E1", "機密性1", "", ""},
			{"IA-6", "名簿", "Z", "E9", "機密性2", "", ""},
		}
		rep, err = reg.Import(ctx, authz.System, mustRead(t, workbook(t, bad)))
		if !apperr.Is(err, apperr.Invalid) || rep.Applied {
			t.Fatalf("bad rows: %v", err)
		}
		rep.Localize(i18n.Ja)
		got := map[int][]string{}
		for _, e := range rep.Errors {
			got[e.Row] = append(got[e.Row], e.Column)
			if e.Message == "" || strings.HasPrefix(e.Message, "register.") || strings.HasPrefix(e.Message, "org.") {
				t.Errorf("row %d: message %q", e.Row, e.Message)
			}
		}
		want := map[int]string{3: "c", 4: "i a", 5: "code", 6: "decider unit_code"}
		for row, cols := range want {
			have := strings.Join(got[row], " ")
			for _, c := range strings.Fields(cols) {
				if !strings.Contains(have, c) {
					t.Errorf("row %d: errors on %q, want %s", row, have, c)
				}
			}
		}
		if len(got[2]) != 0 {
			t.Errorf("row 2 is right but reported: %v", got[2])
		}
		// Nothing changed: one asset, no new audit events.
		if as, _ := reg.Assets(ctx, authz.System, register.AssetFilter{}); len(as) != 1 {
			t.Fatalf("assets after refused imports = %d", len(as))
		}
		if after, _ := db.Audit().Count(ctx, audit.Filter{}); after != before {
			t.Fatalf("audit events %d → %d", before, after)
		}

		// Export and re-import changes nothing.
		tab, err := reg.Export(ctx, authz.System, register.KindAssets)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := register.WriteXLSX(&buf, tab); err != nil {
			t.Fatal(err)
		}
		back, err := register.ReadFile(register.KindAssets, "a.xlsx", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		rep, err = reg.Import(ctx, authz.System, back)
		if err != nil || rep.Result.Added+rep.Result.Updated != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
	})
}

func TestImportRespectsReclassificationAuthority(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, orgs := world(t, db)
		u, _ := orgs.UnitByCode(ctx, "A")
		e1, _ := orgs.PersonByEmployeeNo(ctx, "E1")
		e2, _ := orgs.PersonByEmployeeNo(ctx, "E2")
		if _, err := reg.CreateAsset(ctx, authz.System, register.Asset{Code: "IA-1", Name: "契約書", UnitID: u.ID, DeciderID: e1.ID, C: 2}); err != nil {
			t.Fatal(err)
		}
		// An administrator (import rights everywhere) who is not the 決定者
		// nor above them cannot lower the level through an import.
		admin := &authz.Principal{PersonID: e2.ID, Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
		rows := [][]any{{"資産ID", "情報資産名", "管理部署コード", "決定者職員番号", "機密性"}, {"IA-1", "契約書", "A", "E1", "機密性1"}}
		rep, err := reg.Import(ctx, admin, mustRead(t, workbook(t, rows)))
		if !apperr.Is(err, apperr.Invalid) || len(rep.Errors) != 1 || rep.Errors[0].Key != "register.import.err.reclassify" {
			t.Fatalf("import reclassification: %+v %v", rep.Errors, err)
		}
		// The 決定者 can.
		decider := &authz.Principal{PersonID: e1.ID, Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
		if _, err := reg.Import(ctx, decider, mustRead(t, workbook(t, rows))); err != nil {
			t.Fatal(err)
		}
	})
}

func mustRead(t *testing.T, data []byte) register.Table {
	t.Helper()
	tab, err := register.ReadFile(register.KindAssets, "x.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}
