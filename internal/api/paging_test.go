package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kitei/internal/api"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// pagingServer serves the API as the organisation's security office over
// 27 people in one unit (numbers not in creation order) and a register of
// 13 assets with repeated kinds and levels.
func pagingServer(t *testing.T, db *store.DB) (*httptest.Server, []string) {
	t.Helper()
	ctx := context.Background()
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: "U", Name: "課"})
	if err != nil {
		t.Fatal(err)
	}
	var nos []string
	for i := 0; i < 27; i++ {
		no := fmt.Sprintf("N%02d", (i*10)%27)
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員", UnitID: u.ID, Status: []string{"active", "leave", "active"}[i%3]})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == org.StatusActive {
			nos = append(nos, no)
		}
		if i == 0 {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: u.ID, StartsOn: "2020-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	slices.Sort(nos)
	reg := register.NewRegistry(db.Registers(), o, nil)
	first, _ := o.PersonByEmployeeNo(ctx, "N00")
	path, grants, _, err := o.Grants(ctx, first.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	officer := &authz.Principal{PersonID: first.ID, UnitPath: path, Grants: grants}
	for i := 0; i < 13; i++ {
		if _, err := reg.CreateAsset(ctx, officer, register.Asset{Code: fmt.Sprintf("IA-%02d", (i*5)%13), Name: "資産",
			Kind: []string{"文書", "紙"}[i%2], UnitID: u.ID, C: 1 + i%2}); err != nil {
			t.Fatal(err)
		}
	}
	office := &authz.Principal{Grants: append([]authz.Grant{{Role: authz.RoleSecOffice}}, grants...), PersonID: first.ID}
	x := api.New(api.Deps{Catalogs: catalog.NewService(db.Catalogs(), nil), Org: o, Register: reg})
	mux := http.NewServeMux()
	for _, r := range x.Routes() {
		mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(authz.WithPrincipal(r.Context(), office)))
	}))
	t.Cleanup(ts.Close)
	return ts, nos
}

// follow reads a paged list from path on, following the Link header, and
// returns what each page decoded to by read; it checks that Link,
// X-Next-Cursor and the body's next field (when read reports one) agree.
func follow(t *testing.T, ts *httptest.Server, path string, read func(body []byte) (rows int, next string)) {
	t.Helper()
	for pages := 0; path != ""; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
		}
		_, bodyNext := read(raw)
		cursor := resp.Header.Get("X-Next-Cursor")
		path = ""
		if link := resp.Header.Get("Link"); link != "" {
			m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(link)
			if m == nil || !strings.Contains(m[1], "after="+cursor) || cursor == "" {
				t.Fatalf("Link %q, X-Next-Cursor %q", link, cursor)
			}
			path = m[1]
		} else if cursor != "" {
			t.Fatalf("X-Next-Cursor %q without a Link", cursor)
		}
		if bodyNext != "-" && bodyNext != cursor {
			t.Fatalf("next in the body %q, header %q", bodyNext, cursor)
		}
	}
}

func TestAPIPagesPeopleAndRegisters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ts, active := pagingServer(t, db)

		// People: 7 a page, the status filter kept in the next link.
		var got []string
		follow(t, ts, "/api/v1/people?status=active&limit=7", func(b []byte) (int, string) {
			var pg api.PersonPage
			if err := json.Unmarshal(b, &pg); err != nil || pg.Total != len(active) || len(pg.People) > 7 {
				t.Fatalf("page %s: %v", b, err)
			}
			for _, p := range pg.People {
				got = append(got, p.EmployeeNo)
			}
			return len(pg.People), pg.Next
		})
		if fmt.Sprint(got) != fmt.Sprint(active) {
			t.Fatalf("people over the pages %v\nwant %v", got, active)
		}
		// A deprecated offset still answers; with a cursor it is refused.
		code, m, _ := do(t, "GET", ts.URL+"/api/v1/people?limit=5&offset=25", nil)
		if code != 200 || len(m["people"].([]any)) != 2 || m["next"] != nil {
			t.Fatalf("offset page: %d %v", code, m)
		}
		for _, q := range []string{"after=%25", "after=MTpOMDE&offset=3", "limit=1001", "limit=0"} {
			if code, m, _ := do(t, "GET", ts.URL+"/api/v1/people?"+q, nil); code != 400 || m["key"] == nil {
				t.Errorf("%s: %d %v", q, code, m)
			}
		}

		// Assets by level, highest first: ties in the level come in id
		// order, each asset once.
		var codes []string
		follow(t, ts, "/api/v1/register/assets?sort=c&desc=1&limit=4", func(b []byte) (int, string) {
			var as []register.Asset
			if err := json.Unmarshal(b, &as); err != nil || len(as) > 4 {
				t.Fatalf("page %s: %v", b, err)
			}
			for _, a := range as {
				codes = append(codes, fmt.Sprintf("%d:%s", a.C, a.Code))
			}
			return len(as), "-"
		})
		if len(codes) != 13 || !slices.IsSortedFunc(codes, func(a, b string) int { return strings.Compare(b[:1], a[:1]) }) {
			t.Fatalf("assets over the pages: %v", codes)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if seen[c] {
				t.Fatalf("%s twice", c)
			}
			seen[c] = true
		}
		if code, _, _ := do(t, "GET", ts.URL+"/api/v1/register/assets?sort=c&after=MTp4", nil); code != 400 {
			t.Errorf("text cursor on the level sort: %d", code)
		}
		for _, p := range []string{"/api/v1/register/systems?limit=2", "/api/v1/register/services?limit=2"} {
			follow(t, ts, p, func(b []byte) (int, string) { return 0, "-" })
			if code, _, _ := do(t, "GET", ts.URL+p+"&after=!", nil); code != 400 {
				t.Errorf("%s with a bad cursor: %d", p, code)
			}
		}
	})
}
