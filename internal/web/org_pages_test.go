package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

type orgEnv struct {
	svc   *org.Service
	srv   *httptest.Server
	units map[string]org.Unit
	who   map[string]*authz.Principal
}

// newOrgEnv serves the pages over a small organisation. Until sign-in
// lands in these tests, a header names the principal the request runs as.
func newOrgEnv(t *testing.T) *orgEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	svc := org.NewService(db.Org())
	if err := svc.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	e := &orgEnv{svc: svc, units: map[string]org.Unit{}}
	for _, u := range []struct{ code, name, parent string }{
		{"HQ", "本部", ""}, {"SYS", "情報システム部", "HQ"}, {"PLAN", "計画課", "SYS"}, {"OPS", "運用課", "SYS"},
	} {
		created, err := svc.CreateUnit(ctx, authz.System, org.Unit{Code: u.code, Name: u.name, ParentID: e.units[u.parent].ID})
		if err != nil {
			t.Fatal(err)
		}
		e.units[u.code] = created
	}
	for i := 1; i <= 60; i++ {
		unit := e.units["PLAN"]
		if i%2 == 0 {
			unit = e.units["OPS"]
		}
		if _, err := svc.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("E%03d", i), Name: fmt.Sprintf("山田 %d", i),
			NameKana: "ヤマダ", Email: fmt.Sprintf("e%d@example.jp", i), UnitID: unit.ID}); err != nil {
			t.Fatal(err)
		}
	}
	e.who = map[string]*authz.Principal{
		"chief": {Grants: []authz.Grant{{Role: authz.RoleChiefISO}}},
		"div":   {Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: e.units["PLAN"].Path}}},
		"staff": {Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: e.units["PLAN"].Path}}},
	}
	s, err := web.New(web.Deps{Store: db, Catalogs: catalog.NewService(db.Catalogs(), nil), Org: svc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := e.who[r.Header.Get("X-Test-As")]; p != nil {
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	e.srv = ts
	return e
}

func (e *orgEnv) do(t *testing.T, as, method, path string, body io.Reader, ctype string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.Header.Set("X-Test-As", as)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (e *orgEnv) post(t *testing.T, as, path string, form url.Values) (int, string, http.Header) {
	return e.do(t, as, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func TestOrgPagesScopeAndPaging(t *testing.T) {
	e := newOrgEnv(t)
	code, body, _ := e.do(t, "chief", "GET", "/org", nil, "")
	if code != 200 || !strings.Contains(body, "計画課") || !strings.Contains(body, `href="/org"`) {
		t.Fatalf("units tree: %d\n%s", code, body)
	}
	code, body, _ = e.do(t, "chief", "GET", "/org/people?q=%E3%82%84%E3%81%BE%E3%81%A0", nil, "")
	next := nextHref(body)
	if code != 200 || !strings.Contains(body, "E050<") || strings.Contains(body, "E051") || !strings.Contains(next, "q=%E3%82%84") ||
		!strings.Contains(body, "60 件中 50 件を表示") {
		t.Fatalf("people page 1: %d next %q\n%s", code, next, body)
	}
	code, body, _ = e.do(t, "chief", "GET", next, nil, "")
	if code != 200 || !strings.Contains(body, "E051") || strings.Contains(body, "E050<") || !strings.Contains(body, `rel="first"`) ||
		nextHref(body) != "" {
		t.Fatalf("people page 2: %d\n%s", code, body)
	}
	if code, _, _ = e.do(t, "chief", "GET", "/org/people?after=%21%21", nil, ""); code != 400 {
		t.Fatalf("bad cursor: %d", code)
	}
	// A division officer sees their division only.
	code, body, _ = e.do(t, "div", "GET", "/org/people", nil, "")
	if code != 200 || !strings.Contains(body, "E001") || strings.Contains(body, "E002") {
		t.Fatalf("scoped people: %d", code)
	}
	ops, _, _ := e.svc.People(context.Background(), org.PersonFilter{Scope: authz.Everywhere, UnitID: e.units["OPS"].ID, Limit: 1})
	for _, path := range []string{fmt.Sprintf("/org/people/%d", ops[0].ID), fmt.Sprintf("/org/units/%d", e.units["SYS"].ID)} {
		// Outside the reader's scope a record does not exist (as in the API).
		if code, _, _ := e.do(t, "div", "GET", path, nil, ""); code != http.StatusNotFound {
			t.Errorf("division officer GET %s = %d, want 404", path, code)
		}
	}
	if code, body, _ := e.do(t, "div", "GET", fmt.Sprintf("/org/units/%d", e.units["PLAN"].ID), nil, ""); code != 200 || strings.Contains(body, `action="/org/units/`) {
		t.Fatalf("division officer's own unit: %d (must be read-only)", code)
	}
	// Without org.read nothing is listed; without a principal nothing answers.
	if code, body, _ := e.do(t, "staff", "GET", "/org/people", nil, ""); code == 200 && strings.Contains(body, "E001") {
		t.Fatal("staff member lists people")
	}
	if code, body, _ := e.do(t, "", "GET", "/org/people", nil, ""); code == 200 && strings.Contains(body, "E001") {
		t.Fatal("anonymous request lists people")
	}
	// English.
	if _, body, _ := e.do(t, "chief", "GET", "/org/roles?lang=en", nil, ""); !strings.Contains(body, "Contacts") || !strings.Contains(body, "division_iso") {
		t.Fatal("roles page in English")
	}
}

func TestOrgPagesChanges(t *testing.T) {
	e := newOrgEnv(t)
	ctx := context.Background()
	code, _, hdr := e.post(t, "chief", "/org/units", url.Values{"code": {"AUD"}, "name": {"監査室"}, "parent": {fmt.Sprint(e.units["HQ"].ID)}})
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/org/units/") {
		t.Fatalf("create unit: %d %s", code, hdr.Get("Location"))
	}
	// Bad input re-renders with the message and changes nothing.
	code, body, _ := e.post(t, "chief", "/org/units", url.Values{"code": {"bad code!"}, "name": {"x"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
		t.Fatalf("bad unit: %d", code)
	}
	p, _ := e.svc.PersonByEmployeeNo(ctx, "E001")
	code, _, _ = e.post(t, "chief", fmt.Sprintf("/org/people/%d/assignments", p.ID),
		url.Values{"role": {authz.RoleDivisionISO}, "unit": {fmt.Sprint(e.units["PLAN"].ID)}, "starts_on": {"2025-04-01"}})
	if code != http.StatusSeeOther {
		t.Fatalf("appoint: %d", code)
	}
	_, body, _ = e.do(t, "chief", "GET", fmt.Sprintf("/org/people/%d?done=appointed", p.ID), nil, "")
	if !strings.Contains(body, "課室情報セキュリティ責任者") || !strings.Contains(body, "任命を登録しました") {
		t.Fatalf("person page after appointment:\n%s", body)
	}
	_, body, _ = e.do(t, "chief", "GET", "/org/roles/division_iso/contacts", nil, "")
	if !strings.Contains(body, "mailto:e1@example.jp") {
		t.Fatal("contact list lacks the new officer")
	}
	// The division officer may not add roles nor appoint in another unit.
	if code, _, _ := e.post(t, "div", "/org/roles", url.Values{"key": {"x_role"}, "name": {"x"}, "scope": {"unit"}}); code != http.StatusForbidden {
		t.Fatalf("division officer adds a role: %d", code)
	}
	// Nobody below user.admin appoints administrators.
	office := &authz.Principal{Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
	e.who["office"] = office
	if code, _, _ := e.post(t, "office", fmt.Sprintf("/org/people/%d/assignments", p.ID),
		url.Values{"role": {authz.RoleAdministrator}, "starts_on": {"2025-04-01"}}); code != http.StatusForbidden {
		t.Fatalf("security office appoints an administrator: %d", code)
	}
	// Rename a role.
	if code, _, _ := e.post(t, "chief", "/org/roles/iso", url.Values{"name": {"部局情報セキュリティ責任者"}, "name_en": {"Bureau ISO"}}); code != http.StatusSeeOther {
		t.Fatalf("rename: %d", code)
	}
	if r, _ := e.svc.Role(ctx, "iso"); r.Name != "部局情報セキュリティ責任者" {
		t.Fatalf("renamed role = %+v", r)
	}
	// A person leaves.
	form := url.Values{"name": {p.Name}, "unit": {fmt.Sprint(p.UnitID)}, "status": {"left"}, "email": {p.Email}}
	if code, _, _ := e.post(t, "chief", fmt.Sprintf("/org/people/%d", p.ID), form); code != http.StatusSeeOther {
		t.Fatalf("leave: %d", code)
	}
	if p, _ = e.svc.Person(ctx, p.ID); p.Status != org.StatusLeft || p.LeftOn != org.Day(time.Now()) {
		t.Fatalf("after leaving: %+v", p)
	}
}

func TestOrgImportPage(t *testing.T) {
	e := newOrgEnv(t)
	upload := func(as, name, content string) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.WriteField("format", "auto")
		mw.Close()
		code, body, _ := e.do(t, as, "POST", "/org/import", &buf, mw.FormDataContentType())
		return code, body
	}
	bad := "職員番号,氏名,所属コード\nN1,新人一,PLAN\nN2,新人二,NOPE\n"
	code, body := upload("chief", "people.csv", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "<td class=\"num\">3</td>") || !strings.Contains(body, "NOPE") {
		t.Fatalf("bad import: %d\n%s", code, body)
	}
	if _, err := e.svc.PersonByEmployeeNo(context.Background(), "N1"); err == nil {
		t.Fatal("a failed import stored a row")
	}
	code, body = upload("chief", "people.csv", strings.Replace(bad, "NOPE", "OPS", 1))
	if code != 200 || !strings.Contains(body, "取り込みました") {
		t.Fatalf("good import: %d\n%s", code, body)
	}
	if code, _ := upload("div", "people.csv", bad); code != http.StatusForbidden {
		t.Fatalf("division officer imports: %d", code)
	}
	code, _, hdr := e.do(t, "chief", "GET", "/org/export.xlsx", nil, "")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", code, hdr.Get("Content-Type"))
	}
}

// nextHref is the href of the page's rel="next" link, unescaped ("" when
// there is none).
func nextHref(body string) string {
	m := regexp.MustCompile(`<a href="([^"]*)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
