package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

type regEnv struct {
	db     *store.DB
	srv    *httptest.Server
	who    map[string]*authz.Principal
	client *http.Client
}

func newRegEnv(t *testing.T) *regEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	orgs := org.NewService(db.Org())
	if err := orgs.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	hq, _ := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "HQ", Name: "本部"})
	it, _ := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "IT", Name: "情報課", ParentID: hq.ID})
	other, _ := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "OT", Name: "総務課", ParentID: hq.ID})
	people := map[string]org.Person{}
	for _, p := range []struct{ no, unit string }{{"E1", "IT"}, {"E2", "IT"}, {"E3", "OT"}, {"E4", "IT"}, {"E9", "HQ"}} {
		u := map[string]org.Unit{"HQ": hq, "IT": it, "OT": other}[p.unit]
		created, err := orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: p.no, Name: "職員" + p.no, UnitID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		people[p.no] = created
	}
	for _, a := range []struct {
		no, role string
		unit     int64
	}{{"E1", authz.RoleDivisionISO, it.ID}, {"E4", authz.RoleDivisionISO, it.ID}, {"E9", authz.RoleChiefISO, 0}, {"E3", authz.RoleDivisionISO, other.ID}} {
		if _, err := orgs.Appoint(ctx, authz.System, org.Assignment{PersonID: people[a.no].ID, RoleKey: a.role, UnitID: a.unit, StartsOn: "2020-04-01"}); err != nil {
			t.Fatal(err)
		}
	}
	e := &regEnv{db: db, who: map[string]*authz.Principal{}}
	for _, no := range []string{"E1", "E3", "E4", "E9"} {
		path, grants, _, err := orgs.Grants(ctx, people[no].ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.who[no] = &authz.Principal{PersonID: people[no].ID, Login: no, UnitPath: path, Grants: grants}
	}
	cats := catalog.NewService(db.Catalogs(), nil)
	s, err := web.New(withAPI(web.Deps{Store: db, Catalogs: cats, Org: orgs, Audit: db.Audit(),
		Register: register.NewRegistry(db.Registers(), orgs, cats),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := e.who[r.Header.Get("X-Test-As")]; p != nil {
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
			r = r.WithContext(audit.WithActor(r.Context(), audit.Actor{ID: p.PersonID, Login: p.Login}))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

func (e *regEnv) do(t *testing.T, as, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Test-As", as)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// post submits a form and returns the record path it redirects to.
func (e *regEnv) post(t *testing.T, as, path string, form url.Values) string {
	t.Helper()
	code, body, loc := e.do(t, as, "POST", path, form)
	if code != http.StatusSeeOther {
		t.Fatalf("POST %s: %d %s", path, code, body)
	}
	return strings.SplitN(loc, "?", 2)[0]
}

func TestRegisterPagesWalkthroughAndNamedPeople(t *testing.T) {
	e := newRegEnv(t)
	// The officer of IT registers a cloud service, a system with its ISSO
	// using it, and classifies two assets; no JavaScript involved.
	svc := e.post(t, "E1", "/register/services", url.Values{"code": {"CL-1"}, "name": {"文書共有"}, "kind": {"cloud"},
		"provider": {"例示クラウド"}, "unit": {"2"}, "ismap": {"1"}, "ismap_no": {"C22-0001-1"}, "data_location": {"日本国内"}, "c": {"2"}})
	sys := e.post(t, "E1", "/register/systems", url.Values{"code": {"SYS-1"}, "name": {"文書管理システム"}, "unit": {"2"},
		"isso": {"E2"}, "stage": {"planning"}, "c": {"2"}, "i": {"2"}, "a": {"1"}, "service": {"CL-1"}, "components": {"Web\nDB"}})
	if _, body, _ := e.do(t, "E1", "GET", sys, nil); !strings.Contains(body, "職員E2") || !strings.Contains(body, "CL-1 文書共有") || !strings.Contains(body, "企画") {
		t.Fatalf("system page: %s", body)
	}
	if _, body, _ := e.do(t, "E1", "GET", svc, nil); !strings.Contains(body, "SYS-1 文書管理システム") {
		t.Fatal("service page does not list the system using it")
	}
	open := e.post(t, "E1", "/register/assets", url.Values{"code": {"IA-1"}, "name": {"契約書"}, "unit": {"2"},
		"c": {"2"}, "i": {"2"}, "a": {"1"}, "restriction": {"no_copy"}, "restriction_other": {"課長承認で持出可"}})
	secret := e.post(t, "E1", "/register/assets", url.Values{"code": {"IA-2"}, "name": {"人事評価記録"}, "unit": {"2"},
		"c": {"3"}, "i": {"2"}, "a": {"2"}, "named": {"E3"}})
	// A copy inherits the classification and restrictions.
	cp := e.post(t, "E1", open+"/copy", url.Values{"code": {"IA-1-C"}, "name": {"契約書（写し）"}})
	if _, body, _ := e.do(t, "E1", "GET", cp, nil); !strings.Contains(body, "機密性2") || !strings.Contains(body, "完全性2") ||
		!strings.Contains(body, "複製禁止") || !strings.Contains(body, "課長承認で持出可") || !strings.Contains(body, "IA-1</a>") {
		t.Fatalf("copy page: %s", body)
	}

	// The 統括 reads every unit but is not named on the 機密性3 asset: not
	// on its page, not in lists or searches, not through the API, not in
	// exports.
	if code, _, _ := e.do(t, "E9", "GET", secret, nil); code != http.StatusNotFound {
		t.Fatalf("chief opens the secret asset: %d", code)
	}
	for _, path := range []string{"/register/assets", "/register/assets?q=" + url.QueryEscape("人事"), "/register/assets?min_c=3",
		"/register/export/assets?format=csv", "/api/v1/register/assets", "/api/v1/register/assets?q=IA-2"} {
		code, body, _ := e.do(t, "E9", "GET", path, nil)
		if code != http.StatusOK || strings.Contains(body, "人事評価記録") || strings.Contains(body, "IA-2") {
			t.Fatalf("%s shows the secret asset to the chief (%d)", path, code)
		}
	}
	if _, body, _ := e.do(t, "E9", "GET", "/register/assets", nil); !strings.Contains(body, "契約書") {
		t.Fatal("chief does not see the ordinary asset")
	}
	code, body, _ := e.do(t, "E9", "GET", "/register/export/assets", nil)
	if code != http.StatusOK {
		t.Fatalf("xlsx export %d", code)
	}
	tab, err := register.ReadFile(register.KindAssets, "a.xlsx", []byte(body))
	if err != nil || len(tab.Rows) != 2 {
		t.Fatalf("chief's xlsx export: %d rows %v", len(tab.Rows), err)
	}
	if code, _, _ := e.do(t, "E9", "GET", "/api/v1/register/assets/"+strings.TrimPrefix(secret, "/register/assets/"), nil); code != http.StatusNotFound {
		t.Fatalf("API returns the secret asset to the chief: %d", code)
	}
	// The named person (an officer of another unit) and the 決定者 see it.
	if code, _, _ := e.do(t, "E3", "GET", secret, nil); code != http.StatusOK {
		t.Fatalf("named person: %d", code)
	}
	code, body, _ = e.do(t, "E3", "GET", "/api/v1/register/assets", nil)
	var list []register.Asset
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 || list[0].Code != "IA-2" {
		t.Fatalf("named person's API list: %d %s", code, body)
	}

	// Reclassification by another officer of the same rank is refused and
	// logged; the 決定者 may.
	code, _, _ = e.do(t, "E4", "POST", open+"/reclassify", url.Values{"c": {"1"}, "i": {"1"}, "a": {"1"}})
	if code != http.StatusForbidden {
		t.Fatalf("peer reclassifies: %d", code)
	}
	if n, _ := e.db.Audit().Count(context.Background(), audit.Filter{Action: register.ActionReclassifyDenied}); n != 1 {
		t.Fatalf("refusals logged = %d", n)
	}
	e.post(t, "E1", open+"/reclassify", url.Values{"c": {"1"}, "i": {"1"}, "a": {"1"}, "reason": {"公表済み"}})
	if _, body, _ := e.do(t, "E1", "GET", open, nil); !strings.Contains(body, "機密性1") || !strings.Contains(body, "公表済み") {
		t.Fatalf("after reclassification: %s", body)
	}
	// The 統括 was told about the new system.
	var n int
	e.db.R.QueryRow(`SELECT COUNT(*) FROM notices WHERE kind = 'register'`).Scan(&n)
	if n == 0 {
		t.Fatal("no notice for the 統括")
	}
	// Scheme settings: rename a level, see it on the pages.
	if code, _, _ := e.do(t, "E1", "GET", "/register/scheme", nil); code != http.StatusForbidden {
		t.Fatalf("officer opens scheme settings: %d", code)
	}
	e.who["E9"].Grants = append(e.who["E9"].Grants, authz.Grant{Role: authz.RoleSecOffice})
	e.post(t, "E9", "/register/scheme", url.Values{"level_c_2_name": {"社外秘"}})
	if _, body, _ := e.do(t, "E1", "GET", cp, nil); !strings.Contains(body, "社外秘") {
		t.Fatal("renamed level not shown")
	}
}
