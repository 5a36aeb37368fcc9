package inventory_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/inventory"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tabular"
)

type world struct {
	a              *app.App
	unitA, unitB   org.Unit
	officer, staff org.Person // 課室情報セキュリティ責任者 of A, a staff member of A
	other          org.Person // staff of B
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	o := a.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Approval.EnsureBuiltinTypes(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{a: a}
	mk := func(code, name string) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "課"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.unitA, w.unitB = mk("A", "総務課"), mk("B", "事業課")
	person := func(no string, u org.Unit) org.Person {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, Email: no + "@example.jp", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.officer, w.staff, w.other = person("E1", w.unitA), person("E2", w.unitA), person("E3", w.unitB)
	if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: w.officer.ID, RoleKey: authz.RoleDivisionISO, UnitID: w.unitA.ID, StartsOn: "2024-04-01"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) principal(t *testing.T, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.a.Org.Grants(context.Background(), p.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Login: p.EmployeeNo, UnitPath: path, Grants: grants}
}

func save(t *testing.T, s *inventory.Service, kind string, v map[string]string) inventory.Item {
	t.Helper()
	it, err := s.Save(context.Background(), authz.System, kind, 0, v)
	if err != nil {
		t.Fatalf("save %s %v: %v", kind, v, err)
	}
	return it
}

// fill stores a few entries of every register, every field used: dates,
// people, options, a retired entry and an area's authorised people.
func fill(t *testing.T, w *world) {
	ctx := context.Background()
	s := w.a.Inventory
	save(t, s, inventory.KindDevice, map[string]string{"code": "PC-001", "name": "業務用PC", "unit": "A", "device_type": "端末", "holder": "E2",
		"os": "Windows 11", "encryption": "full_disk", "system": "SYS-001", "status": "in_use", "note": "貸与"})
	srv := save(t, s, inventory.KindDevice, map[string]string{"code": "SV-001", "name": "ファイルサーバ", "unit": "B", "device_type": "server", "status": "stored"})
	if _, err := s.Retire(ctx, authz.System, srv.ID, true, "更改"); err != nil {
		t.Fatal(err)
	}
	save(t, s, inventory.KindMedium, map[string]string{"code": "USB-001", "name": "暗号化USB", "unit": "A", "medium_type": "usb", "holder": "E2",
		"lent_on": "2026-04-01", "due_on": "2026-04-10", "status": "lent"})
	save(t, s, inventory.KindMedium, map[string]string{"code": "HDD-001", "name": "バックアップ用HDD", "unit": "B", "medium_type": "外付け HDD・SSD",
		"lent_on": "2026-01-05", "due_on": "2026-01-06", "returned_on": "2026-01-06", "wiped_on": "2026-02-01", "certificate": "C-123", "status": "stored"})
	area := save(t, s, inventory.KindArea, map[string]string{"code": "R-101", "name": "サーバ室", "unit": "A", "area_class": "server_room", "location": "本館3階"})
	save(t, s, inventory.KindArea, map[string]string{"code": "R-201", "name": "書庫", "unit": "B", "area_class": "storage"})
	if _, err := s.Authorise(ctx, authz.System, area.ID, inventory.Authorised{EmployeeNo: "E1", From: "2026-04-01", Until: "2027-03-31", Reason: "サーバ保守"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authorise(ctx, authz.System, area.ID, inventory.Authorised{EmployeeNo: "E2", From: "2026-04-01", Reason: "バックアップ媒体の交換"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke(ctx, authz.System, area.ID, 1, "異動"); err != nil {
		t.Fatal(err)
	}
}

func exportXLSX(t *testing.T, s *inventory.Service, kind string) []byte {
	t.Helper()
	ts, err := s.Export(context.Background(), authz.System, kind)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, ts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every new register goes xlsx → a fresh store → xlsx unchanged.
func TestRegistersRoundTripXLSX(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		fill(t, w)
		for _, kind := range inventory.Kinds {
			first := exportXLSX(t, w.a.Inventory, kind)
			fresh := setup(t, freshLike(t, db))
			res, err := fresh.a.Inventory.Import(context.Background(), authz.System, kind, kind+".xlsx", first)
			if err != nil || !res.OK() {
				t.Fatalf("%s: import: %v %+v", kind, err, res.Errors)
			}
			if res.Added != 2 || res.Updated != 0 {
				t.Fatalf("%s: added %d updated %d, want 2 and 0", kind, res.Added, res.Updated)
			}
			second := exportXLSX(t, fresh.a.Inventory, kind)
			a, err := tabular.ReadXLSX(first)
			if err != nil {
				t.Fatal(err)
			}
			b, err := tabular.ReadXLSX(second)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: round trip changed the workbook:\n%v\n%v", kind, a, b)
			}
			if len(a[0].Rows) != 2 {
				t.Fatalf("%s: %d rows exported, want 2", kind, len(a[0].Rows))
			}
			if kind == inventory.KindArea && len(a[1].Rows) != 2 {
				t.Fatalf("areas: %d authorised people exported, want 2", len(a[1].Rows))
			}
			// Importing the same file again changes nothing but updates.
			res, err = fresh.a.Inventory.Import(context.Background(), authz.System, kind, kind+".xlsx", second)
			if err != nil || res.Added != 0 || res.Updated != 2 {
				t.Fatalf("%s: re-import: %v %+v", kind, err, res)
			}
		}
	})
}

// freshLike opens another fresh store on the same engine as db.
func freshLike(t *testing.T, db *store.DB) *store.DB {
	if db.Dialect == store.Postgres {
		return storetest.Postgres(t, postgresDSN(t))
	}
	return storetest.SQLite(t)
}

func postgresDSN(t *testing.T) string { return os.Getenv(storetest.EnvPostgres) }

// A bad row is reported with its row number and nothing is stored.
func TestImportReportsRows(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	var buf bytes.Buffer
	if err := tabular.WriteCSV(&buf, tabular.Table{Header: []string{"管理番号", "名称", "管理部署", "媒体の種類", "状態", "返却予定日"},
		Rows: [][]any{{"USB-9", "USB", "A", "usb", "stored", ""}, {"USB-10", "USB", "Z", "usb", "stored", "2026-13-01"}}}, tabular.UTF8BOM); err != nil {
		t.Fatal(err)
	}
	res, err := w.a.Inventory.Import(context.Background(), authz.System, inventory.KindMedium, "m.csv", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Errors[0].Row != 3 {
		t.Fatalf("want an error on row 3, got %+v", res.Errors)
	}
	items, _ := w.a.Inventory.List(context.Background(), authz.System, inventory.Filter{Kind: inventory.KindMedium})
	if len(items) != 0 {
		t.Fatalf("%d media stored from a file with a bad row", len(items))
	}
}

// A medium lent and not returned by its due date is chased once a day:
// its holder and the unit's 課室情報セキュリティ責任者 get a notice.
func TestOverdueMediumChased(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		ctx := context.Background()
		day := time.Date(2026, 4, 1, 9, 0, 0, 0, time.Local)
		s := w.a.Inventory
		s.SetClock(func() time.Time { return day })
		m := save(t, s, inventory.KindMedium, map[string]string{"code": "USB-001", "name": "USB", "unit": "A", "medium_type": "usb", "status": "stored"})
		back := save(t, s, inventory.KindMedium, map[string]string{"code": "USB-002", "name": "USB", "unit": "A", "medium_type": "usb", "status": "stored"})
		officer := w.principal(t, w.officer)
		if _, err := s.Lend(ctx, officer, m.ID, "E2", "2026-04-03"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lend(ctx, officer, back.ID, "E2", "2026-04-03"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.ChaseOverdue(ctx, "r1", time.Minute); err != nil || n != 0 {
			t.Fatalf("before the due date: %d notices, %v", n, err)
		}
		day = time.Date(2026, 4, 3, 9, 0, 0, 0, time.Local) // the due date itself is not late
		if n, _ := s.ChaseOverdue(ctx, "r1", time.Minute); n != 0 {
			t.Fatalf("on the due date: %d notices", n)
		}
		if _, err := s.Return(ctx, officer, back.ID); err != nil {
			t.Fatal(err)
		}
		day = time.Date(2026, 4, 4, 9, 0, 0, 0, time.Local)
		n, err := s.ChaseOverdue(ctx, "r1", time.Minute)
		if err != nil || n != 2 {
			t.Fatalf("a day late: %d notices (want holder and officer), %v", n, err)
		}
		if n, _ := s.ChaseOverdue(ctx, "r2", time.Minute); n != 0 {
			t.Fatalf("a second replica the same day sent %d notices", n)
		}
		for _, p := range []org.Person{w.staff, w.officer} {
			ns, err := w.a.Approval.Inbox(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].Kind != "inventory.overdue" || !strings.Contains(ns[0].Message, "USB-001") || !strings.Contains(ns[0].Message, "2026-04-03") {
				t.Fatalf("%s: notices %+v", p.Name, ns)
			}
		}
		day = time.Date(2026, 4, 5, 9, 0, 0, 0, time.Local)
		if n, _ := s.ChaseOverdue(ctx, "r1", time.Minute); n != 2 {
			t.Fatalf("the next day: %d notices, want 2 again", n)
		}
	})
}

// serve runs the web server with p signed in.
func serve(t *testing.T, a *app.App, p *authz.Principal) *httptest.Server {
	t.Helper()
	srv, err := a.Web(app.WebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inner := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(authz.WithPrincipal(r.Context(), p)))
	}))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A 持出し request naming a medium shows on the medium's page.
func TestTakeOutRequestShowsOnMedium(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	m := save(t, w.a.Inventory, inventory.KindMedium, map[string]string{"code": "USB-007", "name": "説明会用USB", "unit": "A", "medium_type": "usb", "status": "stored"})
	day := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	r, err := w.a.Approval.File(ctx, w.principal(t, w.staff), approval.Input{TypeKey: approval.TypeMediaTakeOut, Values: map[string]string{
		"title": "説明会資料の持出し", "level": "機密性2", "media": "USB メモリ USB-007", "target_ref": "USB-007", "destination": "県民ホール",
		"starts_on": day, "ends_on": day, "protection": "暗号化"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.TargetRef != "medium:"+itoaID(m.ID) {
		t.Fatalf("target stored as %q", r.TargetRef)
	}
	ts := serve(t, w.a, w.principal(t, w.officer))
	status, body := get(t, ts.URL+"/inventory/medium/"+itoaID(m.ID))
	if status != 200 || !strings.Contains(body, "説明会資料の持出し") || !strings.Contains(body, "/requests/"+itoaID(r.ID)) {
		t.Fatalf("medium page (status %d) does not show the request", status)
	}
	// 区域外利用 names a terminal the same way.
	pc := save(t, w.a.Inventory, inventory.KindDevice, map[string]string{"code": "PC-042", "name": "モバイルPC", "unit": "A", "device_type": "mobile", "holder": "E2", "status": "in_use"})
	o, err := w.a.Approval.File(ctx, w.principal(t, w.staff), approval.Input{TypeKey: approval.TypeOutsideArea, Values: map[string]string{
		"title": "出張先での資料作成", "level": "要保全情報", "terminal": "PC-042", "target_ref": "device:PC-042", "place": "出張先ホテル",
		"starts_on": day, "ends_on": day, "measures": "覗き見防止フィルタ"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if o.TargetRef != "device:"+itoaID(pc.ID) {
		t.Fatalf("terminal target stored as %q", o.TargetRef)
	}
	if status, body := get(t, ts.URL+"/inventory/device/"+itoaID(pc.ID)); status != 200 || !strings.Contains(body, "出張先での資料作成") {
		t.Fatalf("device page (status %d) does not show the 区域外利用 request", status)
	}
	// The request's page links back to the medium.
	status, body = get(t, ts.URL+"/requests/"+itoaID(r.ID))
	if status != 200 || !strings.Contains(body, "/inventory/medium/"+itoaID(m.ID)) {
		t.Fatalf("request page (status %d) does not link the medium", status)
	}
}

func itoaID(n int64) string { return strconv.FormatInt(n, 10) }

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// A unit officer sees the devices and areas of their unit only: a foreign
// unit's entry is not listed and reads as not found.
func TestForeignUnitNotVisible(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	s := w.a.Inventory
	officer := w.principal(t, w.officer)
	for _, kind := range []string{inventory.KindDevice, inventory.KindArea} {
		v := map[string]string{"name": "x", "device_type": "terminal", "status": "in_use", "area_class": "office"}
		v["code"], v["unit"] = kind+"-A", "A"
		own := save(t, s, kind, v)
		v = map[string]string{"name": "x", "device_type": "terminal", "status": "in_use", "area_class": "office"}
		v["code"], v["unit"] = kind+"-B", "B"
		foreign := save(t, s, kind, v)
		items, err := s.List(ctx, officer, inventory.Filter{Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].ID != own.ID {
			t.Fatalf("%s: the officer of A lists %+v", kind, items)
		}
		if _, _, err := s.Get(ctx, officer, foreign.ID); err == nil {
			t.Fatalf("%s: the officer of A reads B's entry", kind)
		}
		if _, err := s.Save(ctx, officer, kind, foreign.ID, map[string]string{"name": "y"}); err == nil {
			t.Fatalf("%s: the officer of A changes B's entry", kind)
		}
		ts, err := s.Export(ctx, officer, kind)
		if err != nil || len(ts[0].Rows) != 1 {
			t.Fatalf("%s: the officer's export has %d rows, %v", kind, len(ts[0].Rows), err)
		}
		srv := serve(t, w.a, officer)
		if status, _ := get(t, srv.URL+"/inventory/"+kind+"/"+fmtInt(foreign.ID)); status != 404 {
			t.Fatalf("%s: foreign page status %d, want 404", kind, status)
		}
	}
}

// An area's entry record is imported from a sheet; a bad row stores nothing.
func TestAreaLogImport(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	area := save(t, w.a.Inventory, inventory.KindArea, map[string]string{"code": "R-1", "name": "サーバ室", "unit": "A", "area_class": "server_room"})
	officer := w.principal(t, w.officer)
	sheet := func(rows ...[]any) []byte {
		var buf bytes.Buffer
		if err := tabular.WriteXLSX(&buf, tabular.Table{Header: []string{"入室日時", "退室日時", "氏名", "所属", "目的", "同行者"}, Rows: rows}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	in := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	n, rep, err := w.a.Inventory.ImportLog(ctx, officer, area.ID, "visitor", "v.xlsx", sheet(
		[]any{in, in.Add(time.Hour), "保守 太郎", "保守会社", "定期点検", "職員E1"},
		[]any{"2026-04-02 13:00", "", "監査 花子", "監査法人", "監査", ""}))
	if err != nil || !rep.OK() || n != 2 {
		t.Fatalf("import: %d %v %+v", n, err, rep.Errors)
	}
	logs, err := w.a.Inventory.Logs(ctx, officer, area.ID)
	if err != nil || len(logs) != 2 || logs[1].Name != "保守 太郎" || !logs[1].EnteredAt.Equal(in) || logs[0].Affiliation != "監査法人" {
		t.Fatalf("logs %+v %v", logs, err)
	}
	_, rep, err = w.a.Inventory.ImportLog(ctx, officer, area.ID, "entry", "e.xlsx", sheet([]any{"いつか", "", "誰か", "", "", ""}))
	if err != nil || rep.OK() || rep.Errors[0].Row != 2 {
		t.Fatalf("bad row: %v %+v", err, rep.Errors)
	}
	if logs, _ := w.a.Inventory.Logs(ctx, officer, area.ID); len(logs) != 2 {
		t.Fatalf("a bad file stored rows: %d", len(logs))
	}
	if _, _, err := w.a.Inventory.ImportLog(ctx, w.principal(t, w.other), area.ID, "entry", "e.xlsx", sheet()); err == nil {
		t.Fatal("a staff member of another unit imported an area's log")
	}
}

// The contact list is generated from the appointments, with each person's
// contact means, per unit (in the reader's scope) and per system.
func TestContacts(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	o := w.a.Org
	if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: w.other.ID, RoleKey: authz.RoleDivisionISO, UnitID: w.unitB.ID, StartsOn: "2024-04-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: w.staff.ID, RoleKey: authz.RoleSecOffice, StartsOn: "2024-04-01"}); err != nil {
		t.Fatal(err)
	}
	office := w.principal(t, w.staff)
	if err := w.a.Inventory.SaveMeans(ctx, office, w.officer.ID, []inventory.Means{{Kind: "phone", Value: "内線 1234"}, {Kind: "mobile", Value: "090-0000-0000", Note: "夜間"}}); err != nil {
		t.Fatal(err)
	}
	gs, err := w.a.Inventory.Contacts(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, g := range gs {
		for _, c := range g.Contacts {
			text += g.Kind + ":" + g.Code + ":" + c.Name + ":" + c.RoleKey
			for _, m := range c.Means {
				text += ":" + m.Value
			}
			text += "\n"
		}
	}
	for _, want := range []string{"organisation::職員E2:security_office", "unit:A:職員E1:division_iso:内線 1234:090-0000-0000", "unit:B:職員E3:division_iso"} {
		if !strings.Contains(text, want) {
			t.Errorf("contact list lacks %q:\n%s", want, text)
		}
	}
	officerGs, err := w.a.Inventory.Contacts(ctx, w.principal(t, w.officer))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range officerGs {
		if g.Code == "B" {
			t.Fatal("the officer of A sees B's contacts")
		}
	}
	tb := inventory.ContactsTable(gs, "ja")
	if len(tb.Rows) != 3 || tb.Rows[1][5] != "電話（内線）: 内線 1234 / 携帯電話: 090-0000-0000" {
		t.Fatalf("contacts sheet %v", tb.Rows)
	}
}

// The API adds and lists entries within the caller's scope.
func TestInventoryAPI(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ts := serve(t, w.a, w.principal(t, w.officer))
	post := func(body string) (int, string) {
		resp, err := http.Post(ts.URL+"/api/v1/inventory/device", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(`{"code":"PC-9","name":"PC","unit":"A","device_type":"terminal","status":"in_use","encryption":"ディスク全体"}`); status != 201 || !strings.Contains(body, `"encryption":"full_disk"`) {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, _ := post(`{"code":"PC-10","name":"PC","unit":"B","device_type":"terminal","status":"in_use"}`); status != 403 {
		t.Fatalf("create in a foreign unit: %d", status)
	}
	if status, body := post(`{"code":"PC-11","name":"PC","unit":"A","device_type":"toaster","status":"in_use"}`); status != 422 || !strings.Contains(body, "toaster") {
		t.Fatalf("bad option: %d %s", status, body)
	}
	status, body := get(t, ts.URL+"/api/v1/inventory/device")
	if status != 200 || !strings.Contains(body, `"code":"PC-9"`) || strings.Contains(body, "PC-10") {
		t.Fatalf("list: %d %s", status, body)
	}
	if status, _ := get(t, ts.URL+"/api/v1/inventory/toaster"); status != 404 {
		t.Fatalf("unknown register: %d", status)
	}
}
