package org_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// bigWorkbook builds an xlsx with 200 units (10 departments of 19
// divisions), people staff and one division officer per division. Headers
// are the Japanese titles.
func bigWorkbook(t testing.TB, people int, mutate func(sheet string, row int, vals []any)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	write := func(sheet string, header []any, rows func(emit func([]any))) {
		if sheet != "Sheet1" {
			if _, err := f.NewSheet(sheet); err != nil {
				t.Fatal(err)
			}
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		sw.SetRow("A1", header)
		n := 1
		rows(func(vals []any) {
			n++
			if mutate != nil {
				mutate(sheet, n, vals)
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			if err := sw.SetRow(cell, vals); err != nil {
				t.Fatal(err)
			}
		})
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	var divisions []string
	write("Sheet1", []any{"組織コード", "組織名", "英語名", "種別", "上位組織コード"}, func(emit func([]any)) {
		emit([]any{"HQ", "本部", "Headquarters", "本部", ""})
		for d := 1; d <= 10; d++ {
			dep := fmt.Sprintf("D%02d", d)
			emit([]any{dep, fmt.Sprintf("第%d部", d), "", "部", "HQ"})
			for k := 1; k <= 19; k++ {
				div := fmt.Sprintf("%s-%02d", dep, k)
				divisions = append(divisions, div)
				emit([]any{div, fmt.Sprintf("第%d部第%d課", d, k), "", "課", dep})
			}
		}
	})
	f.SetSheetName("Sheet1", "組織")
	write("職員", []any{"職員番号", "氏名", "氏名カナ", "メールアドレス", "所属コード", "在籍状況", "入職日", "異動日"}, func(emit func([]any)) {
		for i := 1; i <= people; i++ {
			emit([]any{fmt.Sprintf("P%06d", i), fmt.Sprintf("職員 %d", i), "ショクイン", fmt.Sprintf("p%d@example.jp", i),
				divisions[i%len(divisions)], "在籍", "2020/04/01", ""})
		}
	})
	write("任命", []any{"職員番号", "役割キー", "組織コード", "情報システム", "開始日", "終了日"}, func(emit func([]any)) {
		for i, div := range divisions {
			if i+1 > people {
				break
			}
			// person i+1 works in divisions[(i+1)%len]; appoint them there.
			emit([]any{fmt.Sprintf("P%06d", i+1), "division_iso", divisions[(i+1)%len(divisions)], "", "2025-04-01", ""})
			_ = div
		}
	})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newService(t testing.TB, db *store.DB) *org.Service {
	svc := org.NewService(db.Org())
	svc.SetClock(func() time.Time { return day })
	if err := svc.EnsureBuiltinRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

func importBytes(t testing.TB, svc *org.Service, name string, data []byte) (org.ImportReport, error) {
	t.Helper()
	tables, err := org.ReadFile(name, data, "auto")
	if err != nil {
		t.Fatal(err)
	}
	return svc.Import(context.Background(), authz.System, tables)
}

func TestImport20000People(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		data := bigWorkbook(t, 20000, nil)
		start := time.Now()
		rep, err := importBytes(t, svc, "org.xlsx", data)
		if err != nil {
			t.Fatalf("%v %+v", err, rep.Errors)
		}
		t.Logf("20,000-person xlsx import: %v (%d bytes)", time.Since(start).Round(time.Millisecond), len(data))
		r := rep.Result
		if r.UnitsAdded != 201 || r.PeopleAdded != 20000 || r.AssignmentsAdded != 190 || !rep.Applied {
			t.Fatalf("result %+v", r)
		}
		u, err := svc.UnitByCode(ctx, "D03-07")
		if err != nil || !strings.HasPrefix(u.Path, "/") || strings.Count(u.Path, "/") != 4 {
			t.Fatalf("unit D03-07 = %+v %v", u, err)
		}
		p, err := svc.PersonByEmployeeNo(ctx, "P000042")
		if err != nil || p.JoinedOn != "2020-04-01" || p.Status != org.StatusActive {
			t.Fatalf("person = %+v %v", p, err)
		}
		// A page of people in a department stays cheap.
		dep, _ := svc.UnitByCode(ctx, "D03")
		page, total, err := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, UnitID: dep.ID, Subtree: true, Limit: 50})
		want := 0
		for i := 1; i <= 20000; i++ {
			if (i%190)/19 == 2 { // the divisions of D03
				want++
			}
		}
		if err != nil || total != want || len(page) != 50 {
			t.Fatalf("department page: %d of %d, %v", len(page), total, err)
		}

		// Export and import again: nothing changes.
		tables, err := svc.ExportTables(ctx, authz.System)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := org.WriteXLSX(&buf, tables); err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		rep, err = importBytes(t, svc, "export.xlsx", buf.Bytes())
		if err != nil || rep.Result.Changed() {
			t.Fatalf("re-import of an export changed %+v (%v) %+v", rep.Result, err, rep.Errors)
		}
		t.Logf("re-import of the export (no change): %v", time.Since(start).Round(time.Millisecond))
	})
}

func TestImportBadRowChangesNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		if _, err := importBytes(t, svc, "org.xlsx", bigWorkbook(t, 300, nil)); err != nil {
			t.Fatal(err)
		}
		// The second file renames everyone, adds people, and has one bad e-mail on row 101.
		data := bigWorkbook(t, 400, func(sheet string, row int, vals []any) {
			if sheet == "職員" {
				vals[1] = fmt.Sprintf("改名 %d", row)
				if row == 101 {
					vals[3] = "not-an-address"
				}
			}
		})
		rep, err := importBytes(t, svc, "org.xlsx", data)
		if !apperr.Is(err, apperr.Invalid) || rep.Applied {
			t.Fatalf("import with a bad row: %v applied=%v", err, rep.Applied)
		}
		if len(rep.Errors) != 1 {
			t.Fatalf("errors = %+v", rep.Errors)
		}
		e := rep.Errors[0]
		if e.Sheet != org.SheetPeople || e.Row != 101 || e.Column != "email" || e.Value != "not-an-address" {
			t.Fatalf("error = %+v", e)
		}
		if msg := e.Text(i18n.Ja); !strings.Contains(msg, "メール") {
			t.Fatalf("Japanese message = %q", msg)
		}
		_, total, _ := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere})
		p, _ := svc.PersonByEmployeeNo(ctx, "P000001")
		if total != 300 || p.Name != "職員 1" {
			t.Fatalf("a failed import changed the store: %d people, %q", total, p.Name)
		}
	})
}

func TestImportCSVEncodingsAndErrors(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	svc := newService(t, db)
	units := "組織コード,組織名,英語名,種別,上位組織コード\r\nHQ,本部,HQ,本部,\r\nIT,情報部,,部,HQ\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(units)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := importBytes(t, svc, "units.csv", []byte(sjis)); err != nil || rep.Result.UnitsAdded != 2 {
		t.Fatalf("Shift_JIS units: %+v %v %+v", rep.Result, err, rep.Errors)
	}
	people := "\ufeffemployee_no,name,name_kana,email,unit_code,status,joined_on,transferred_on\n" +
		"1001,山田 太郎,ヤマダ タロウ,yamada@example.jp,IT,在籍,2021-04-01,\n" +
		"1002,佐藤 花子,サトウ ハナコ,sato@example.jp,IT,退職,2019-04-01,2022-10-01\n"
	if rep, err := importBytes(t, svc, "people.csv", []byte(people)); err != nil || rep.Result.PeopleAdded != 2 {
		t.Fatalf("UTF-8 BOM people: %+v %v %+v", rep.Result, err, rep.Errors)
	}
	left, _ := svc.PersonByEmployeeNo(ctx, "1002")
	if left.Status != org.StatusLeft || left.LeftOn != "2025-06-01" {
		t.Fatalf("left person = %+v", left)
	}
	// Moving IT under a new root in the same import of units.
	if _, err := importBytes(t, svc, "units.csv", []byte("code,name,parent_code\nGRP,グループ,\nHQ,本部,GRP\n")); err != nil {
		t.Fatal(err)
	}
	it, _ := svc.UnitByCode(ctx, "IT")
	grp, _ := svc.UnitByCode(ctx, "GRP")
	if !strings.HasPrefix(it.Path, grp.Path) || strings.Count(it.Path, "/") != 4 {
		t.Fatalf("moved path %q under %q", it.Path, grp.Path)
	}
	// Every kind of mistake is reported by row and column.
	bad := "employee_no,role_key,unit_code,system_ref,starts_on,ends_on\n" +
		"1001,division_iso,,,2025-04-01,\n" + // unit role without unit
		"9999,iso,IT,,2025-04-01,\n" + // unknown person
		"1001,nope,IT,,2025-04-01,\n" + // unknown role
		"1001,iso,NOPE,,2025-13-01,\n" + // unknown unit, bad date
		"1001,ciso,IT,,2025-04-01,\n" + // organisation role with a unit
		"1001,iso,IT,,2025-04-01,2025-03-01\n" // ends before it starts
	rep, err := importBytes(t, svc, "assignments.csv", []byte(bad))
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatal(err)
	}
	want := []string{"2:unit_code", "3:employee_no", "4:role_key", "5:starts_on", "5:unit_code", "6:unit_code", "7:ends_on"}
	var got []string
	for _, e := range rep.Errors {
		got = append(got, fmt.Sprintf("%d:%s", e.Row, e.Column))
		if e.Sheet != org.SheetAssignments || i18n.T(i18n.En, e.Key) == e.Key {
			t.Errorf("error without a message: %+v", e)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("errors at %v, want %v", got, want)
	}
	// A header without the required columns.
	if _, err := org.ReadFile("x.csv", []byte("foo,bar\n1,2\n"), "auto"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown header: %v", err)
	}
	// CSV export of every table reads back as a no-op.
	tables, err := svc.ExportTables(ctx, authz.System)
	if err != nil {
		t.Fatal(err)
	}
	var all []org.Table
	for _, tb := range tables {
		var buf bytes.Buffer
		if err := org.WriteCSV(&buf, tb); err != nil {
			t.Fatal(err)
		}
		back, err := org.ReadFile(tb.Sheet+".csv", buf.Bytes(), "csv")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, back...)
	}
	if rep, err := svc.Import(ctx, authz.System, all); err != nil || rep.Result.Changed() {
		t.Fatalf("CSV round trip changed %+v %v %+v", rep.Result, err, rep.Errors)
	}
}

func TestNormalizeDate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-04-01": "2025-04-01", "2025/4/1": "2025-04-01", "2025年4月1日": "2025-04-01",
		"45748": "2025-04-01", "２０２５/０４/０１": "2025-04-01", "": "",
	} {
		if got, ok := org.NormalizeDate(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"2025-02-30", "April 1", "2025-13-01"} {
		if _, ok := org.NormalizeDate(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
