package inventory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/inventory"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// The API and the page list a register one page at a time by code: the
// next page follows the Link header or the page's next link, keeps the
// search, and every item in scope comes exactly once.
func TestInventoryPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		var want []string
		for i := 0; i < 23; i++ {
			code := fmt.Sprintf("PC-%03d", (i*7)%23)
			name := "業務用PC"
			if i%4 == 0 {
				name = "サーバ"
			}
			save(t, w.a.Inventory, inventory.KindDevice, map[string]string{"code": code, "name": name, "unit": "A", "device_type": "terminal", "status": "in_use"})
			if name == "業務用PC" {
				want = append(want, code)
			}
			save(t, w.a.Inventory, inventory.KindDevice, map[string]string{"code": "B-" + code, "name": name, "unit": "B", "device_type": "terminal", "status": "in_use"})
		}
		slices.Sort(want)
		ts := serve(t, w.a, w.principal(t, w.officer))

		var got []string
		next := ts.URL + "/api/v1/inventory/device?q=%E6%A5%AD%E5%8B%99&limit=5"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			resp, err := http.Get(next)
			if err != nil {
				t.Fatal(err)
			}
			var items []inventory.Item
			err = json.NewDecoder(resp.Body).Decode(&items)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || len(items) > 5 {
				t.Fatalf("%s: %d, %d items %v", next, resp.StatusCode, len(items), err)
			}
			for _, it := range items {
				got = append(got, it.Code)
			}
			next = ""
			if link := resp.Header.Get("Link"); link != "" {
				m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(link)
				if m == nil || !strings.Contains(m[1], "q=%E6%A5%AD%E5%8B%99") || !strings.Contains(m[1], "after="+resp.Header.Get("X-Next-Cursor")) {
					t.Fatalf("Link %q, X-Next-Cursor %q", link, resp.Header.Get("X-Next-Cursor"))
				}
				next = ts.URL + m[1]
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("API pages %v\nwant %v", got, want)
		}
		if status, _ := get(t, ts.URL+"/api/v1/inventory/device?after=%25%25"); status != 400 {
			t.Errorf("bad cursor: %d", status)
		}
		if status, _ := get(t, ts.URL+"/api/v1/inventory/device?limit=0"); status != 400 {
			t.Errorf("limit 0: %d", status)
		}

		// The page: 50 at a time by default, then the rest.
		status, body := get(t, ts.URL+"/inventory/device?limit=10")
		m := regexp.MustCompile(`<a href="([^"]+)" rel="next"`).FindStringSubmatch(body)
		if status != 200 || m == nil || !strings.Contains(body, "23 件中 10 件を表示") || strings.Contains(body, "PC-010") {
			t.Fatalf("first page: %d\n%s", status, body)
		}
		status, body = get(t, ts.URL+html.UnescapeString(m[1]))
		if status != 200 || !strings.Contains(body, "PC-010") || strings.Contains(body, "PC-009<") || !strings.Contains(body, `rel="first"`) {
			t.Fatalf("second page: %d\n%s", status, body)
		}
		if status, _ := get(t, ts.URL+"/inventory/device?after=!"); status != 400 {
			t.Errorf("page with a bad cursor: %d", status)
		}
	})
}

// The contact list pages by whole groups of about 100 contacts.
func TestContactGroupsPage(t *testing.T) {
	var gs []inventory.ContactGroup
	gs = append(gs, inventory.ContactGroup{Kind: "organisation", Contacts: make([]inventory.Contact, 3)})
	for i := 0; i < 5; i++ {
		gs = append(gs, inventory.ContactGroup{Kind: "unit", Code: fmt.Sprintf("U%d", i), Contacts: make([]inventory.Contact, 2)})
	}
	gs = append(gs, inventory.ContactGroup{Kind: "system", Code: "A", Contacts: make([]inventory.Contact, 1)})
	var seen []string
	req := paging.Request{Limit: 4}
	for pages := 0; ; pages++ {
		page, next := inventory.PageGroups(gs, req)
		for _, g := range page {
			seen = append(seen, g.Kind+g.Code)
		}
		if next == "" {
			break
		}
		if pages > 5 || len(page) == 0 {
			t.Fatalf("page %d: %v", pages, page)
		}
		var err error
		if req.After, err = paging.Parse(next); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(seen) != "[organisation unitU0 unitU1 unitU2 unitU3 unitU4 systemA]" {
		t.Fatalf("groups over the pages: %v", seen)
	}
	if page, next := inventory.PageGroups(gs, paging.Request{Limit: 4}); len(page) != 2 || next == "" {
		t.Fatalf("first page: %d groups, next %q", len(page), next)
	}
}

// The contact page cuts by groups and keeps the rest for the next page.
func TestContactsPageLinks(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		u, err := w.a.Org.CreateUnit(ctx, authz.System, org.Unit{Code: fmt.Sprintf("C%d", i), Name: "課"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("K%d", i), Name: fmt.Sprintf("連絡%d", i), UnitID: u.ID, Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Org.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: u.ID, StartsOn: "2024-04-01"}); err != nil {
			t.Fatal(err)
		}
	}
	chief, _ := w.a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: "X1", Name: "統括", UnitID: w.unitA.ID, Status: "active"})
	if _, err := w.a.Org.Appoint(ctx, authz.System, org.Assignment{PersonID: chief.ID, RoleKey: authz.RoleChiefISO, StartsOn: "2024-04-01"}); err != nil {
		t.Fatal(err)
	}
	ts := serve(t, w.a, w.principal(t, chief))
	var seen []string
	next := "/contacts?limit=2"
	for pages := 0; next != ""; pages++ {
		status, body := get(t, ts.URL+next)
		if status != 200 || pages > 5 {
			t.Fatalf("%s: %d", next, status)
		}
		for _, m := range regexp.MustCompile(`連絡\d|職員E1`).FindAllString(body, -1) {
			seen = append(seen, m)
		}
		next = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next"`).FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if fmt.Sprint(seen) != "[職員E1 連絡0 連絡1 連絡2]" {
		t.Fatalf("contacts over the pages: %v", seen)
	}
	resp, err := http.Get(ts.URL + "/contacts?after=%21")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("bad cursor: %d", resp.StatusCode)
	}
}
