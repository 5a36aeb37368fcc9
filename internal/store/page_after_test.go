package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// keysetWalk reads a list page by page with read (rows after the cursor, at
// most limit+1 as paging asks) until no next cursor, and returns the ids in
// order; it fails on a page larger than limit or on a repeated id.
func keysetWalk[T any](t *testing.T, limit int, read func(paging.Request) ([]T, error), key func(T) paging.Cursor) []int64 {
	t.Helper()
	req := paging.Request{Limit: limit}
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		rows, err := read(req)
		if err != nil {
			t.Fatal(err)
		}
		page, next := paging.Cut(rows, req, key)
		if len(page) > limit {
			t.Fatalf("page of %d rows, limit %d", len(page), limit)
		}
		for _, r := range page {
			id := key(r).ID
			if slices.Contains(ids, id) {
				t.Fatalf("id %d on two pages", id)
			}
			ids = append(ids, id)
		}
		if next == "" {
			return ids
		}
		if req.After, err = paging.Parse(next); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeoplePagesByEmployeeNumber(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db.Org())
		root, _ := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部"})
		for i := 0; i < 23; i++ {
			name := "佐藤"
			if i%2 == 0 {
				name = "鈴木"
			}
			// Numbers not in creation order, so id and key orders differ.
			no := fmt.Sprintf("P%02d", (i*7)%23)
			if _, err := svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: name, UnitID: root.ID}); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"", "鈴木"} {
			all, total, err := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, p := range all {
				want = append(want, p.ID)
			}
			got := keysetWalk(t, 5, func(req paging.Request) ([]org.Person, error) {
				rows, n, err := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Query: q, After: req.After, Limit: req.Fetch()})
				if n != total {
					t.Errorf("total on a later page = %d, want %d", n, total)
				}
				return rows, err
			}, org.PersonCursor)
			if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("q=%q: pages %v, whole list %v", q, got, want)
			}
		}
		// Old callers' offset still reads the same slice.
		page, _, err := svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, Limit: 5, Offset: 20})
		if err != nil || len(page) != 3 || page[0].EmployeeNo != "P20" {
			t.Fatalf("offset page = %+v %v", page, err)
		}
	})
}

func TestAuditPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		for i := 0; i < 12; i++ {
			actor := "sato"
			if i%3 == 0 {
				actor = "kato"
			}
			// Three events share each time: the order by time breaks ties by number.
			ev := audit.Event{Action: "auth.login", At: day.Add(time.Duration(i/3) * time.Hour)}
			if i == 11 {
				ev.At = day.Add(-time.Hour) // written late, with an earlier time
			}
			if err := db.Audit().Append(audit.WithActor(ctx, audit.Actor{Login: actor}), &ev); err != nil {
				t.Fatal(err)
			}
		}
		list := func(f audit.Filter) []int64 {
			return keysetWalk(t, 3, func(req paging.Request) ([]audit.Event, error) {
				f.After, f.Limit = req.After, req.Fetch()
				return db.Audit().List(ctx, f)
			}, f.Cursor)
		}
		// By number, newest first.
		if got := list(audit.Filter{Actor: "sato"}); fmt.Sprint(got) != "[12 11 9 8 6 5 3 2]" {
			t.Fatalf("sato's entries = %v", got)
		}
		if got := list(audit.Filter{}); len(got) != 12 || got[0] != 12 {
			t.Fatalf("whole trail = %v", got)
		}
		// A period is read by time, newest first, then by number.
		f := audit.Filter{From: day.Add(-2 * time.Hour), To: day.Add(3 * time.Hour), Action: "auth"}
		if !f.ByTime() {
			t.Fatal("a period is not read by time")
		}
		if got := list(f); fmt.Sprint(got) != "[9 8 7 6 5 4 3 2 1 12]" {
			t.Fatalf("the period by time = %v", got)
		}
		if n, _ := db.Audit().Count(ctx, f); n != 10 {
			t.Fatalf("Count(period) = %d", n)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Actor: "sato", Limit: 5}); n != 5 {
			t.Fatalf("Count up to 5 = %d", n)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{After: paging.Cursor{ID: 5}}); n != 12 {
			t.Fatalf("Count of the trail = %d", n)
		}
	})
}

func TestUsersPagesByLogin(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		for i := 0; i < 14; i++ {
			name := "一般"
			if i%2 == 1 {
				name = "管理課"
			}
			if _, err := db.Auth().CreateUser(ctx, auth.User{Login: fmt.Sprintf("user%02d", (i*5)%14), Name: name, PasswordHash: "x",
				CreatedAt: now, PasswordChangedAt: now}, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"", "管理", "USER1"} {
			all, total, err := db.Auth().ListUsers(ctx, auth.UserFilter{Query: q})
			if err != nil || total != len(all) || len(all) == 0 {
				t.Fatalf("q=%q: %d of %d %v", q, len(all), total, err)
			}
			var want []int64
			for _, u := range all {
				want = append(want, u.ID)
				if u.PasswordHash != "" {
					t.Fatal("list carries the password hash")
				}
			}
			got := keysetWalk(t, 4, func(req paging.Request) ([]auth.User, error) {
				rows, _, err := db.Auth().ListUsers(ctx, auth.UserFilter{Query: q, After: req.After, Limit: req.Fetch()})
				return rows, err
			}, auth.UserCursor)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("q=%q: pages %v, whole list %v", q, got, want)
			}
		}
		if _, n, _ := db.Auth().ListUsers(ctx, auth.UserFilter{Query: "user1"}); n != 4 {
			t.Fatalf("user1* = %d", n)
		}
	})
}

// TestRegisterPagesKeepTies pages the registers by every sort key, both
// ways, over records that share their sort values: each record comes once,
// in the order of the whole list.
func TestRegisterPagesKeepTies(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newRegWorld(t, db)
		officer := w.who(t, w.divA1)
		for i := 0; i < 11; i++ {
			kind := []string{"文書", "データベース", "紙"}[i%3]
			if _, err := w.reg.CreateAsset(ctx, officer, register.Asset{Code: fmt.Sprintf("IA-%02d", (i*4)%11), Name: "資産" + kind,
				Kind: kind, UnitID: w.unitA1.ID, C: 1 + i%2}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.reg.CreateService(ctx, officer, register.Service{Code: fmt.Sprintf("SV-%02d", (i*4)%11), Name: "サービス",
				Kind: register.ServiceCloud, Provider: kind, UnitID: w.unitA1.ID, ContractTo: []string{"", "2027-03-31"}[i%2]}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.reg.CreateSystem(ctx, officer, register.System{Code: fmt.Sprintf("SY-%02d", (i*4)%11), Name: "システム" + kind,
				UnitID: w.unitA1.ID, ISSOID: w.isso.ID, Stage: []string{register.StagePlanning, register.StageOperation}[i%2]}); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(n int, id func(int) int64) []int64 {
			var out []int64
			for i := range n {
				out = append(out, id(i))
			}
			return out
		}
		for _, desc := range []bool{false, true} {
			for _, sort := range register.AssetSorts {
				f := register.AssetFilter{Sort: sort, Desc: desc}
				all, err := w.reg.Assets(ctx, officer, f)
				if err != nil || len(all) != 11 {
					t.Fatalf("assets by %s: %d %v", sort, len(all), err)
				}
				got := keysetWalk(t, 3, func(req paging.Request) ([]register.Asset, error) {
					f.After, f.Limit = req.After, req.Fetch()
					return w.reg.Assets(ctx, officer, f)
				}, f.Cursor)
				if want := ids(len(all), func(i int) int64 { return all[i].ID }); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("assets by %s desc=%v: pages %v, whole list %v", sort, desc, got, want)
				}
			}
			for _, sort := range register.SystemSorts {
				f := register.SystemFilter{Sort: sort, Desc: desc}
				all, err := w.reg.Systems(ctx, officer, f)
				if err != nil || len(all) != 11 {
					t.Fatalf("systems by %s: %d %v", sort, len(all), err)
				}
				got := keysetWalk(t, 4, func(req paging.Request) ([]register.System, error) {
					f.After, f.Limit = req.After, req.Fetch()
					return w.reg.Systems(ctx, officer, f)
				}, f.Cursor)
				if want := ids(len(all), func(i int) int64 { return all[i].ID }); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("systems by %s desc=%v: pages %v, whole list %v", sort, desc, got, want)
				}
			}
			for _, sort := range register.ServiceSorts {
				f := register.ServiceFilter{Sort: sort, Desc: desc}
				all, err := w.reg.Services(ctx, officer, f)
				if err != nil || len(all) != 11 {
					t.Fatalf("services by %s: %d %v", sort, len(all), err)
				}
				got := keysetWalk(t, 2, func(req paging.Request) ([]register.Service, error) {
					f.After, f.Limit = req.After, req.Fetch()
					return w.reg.Services(ctx, officer, f)
				}, f.Cursor)
				if want := ids(len(all), func(i int) int64 { return all[i].ID }); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("services by %s desc=%v: pages %v, whole list %v", sort, desc, got, want)
				}
			}
		}
		// A page with its count; a number sort refuses a cursor that is no number.
		pg, err := w.reg.AssetPage(ctx, officer, register.AssetFilter{Kind: "紙"}, paging.Request{Limit: 2})
		if err != nil || len(pg.Rows) != 2 || pg.Total != 3 || pg.Next == "" {
			t.Fatalf("page of paper assets = %d of %d next %q %v", len(pg.Rows), pg.Total, pg.Next, err)
		}
		_, err = w.reg.Assets(ctx, officer, register.AssetFilter{Sort: "c", After: paging.Cursor{Key: "x", ID: 1}, Limit: 3})
		if !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("text cursor on the level sort: %v", err)
		}
	})
}

func TestContactsPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db.Org())
		if err := svc.EnsureBuiltinRoles(ctx); err != nil {
			t.Fatal(err)
		}
		root, _ := svc.CreateUnit(ctx, authz.System, org.Unit{Code: "R", Name: "本部"})
		var units []org.Unit
		for i := 0; i < 4; i++ {
			u, _ := svc.CreateUnit(ctx, authz.System, org.Unit{Code: fmt.Sprintf("U%d", i), Name: "課", ParentID: root.ID})
			units = append(units, u)
		}
		for i := 0; i < 13; i++ {
			p, err := svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("C%02d", i), Name: "担当", UnitID: root.ID})
			if err != nil {
				t.Fatal(err)
			}
			// Several holders per unit: the cursor's id breaks the tie.
			if _, err := svc.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO,
				UnitID: units[(i*3)%4].ID, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
			if i == 5 {
				p.Status = org.StatusLeft
				if _, err := svc.UpdatePerson(ctx, authz.System, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, err := svc.Contacts(ctx, authz.RoleDivisionISO, 0, time.Now(), authz.Everywhere)
		if err != nil || len(all) != 12 {
			t.Fatalf("contacts = %d %v", len(all), err)
		}
		seen := map[int64]bool{}
		last := ""
		req := paging.Request{Limit: 5}
		for pages := 1; ; pages++ {
			rows, next, total, err := svc.ContactsPage(ctx, authz.RoleDivisionISO, 0, time.Now(), authz.Everywhere, req)
			if err != nil || total != 12 || len(rows) > 5 || pages > 3 {
				t.Fatalf("page %d: %d rows of %d %v", pages, len(rows), total, err)
			}
			for _, a := range rows {
				if seen[a.ID] || a.UnitPath < last || a.PersonStatus == org.StatusLeft {
					t.Fatalf("page %d: %+v again, out of order or gone", pages, a)
				}
				seen[a.ID], last = true, a.UnitPath
			}
			if next == "" {
				break
			}
			if req.After, err = paging.Parse(next); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != 12 {
			t.Fatalf("paged contacts = %d", len(seen))
		}
	})
}
