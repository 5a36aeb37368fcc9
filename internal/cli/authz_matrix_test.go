package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/catalog"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/web"
)

// The authorization matrix: every registered route × every role of the
// built-in catalogue × a resource in the principal's own unit and in a
// foreign unit. A request that gets through where the role table says it
// must not is a failure. Routes are taken from the live route table, so a
// new route must be described in targets below or the test fails.

// fixture holds the records requests point at: "own" ones in the unit the
// principal works in (課 A1 under 部 A), "foreign" ones in 部 B.
type fixture struct {
	unitA, unitA1, unitB org.Unit
	personA1, personB    org.Person
	personA              int64 // head of 部 A (情報セキュリティ責任者)
	assignA1, assignB    org.Assignment
	catalogID            int64
	// requestA1 was filed by personA1 (the principals' own person) in A1;
	// requestB by someone in B, decided by personB.
	requestA1, requestB int64
	userID              int64
	sessionID, tokenID  int64
	reg                 regFixture // register records, see register_matrix_test.go
	sc                  scFixture  // self-inspection campaigns, see selfcheck_matrix_test.go
}

// target says where a route points for the own/foreign case: the URL to
// request and, for unit-scoped routes, the unit path the resource lives in.
type target func(f *fixture, own bool) (path string, unitPath string)

func unitTarget(format string) target {
	return func(f *fixture, own bool) (string, string) {
		u := f.unitB
		if own {
			u = f.unitA1
		}
		return fmt.Sprintf(format, u.ID), u.Path
	}
}

func personTarget(format string) target {
	return func(f *fixture, own bool) (string, string) {
		p, u := f.personB, f.unitB
		if own {
			p, u = f.personA1, f.unitA1
		}
		return fmt.Sprintf(format, p.ID), u.Path
	}
}

func assignmentTarget(format string) target {
	return func(f *fixture, own bool) (string, string) {
		a, u := f.assignB, f.unitB
		if own {
			a, u = f.assignA1, f.unitA1
		}
		return fmt.Sprintf(format, a.ID), u.Path
	}
}

func requestTarget(format string) target {
	return func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.requestA1), f.unitA1.Path
		}
		return fmt.Sprintf(format, f.requestB), f.unitB.Path
	}
}

// fixed is a route whose resource is not tied to a unit.
func fixed(path string) target {
	return func(*fixture, bool) (string, string) { return path, "" }
}

func withCatalog(format string) target {
	return func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.catalogID), "" }
}

func withUser(format string) target {
	return func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.userID), "" }
}

func withSession(format string) target {
	return func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.sessionID), "" }
}

// targets maps each route pattern to the resource it acts on. Public and
// Authenticated routes need no entry: every principal may use them.
var targets = map[string]target{
	"GET /catalogs":                     fixed("/catalogs"),
	"POST /catalogs":                    fixed("/catalogs"),
	"GET /catalogs/{id}":                withCatalog("/catalogs/%d"),
	"GET /catalogs/{id}/nodes/{ref...}": withCatalog("/catalogs/%d/nodes/1"),
	"GET /catalogs/{id}/export":         withCatalog("/catalogs/%d/export?format=json"),
	"GET /api/v1/catalogs/{id}/export":  withCatalog("/api/v1/catalogs/%d/export?format=json"),
	// Self-inspection: see selfcheck_matrix_test.go.
	// Crosswalk: permission-level routes on the fixture catalog.
	"GET /crosswalk":                     fixed("/crosswalk"),
	"GET /crosswalk/review":              withCatalog("/crosswalk/review?from=%[1]d&to=%[1]d"),
	"POST /crosswalk/links":              withCatalog("/crosswalk/links?from=%[1]d&to=%[1]d"),
	"POST /crosswalk/links/{id}":         fixed("/crosswalk/links/1"),
	"POST /crosswalk/bulk":               withCatalog("/crosswalk/bulk?from=%[1]d&to=%[1]d&min=0.5"),
	"GET /crosswalk/gaps":                withCatalog("/crosswalk/gaps?parent=%[1]d&child=%[1]d"),
	"GET /crosswalk/gaps.xlsx":           withCatalog("/crosswalk/gaps.xlsx?parent=%[1]d&child=%[1]d"),
	"GET /crosswalk/diff":                withCatalog("/crosswalk/diff?old=%[1]d&new=%[1]d"),
	"GET /api/v1/crosswalk/suggestions":  withCatalog("/api/v1/crosswalk/suggestions?from=%[1]d&to=%[1]d"),
	"POST /api/v1/crosswalk/suggestions": withCatalog("/api/v1/crosswalk/suggestions?from=%[1]d&to=%[1]d"),
	"GET /api/v1/crosswalk/links":        withCatalog("/api/v1/crosswalk/links?from=%[1]d&to=%[1]d"),
	"POST /api/v1/crosswalk/links":       fixed("/api/v1/crosswalk/links"),
	"PATCH /api/v1/crosswalk/links/{id}": fixed("/api/v1/crosswalk/links/1"),
	"GET /api/v1/crosswalk/gaps":         withCatalog("/api/v1/crosswalk/gaps?parent=%[1]d&child=%[1]d"),
	"GET /api/v1/crosswalk/diff":         withCatalog("/api/v1/crosswalk/diff?old=%[1]d&new=%[1]d"),
	"GET /search":                        fixed("/search?q=%E4%BE%8B%E5%A4%96"),
	// Requests: one of the principal's own unit (filed by the principal's
	// person) and one of a foreign unit; lists are scoped by the service.
	"GET /requests":                       fixed("/requests"),
	"GET /requests/new":                   fixed("/requests/new?type=exception"),
	"POST /requests":                      fixed("/requests"),
	"GET /requests/{id}":                  requestTarget("/requests/%d"),
	"GET /requests/{id}/edit":             requestTarget("/requests/%d/edit"),
	"POST /requests/{id}":                 requestTarget("/requests/%d"),
	"POST /requests/{id}/submit":          requestTarget("/requests/%d/submit"),
	"POST /requests/{id}/withdraw":        requestTarget("/requests/%d/withdraw"),
	"POST /requests/{id}/end":             requestTarget("/requests/%d/end"),
	"POST /requests/{id}/decide":          requestTarget("/requests/%d/decide"),
	"GET /requests/ledger":                fixed("/requests/ledger"),
	"GET /requests/ledger.xlsx":           fixed("/requests/ledger.xlsx"),
	"GET /requests/overdue":               fixed("/requests/overdue"),
	"GET /requests/report":                fixed("/requests/report"),
	"GET /requests/report.xlsx":           fixed("/requests/report.xlsx"),
	"GET /request-types":                  fixed("/request-types"),
	"POST /request-types/{key}":           fixed("/request-types/exception"),
	"GET /api/v1/request-types":           fixed("/api/v1/request-types"),
	"GET /api/v1/requests":                fixed("/api/v1/requests?view=ledger"),
	"POST /api/v1/requests":               fixed("/api/v1/requests"),
	"GET /api/v1/requests/overdue":        fixed("/api/v1/requests/overdue"),
	"GET /api/v1/requests/report":         fixed("/api/v1/requests/report"),
	"GET /api/v1/requests/{id}":           requestTarget("/api/v1/requests/%d"),
	"POST /api/v1/requests/{id}/submit":   requestTarget("/api/v1/requests/%d/submit"),
	"POST /api/v1/requests/{id}/withdraw": requestTarget("/api/v1/requests/%d/withdraw"),
	"POST /api/v1/requests/{id}/end":      requestTarget("/api/v1/requests/%d/end"),
	"POST /api/v1/requests/{id}/decide":   requestTarget("/api/v1/requests/%d/decide"),
	"GET /api/v1/inbox":                   fixed("/api/v1/inbox"),
	"POST /api/v1/inbox/read":             fixed("/api/v1/inbox/read"),
	"POST /api/v1/inbox/{id}/read":        fixed("/api/v1/inbox/1/read"),
	"GET /audit":                          fixed("/audit"),
	"GET /audit.csv":                      fixed("/audit.csv"),
	"GET /org":                            fixed("/org"),
	"POST /org/units":                     fixed("/org/units"),
	"GET /org/units/{id}":                 unitTarget("/org/units/%d"),
	"POST /org/units/{id}":                unitTarget("/org/units/%d"),
	"POST /org/units/{id}/retire":         unitTarget("/org/units/%d/retire"),
	"GET /org/people":                     fixed("/org/people"),
	"POST /org/people":                    fixed("/org/people"),
	"GET /org/people/{id}":                personTarget("/org/people/%d"),
	"POST /org/people/{id}":               personTarget("/org/people/%d"),
	"POST /org/people/{id}/assignments":   personTarget("/org/people/%d/assignments"),
	"POST /org/assignments/{id}/end":      assignmentTarget("/org/assignments/%d/end"),
	"GET /org/roles":                      fixed("/org/roles"),
	"POST /org/roles":                     fixed("/org/roles"),
	"POST /org/roles/{key}":               fixed("/org/roles/staff"),
	"GET /org/roles/{key}/contacts":       fixed("/org/roles/staff/contacts"),
	"GET /org/import":                     fixed("/org/import"),
	"POST /org/import":                    fixed("/org/import"),
	"GET /org/export.xlsx":                fixed("/org/export.xlsx"),
	"GET /admin/users":                    fixed("/admin/users"),
	"POST /admin/users":                   fixed("/admin/users"),
	"GET /admin/users/{id}":               withUser("/admin/users/%d"),
	"POST /admin/users/{id}/{action}":     withUser("/admin/users/%d/disable"),
	"POST /admin/sessions/{id}/revoke":    withSession("/admin/sessions/%d/revoke"),
	"GET /admin/policy":                   fixed("/admin/policy"),
	"POST /admin/policy":                  fixed("/admin/policy"),
	"GET /api/v1/catalogs":                fixed("/api/v1/catalogs"),
	"POST /api/v1/catalogs":               fixed("/api/v1/catalogs"),
	"GET /api/v1/catalogs/{id}":           withCatalog("/api/v1/catalogs/%d"),
	"GET /api/v1/catalogs/{id}/editions":  withCatalog("/api/v1/catalogs/%d/editions"),
	"GET /api/v1/units":                   fixed("/api/v1/units"),
	"POST /api/v1/units":                  fixed("/api/v1/units"),
	"GET /api/v1/units/{id}":              unitTarget("/api/v1/units/%d"),
	"PUT /api/v1/units/{id}":              unitTarget("/api/v1/units/%d"),
	"GET /api/v1/people":                  fixed("/api/v1/people"),
	"POST /api/v1/people":                 fixed("/api/v1/people"),
	"GET /api/v1/people/{id}":             personTarget("/api/v1/people/%d"),
	"PUT /api/v1/people/{id}":             personTarget("/api/v1/people/%d"),
	"GET /api/v1/people/{id}/assignments": personTarget("/api/v1/people/%d/assignments"),
	"POST /api/v1/assignments":            fixed("/api/v1/assignments"),
	"POST /api/v1/assignments/{id}/end":   assignmentTarget("/api/v1/assignments/%d/end"),
	"GET /api/v1/roles":                   fixed("/api/v1/roles"),
	"GET /api/v1/search":                  fixed("/api/v1/search?q=%E4%BE%8B%E5%A4%96"),
}

// open lists the routes any visitor (Public) or any signed-in user
// (Authenticated) may use. A route declaring either without being listed
// here fails the test, so weakening a route's permission is caught.
var open = map[string]authz.Permission{
	"GET /healthz":                       authz.Public,
	"GET /static/":                       authz.Public,
	"GET /lang/{lang}":                   authz.Public,
	"GET /login":                         authz.Public,
	"POST /login":                        authz.Public,
	"GET /api/v1/openapi.json":           authz.Public,
	"GET /{$}":                           authz.Authenticated,
	"POST /logout":                       authz.Authenticated,
	"GET /account":                       authz.Authenticated,
	"GET /account/password":              authz.Authenticated,
	"POST /account/password":             authz.Authenticated,
	"GET /account/totp":                  authz.Authenticated,
	"POST /account/totp":                 authz.Authenticated,
	"POST /account/sessions/{id}/revoke": authz.Authenticated,
	"POST /account/tokens":               authz.Authenticated,
	"POST /account/tokens/{id}/revoke":   authz.Authenticated,
	"GET /api/v1/me":                     authz.Authenticated,
	"GET /inbox":                         authz.Authenticated,
	"POST /inbox/read":                   authz.Authenticated,
	"GET /incident-report":               authz.Public,
	"POST /incident-report":              authz.Public,
}

// refusesHolders lists routes whose fixtures cannot let every holder of
// the permission through (none should be here for long: give the route a
// fixture or a Want rule instead).
var refusesHolders = map[string]bool{}

// moduleTargets adds the targets of every capability module to targets,
// after the module has built its records, and returns the modules' own
// rules of who must get through.
func moduleTargets(t *testing.T, a *app.App, f *fixture, principals map[string]*authz.Principal) map[string]func(*authz.Principal, bool) bool {
	t.Helper()
	mf := &capability.MatrixFixture{
		UnitA: capability.Unit{ID: f.unitA.ID, Path: f.unitA.Path}, UnitA1: capability.Unit{ID: f.unitA1.ID, Path: f.unitA1.Path},
		UnitB: capability.Unit{ID: f.unitB.ID, Path: f.unitB.Path}, PersonA1: f.personA1.ID, PersonB: f.personB.ID,
		PersonA: f.personA, CatalogID: f.catalogID, Principal: func(role string) *authz.Principal { return principals[role] },
	}
	wants := map[string]func(*authz.Principal, bool) bool{}
	for _, m := range a.Modules() {
		if m.Matrix == nil {
			continue
		}
		ts, err := m.Matrix(context.Background(), mf)
		if err != nil {
			t.Fatalf("%s: matrix fixture: %v", m.Name, err)
		}
		for pattern, tg := range ts {
			path := tg.Path
			targets[pattern] = func(_ *fixture, own bool) (string, string) { return path(own) }
			if tg.Want != nil {
				wants[pattern] = tg.Want
			}
		}
	}
	return wants
}

// principalHeader carries the matrix case to the injecting middleware.
const principalHeader = "X-Matrix-Principal"

func buildFixture(t *testing.T, db *store.DB, deps web.Deps) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	o := deps.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	mk := func(code, name string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, org.Unit{Code: code, Name: name, Kind: "部", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := mk("R", "本部", 0)
	f.unitA = mk("A", "総務部", root.ID)
	f.unitA1 = mk("A1", "総務課", f.unitA.ID)
	f.unitB = mk("B", "事業部", root.ID)
	person := func(no string, unit int64) org.Person {
		p, err := o.CreatePerson(ctx, org.Person{EmployeeNo: no, Name: "職員" + no, Email: no + "@example.jp", UnitID: unit, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.personA1 = person("E1", f.unitA1.ID)
	f.personB = person("E2", f.unitB.ID)
	appoint := func(p org.Person, unit int64) org.Assignment {
		a, err := o.Appoint(ctx, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: unit, StartsOn: "2024-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	f.assignA1 = appoint(f.personA1, f.unitA1.ID)
	f.assignB = appoint(f.personB, f.unitB.ID)
	res, err := deps.Catalogs.Import(ctx, catalog.ImportRequest{Name: "規程", SourceName: "r.txt",
		Data: []byte("第1部 総則\n1 目的\n(1) 目的\n(a) 例外措置を定めること。\n")})
	if err != nil {
		t.Fatal(err)
	}
	f.catalogID = res.Catalog.ID
	u, _, err := deps.Auth.CreateUser(ctx, auth.NewUser{Login: "someone", PersonID: f.personB.ID, Name: "職員E2"})
	if err != nil {
		t.Fatal(err)
	}
	f.userID = u.ID
	if a := deps.Approval; a != nil {
		if err := a.EnsureBuiltinTypes(ctx); err != nil {
			t.Fatal(err)
		}
		// A head of 部 A takes requests escalated from A1's officer.
		head := person("E3", f.unitA.ID)
		f.personA = head.ID
		if _, err := o.Appoint(ctx, org.Assignment{PersonID: head.ID, RoleKey: authz.RoleISO, UnitID: f.unitA.ID, StartsOn: "2024-04-01"}); err != nil {
			t.Fatal(err)
		}
		filer := person("E4", f.unitB.ID)
		file := func(p org.Person) int64 {
			path, grants, _, err := o.Grants(ctx, p.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			day := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
			r, err := a.File(ctx, &authz.Principal{PersonID: p.ID, UnitPath: path, Grants: grants}, approval.Input{TypeKey: approval.TypeTakeOut,
				Values: map[string]string{"title": "資料", "level": "機密性3", "information": "資料", "destination": "会場",
					"starts_on": day, "ends_on": day, "method": "暗号化"}}, true)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		f.requestA1, f.requestB = file(f.personA1), file(filer)
	}
	f.reg = buildRegisterFixture(t, deps, f)
	f.sc = buildSelfcheckFixture(t, deps, f)
	_ = db
	return f
}

// principalFor builds the principal holding role in the own unit (or
// organisation-wide, or for a system, as the role's scope says), plus the
// staff role every person holds.
func principalFor(role authz.BuiltinRole, f *fixture) *authz.Principal {
	g := authz.Grant{Role: role.Key, Privileged: role.Privileged}
	switch role.Scope {
	case "unit":
		g.UnitPath = f.unitA1.Path
	case "system":
		g.System = "SYS-1"
	}
	return &authz.Principal{UserID: 0, PersonID: f.personA1.ID, Login: "matrix-" + role.Key, Name: role.Name,
		UnitPath: f.unitA1.Path, Privileged: role.Privileged,
		Grants: []authz.Grant{g, {Role: authz.RoleStaff, UnitPath: f.unitA1.Path}}}
}

func TestAuthorizationMatrix(t *testing.T) {
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	deps := a.WebDeps(app.WebOptions{})
	srv, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	f := buildFixture(t, db, deps)

	principals := map[string]*authz.Principal{}
	for _, r := range authz.Builtin {
		principals[r.Key] = principalFor(r, f)
	}
	wants := moduleTargets(t, a, f, principals)
	inner := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := principals[r.Header.Get(principalHeader)]; p != nil {
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
		}
		inner.ServeHTTP(w, r)
	}))
	defer ts.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	routes := srv.Routes()
	patterns := make([]string, 0, len(routes))
	for p := range routes {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)

	checked := 0
	for _, pattern := range patterns {
		perm := routes[pattern]
		if perm == authz.Public || perm == authz.Authenticated {
			if open[pattern] != perm {
				t.Errorf("route %q is open (%s) but not listed as such: give it a permission or list it in open", pattern, perm)
			}
			continue
		}
		tgt, ok := targets[pattern]
		if !ok {
			t.Errorf("route %q (%s) is not in the authorization matrix: add it to targets", pattern, perm)
			continue
		}
		method, _, _ := strings.Cut(pattern, " ")
		// Anonymous requests are always refused.
		if allowed, status := send(t, client, ts.URL, method, tgt, f, true, ""); allowed {
			t.Errorf("%s: allowed without sign-in (status %d)", pattern, status)
		}
		for _, role := range authz.Builtin {
			p := principals[role.Key]
			for _, own := range []bool{true, false} {
				_, unitPath := tgt(f, own)
				want := p.Can(perm)
				if unitPath != "" {
					want = p.CanIn(perm, unitPath)
				}
				if w := wants[pattern]; w != nil {
					want = w(p, own)
				}
				allowed, status := send(t, client, ts.URL, method, tgt, f, own, role.Key)
				checked++
				if status >= 500 {
					t.Errorf("%s as %s (own=%v): server error %d", pattern, role.Key, own, status)
				}
				if allowed && !want {
					t.Errorf("%s as %s (own unit %v): allowed (status %d) but %s is not granted there", pattern, role.Key, own, status, perm)
				}
				if !allowed && want && !refusesHolders[pattern] {
					t.Errorf("%s as %s (own unit %v): refused (status %d) although %s is granted there", pattern, role.Key, own, status, perm)
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d cases checked", checked)
	}
	t.Logf("%d route × role × unit cases checked", checked)
}

// send makes one request and says whether it got past authorization:
// 401, 403, 404 and a redirect to the sign-in page count as refused.
func send(t *testing.T, c *http.Client, base, method string, tgt target, f *fixture, own bool, role string) (bool, int) {
	t.Helper()
	path, _ := tgt(f, own)
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader(url.Values{"matrix": {"1"}}.Encode())
	}
	req, _ := http.NewRequest(method, base+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" {
		req.Header.Set(principalHeader, role)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return false, resp.StatusCode
	}
	if resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		return false, resp.StatusCode
	}
	return true, resp.StatusCode
}
