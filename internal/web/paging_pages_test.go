package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/org"
)

// followPages follows a list's next links from path on with get and returns what
// pick found on every page, failing on a page that lost keep from its next
// link or on a list that does not end.
func followPages(t *testing.T, path string, keep []string, get func(path string) (int, string), pick *regexp.Regexp) []string {
	t.Helper()
	var out []string
	for n := 0; path != ""; n++ {
		if n > 30 {
			t.Fatal("paging does not end")
		}
		code, body := get(path)
		if code != 200 {
			t.Fatalf("%s: %d\n%s", path, code, body)
		}
		for _, m := range pick.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		if n > 0 && !strings.Contains(body, `rel="first"`) {
			t.Errorf("%s has no link back to the first page", path)
		}
		path = nextHref(body)
		for _, k := range keep {
			if path != "" && !strings.Contains(path, k) {
				t.Fatalf("next link %s lost %s", path, k)
			}
		}
	}
	return out
}

func noRepeats(t *testing.T, what string, xs []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			t.Fatalf("%s: %s on two pages (%v)", what, x, xs)
		}
		seen[x] = true
	}
}

func TestAdminUsersPages(t *testing.T) {
	e := newAuthEnv(t, false, false)
	admin := signIn(t, e.svc, e.clk, auth.NewUser{Login: "kanri", Name: "管理者", IsAdmin: true})
	ctx := context.Background()
	var want []string
	for i := 0; i < 57; i++ {
		login := fmt.Sprintf("u%03d", (i*11)%57)
		name := "一般"
		if i%2 == 0 {
			name = "総務"
		}
		if _, _, err := e.svc.CreateUser(ctx, auth.NewUser{Login: login, Name: name}); err != nil {
			t.Fatal(err)
		}
		if name == "総務" {
			want = append(want, login)
		}
	}
	slices.Sort(want)
	get := func(path string) (int, string) {
		resp, body := e.do(t, "GET", path, nil, admin)
		return resp.StatusCode, body
	}
	code, body := get("/admin/users")
	if code != 200 || !strings.Contains(body, "アカウント（58 件）") || !strings.Contains(body, "58 件中 50 件を表示") || nextHref(body) == "" {
		t.Fatalf("first page: %d\n%s", code, body)
	}
	got := followPages(t, "/admin/users?q=%E7%B7%8F%E5%8B%99&limit=8", []string{"q=%E7%B7%8F%E5%8B%99", "limit=8"}, get,
		regexp.MustCompile(`<a href="/admin/users/\d+">(u\d+)</a>`))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("総務 over the pages %v\nwant %v", got, want)
	}
	if code, _ := get("/admin/users?after=%21"); code != 400 {
		t.Errorf("bad cursor: %d", code)
	}
	if _, body := get("/admin/users?q=zzz"); !strings.Contains(body, "該当するアカウントはありません") {
		t.Errorf("empty search:\n%s", body)
	}
}

func TestRegisterListPages(t *testing.T) {
	e := newRegEnv(t)
	for i := 0; i < 23; i++ {
		code := fmt.Sprintf("IA-%02d", (i*5)%23)
		kind := []string{"文書", "紙"}[i%2]
		e.post(t, "E1", "/register/assets", url.Values{"code": {code}, "name": {"資産" + code}, "kind": {kind}, "unit": {e.unitID(t, "IT")},
			"c": {fmt.Sprint(1 + i%2)}})
	}
	get := func(path string) (int, string) {
		code, body, _ := e.do(t, "E1", "GET", path, nil)
		return code, body
	}
	pick := regexp.MustCompile(`<td class="ref">(IA-\d+)</td>`)
	// The default order (code), 10 a page.
	got := followPages(t, "/register/assets?limit=10", []string{"limit=10"}, get, pick)
	if len(got) != 23 || !slices.IsSorted(got) {
		t.Fatalf("assets by code over the pages: %v", got)
	}
	noRepeats(t, "assets by code", got)
	// By level, highest first, with a filter: ties broken by id, each once.
	got = followPages(t, "/register/assets?kind=%E6%96%87%E6%9B%B8&sort=c&desc=1&limit=4", []string{"kind=%E6%96%87%E6%9B%B8", "sort=c", "desc=1"}, get, pick)
	if len(got) != 12 {
		t.Fatalf("文書 assets by level: %v", got)
	}
	noRepeats(t, "assets by level", got)
	// Changing the order starts from the first page.
	if _, body := get("/register/assets?limit=10"); !strings.Contains(body, "23 件中 10 件を表示") || strings.Contains(regSortLinks(body), "after=") {
		t.Errorf("sort links keep the cursor:\n%s", regSortLinks(body))
	}
	for _, p := range []string{"/register/assets?after=x", "/register/systems?after=%21", "/register/services?limit=0", "/register/assets?sort=c&after=MTp4"} {
		if code, _ := get(p); code != 400 {
			t.Errorf("%s: %d", p, code)
		}
	}
	// Systems and services page the same way.
	for i := 0; i < 5; i++ {
		e.post(t, "E1", "/register/services", url.Values{"code": {fmt.Sprintf("CL-%d", i)}, "name": {"クラウド"}, "kind": {"cloud"},
			"provider": {"例示"}, "unit": {e.unitID(t, "IT")}})
		e.post(t, "E1", "/register/systems", url.Values{"code": {fmt.Sprintf("SYS-%d", i)}, "name": {"システム"}, "unit": {e.unitID(t, "IT")},
			"isso": {"E1"}, "stage": {"planning"}})
	}
	if got := followPages(t, "/register/systems?limit=2&sort=name", []string{"sort=name"}, get, regexp.MustCompile(`<td class="ref">(SYS-\d)</td>`)); len(got) != 5 {
		t.Errorf("systems over the pages: %v", got)
	} else {
		noRepeats(t, "systems", got)
	}
	if got := followPages(t, "/register/services?limit=2&sort=provider&desc=1", []string{"sort=provider"}, get, regexp.MustCompile(`<td class="ref">(CL-\d)</td>`)); len(got) != 5 {
		t.Errorf("services over the pages: %v", got)
	} else {
		noRepeats(t, "services", got)
	}
}

func regSortLinks(body string) string {
	return strings.Join(regexp.MustCompile(`href="/register/assets\?[^"]*sort=[^"]*"`).FindAllString(body, -1), "\n")
}

// unitID is the id of the unit with code, as the forms send it.
func (e *regEnv) unitID(t *testing.T, code string) string {
	t.Helper()
	u, err := org.NewService(e.db.Org()).UnitByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(u.ID)
}

func TestUnitPageAndContactsPage(t *testing.T) {
	e := newOrgEnv(t)
	ctx := context.Background()
	ops := e.units["OPS"]
	for i := 61; i <= 170; i++ {
		if _, err := e.svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("E%03d", i), Name: fmt.Sprintf("鈴木 %d", i),
			UnitID: ops.ID}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) (int, string) {
		code, body, _ := e.do(t, "chief", "GET", path, nil, "")
		return code, body
	}
	// OPS holds the 30 even numbers up to E060 and E061…E170: 140 people, 100 a page.
	code, body := get(fmt.Sprintf("/org/units/%d", ops.ID))
	if code != 200 || !strings.Contains(body, "140 件中 100 件を表示") || !strings.Contains(nextHref(body), "#people") {
		t.Fatalf("unit page: %d\n%s", code, body)
	}
	got := followPages(t, fmt.Sprintf("/org/units/%d?limit=30", ops.ID), []string{"limit=30"}, get, regexp.MustCompile(`<td class="ref">(E\d+)</td>`))
	if len(got) != 140 || !slices.IsSorted(got) {
		t.Fatalf("unit's people over the pages: %d %v", len(got), got)
	}
	noRepeats(t, "unit's people", got)

	// A role's contacts, several holders per unit.
	people, _, _ := e.svc.People(ctx, org.PersonFilter{Scope: authz.Everywhere, UnitID: ops.ID, Limit: 9})
	for i, p := range people {
		unit := []org.Unit{e.units["PLAN"], e.units["OPS"], e.units["SYS"]}[i%3]
		if _, err := e.svc.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: unit.ID,
			StartsOn: time.Now().AddDate(0, 0, -1).Format("2006-01-02")}); err != nil {
			t.Fatal(err)
		}
	}
	got = followPages(t, "/org/roles/division_iso/contacts?limit=2", []string{"limit=2"}, get, regexp.MustCompile(`<a href="/org/people/(\d+)">`))
	if len(got) != 9 {
		t.Fatalf("contacts over the pages: %v", got)
	}
	noRepeats(t, "contacts", got)
	if code, _ := get("/org/roles/division_iso/contacts?after=%21"); code != 400 {
		t.Errorf("contacts with a bad cursor: %d", code)
	}
	if code, _ := get(fmt.Sprintf("/org/units/%d?after=%%21", ops.ID)); code != 400 {
		t.Errorf("unit page with a bad cursor: %d", code)
	}
}
