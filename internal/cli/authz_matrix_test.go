package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// The authorization matrix: every registered route × every role of the
// built-in catalogue × a resource in the principal's own unit and in a
// foreign unit, both ways: a request that gets through where the rules say
// it must not is a failure, and so is a request refused where they say it
// must get through. Routes are taken from the live route table, so a new
// route must be described in targets below (or in its module's Matrix) or
// the test fails. Each target also pins the permission the route must
// declare, so weakening a route's permission fails too; the negative checks
// at the end of this file show that the check catches a weakened, a
// strengthened and a refuse-everyone route.

// fixture holds the records requests point at: "own" ones in the unit the
// principal works in (課 A1 under 部 A), "foreign" ones in 部 B.
type fixture struct {
	unitA, unitA1, unitB org.Unit
	personA1, personB    org.Person
	personA              int64 // head of 部 A (情報セキュリティ責任者)
	assignA1, assignB    org.Assignment
	catalogID, catalog2  int64  // the fixture catalog and a second one derived from it
	nodeRef              string // a node of both catalogs
	linkID               int64  // a crosswalk link between them
	// requestA1 was filed and submitted by personA1 (the principals' own
	// person) in A1; draftA1 is personA1's draft (and stays one: the
	// submit routes point at submitA1); toDecideA1 was filed by
	// someone else in A1 and waits for personA1's decision (personA1 is
	// A1's 課室情報セキュリティ責任者); requestB was filed in B and waits
	// for personB's.
	requestA1, draftA1, toDecideA1, requestB int64
	submitA1                                 int64 // another draft of personA1's, for the submit routes
	// noticeA1 and noticeB are inbox notices of personA1 and personB.
	noticeA1, noticeB int64
	userID            int64
	// session starts a new session of the user (revoking one consumes it).
	session func() int64
	reg     regFixture // register records, see register_matrix_test.go
	sc      scFixture  // self-inspection campaigns, see selfcheck_matrix_test.go
}

// target says how the matrix exercises a route: the permission the route
// must declare, where it points for the own/foreign case (the URL and, for
// unit-scoped routes, the unit path the record lives in), the body sent
// with a change, and — for routes whose rule is a relationship rather
// than the permission in the record's unit — who must get through.
type target struct {
	perm authz.Permission // "" for module routes: as the route declares
	at   func(f *fixture, own bool) (path, unitPath string)
	// body is the form (pages) or JSON (/api/) sent; nil: a placeholder form.
	body func(f *fixture, own bool) string
	// want says who must get through; nil: holders of perm (in the unit).
	want func(p *authz.Principal, f *fixture, own bool) bool
}

// needs pins the permission the route must declare.
func (t target) needs(p authz.Permission) target { t.perm = p; return t }

// wants gives the route a rule of its own.
func (t target) wants(w func(p *authz.Principal, f *fixture, own bool) bool) target {
	t.want = w
	return t
}

// sends gives the route a body.
func (t target) sends(b func(f *fixture, own bool) string) target { t.body = b; return t }

// form is a constant form body.
func form(v url.Values) func(*fixture, bool) string {
	s := v.Encode()
	return func(*fixture, bool) string { return s }
}

// jsonBody is a constant JSON body.
func jsonBody(s string) func(*fixture, bool) string { return func(*fixture, bool) string { return s } }

func at(fn func(f *fixture, own bool) (string, string)) target { return target{at: fn} }

func unitTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		u := f.unitB
		if own {
			u = f.unitA1
		}
		return fmt.Sprintf(format, u.ID), u.Path
	})
}

func personTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		p, u := f.personB, f.unitB
		if own {
			p, u = f.personA1, f.unitA1
		}
		return fmt.Sprintf(format, p.ID), u.Path
	})
}

func assignmentTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		a, u := f.assignB, f.unitB
		if own {
			a, u = f.assignA1, f.unitA1
		}
		return fmt.Sprintf(format, a.ID), u.Path
	})
}

// requestTarget points at personA1's submitted request (own) and at
// requestB (foreign).
func requestTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.requestA1), f.unitA1.Path
		}
		return fmt.Sprintf(format, f.requestB), f.unitB.Path
	})
}

// draftTarget points at personA1's draft (own) and at requestB (foreign).
func draftTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.draftA1), f.unitA1.Path
		}
		return fmt.Sprintf(format, f.requestB), f.unitB.Path
	})
}

// submitTarget points at the draft personA1 submits (own) and at requestB.
func submitTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.submitA1), f.unitA1.Path
		}
		return fmt.Sprintf(format, f.requestB), f.unitB.Path
	})
}

// decideTarget points at the request waiting for personA1's decision
// (own) and at requestB, which waits for personB's (foreign).
func decideTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.toDecideA1), f.unitA1.Path
		}
		return fmt.Sprintf(format, f.requestB), f.unitB.Path
	})
}

// noticeTarget points at a notice of personA1 (own) and of personB.
func noticeTarget(format string) target {
	return at(func(f *fixture, own bool) (string, string) {
		if own {
			return fmt.Sprintf(format, f.noticeA1), ""
		}
		return fmt.Sprintf(format, f.noticeB), ""
	})
}

// fixed is a route whose resource is not tied to a unit.
func fixed(path string) target {
	return at(func(*fixture, bool) (string, string) { return path, "" })
}

func withCatalog(format string) target {
	return at(func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.catalogID), "" })
}

// twoCatalogs fills in the fixture catalog and the one derived from it.
func twoCatalogs(format string) target {
	return at(func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.catalogID, f.catalog2), "" })
}

func withUser(format string) target {
	return at(func(f *fixture, _ bool) (string, string) { return fmt.Sprintf(format, f.userID), "" })
}

// Relationship rules, written from the rules the services document (not
// from their code), so that a service that loosens one fails here.

// applicantOnly: only the applicant (personA1, the own case) acts on a
// request; nobody else, whatever they may see.
func applicantOnly(p *authz.Principal, _ *fixture, own bool) bool {
	return own && p.Can(authz.RequestFile)
}

// requestReader: the applicant sees their request; others see it when
// they decide for its unit or report on every request.
func requestReader(p *authz.Principal, f *fixture, own bool) bool {
	if own {
		return p.Can(authz.RequestFile)
	}
	return p.CanIn(authz.RequestDecide, f.unitB.Path) || p.Can(authz.RequestReport)
}

// assignedDecider: only the decider the request was routed to (personA1
// for the own request, personB for the foreign one), while they hold the
// deciding role for the request's unit.
func assignedDecider(p *authz.Principal, f *fixture, own bool) bool {
	return own && p.CanIn(authz.RequestDecide, f.unitA1.Path)
}

// ledgerReader: the ledgers and the overdue list are for deciders (of
// any unit) and for those who report on every request.
func ledgerReader(p *authz.Principal, _ *fixture, _ bool) bool {
	return p.Can(authz.RequestDecide) || p.Can(authz.RequestReport)
}

// inboxOwner: a notice is read by the person it was sent to.
func inboxOwner(p *authz.Principal, _ *fixture, own bool) bool {
	return own && p.Can(authz.RequestFile)
}

// orgWide: the whole organisation's export is for organisation-wide
// holders of perm.
func orgWide(perm authz.Permission) func(*authz.Principal, *fixture, bool) bool {
	return func(p *authz.Principal, _ *fixture, _ bool) bool { return p.Scope(perm).All }
}

// ownUnitForm fills key with the own or foreign unit's id.
func unitForm(v url.Values, key string) func(f *fixture, own bool) string {
	return func(f *fixture, own bool) string {
		w := url.Values{}
		for k, x := range v {
			w[k] = x
		}
		u := f.unitB
		if own {
			u = f.unitA1
		}
		w.Set(key, fmt.Sprint(u.ID))
		return w.Encode()
	}
}

var seq atomic.Int64

// newPersonForm is a new person in the own or foreign unit, with an
// employee number of its own each time.
func newPersonForm(f *fixture, own bool) string {
	u := f.unitB
	if own {
		u = f.unitA1
	}
	n := seq.Add(1)
	return url.Values{"employee_no": {fmt.Sprintf("M%d", n)}, "name": {"新任" + fmt.Sprint(n)}, "unit": {fmt.Sprint(u.ID)},
		"status": {"active"}, "joined_on": {"2024-04-01"}}.Encode()
}

// targets maps each route pattern to how the matrix exercises it. Public
// and Authenticated routes need no entry: every principal may use them
// (see open).
var targets = map[string]target{
	"GET /catalogs":      fixed("/catalogs").needs(authz.CatalogRead),
	"POST /catalogs":     fixed("/catalogs").needs(authz.CatalogWrite),
	"GET /catalogs/{id}": withCatalog("/catalogs/%d").needs(authz.CatalogRead),
	"GET /catalogs/{id}/nodes/{ref...}": at(func(f *fixture, _ bool) (string, string) {
		return fmt.Sprintf("/catalogs/%d/nodes/%s", f.catalogID, f.nodeRef), ""
	}).needs(authz.CatalogRead),
	"GET /catalogs/{id}/export":        withCatalog("/catalogs/%d/export?format=json").needs(authz.CatalogRead),
	"GET /api/v1/catalogs/{id}/export": withCatalog("/api/v1/catalogs/%d/export?format=json").needs(authz.CatalogRead),
	// Self-inspection: see selfcheck_matrix_test.go.
	// Crosswalk: permission-level routes on the fixture catalog.
	"GET /crosswalk":        fixed("/crosswalk").needs(authz.CrosswalkRead),
	"GET /crosswalk/review": withCatalog("/crosswalk/review?from=%[1]d&to=%[1]d").needs(authz.CrosswalkRead),
	"POST /crosswalk/links": twoCatalogs("/crosswalk/links?from=%d&to=%d").needs(authz.CrosswalkWrite).
		sends(func(f *fixture, _ bool) string {
			return url.Values{"from_ref": {f.nodeRef}, "to_ref": {f.nodeRef}, "kind": {crosswalk.KindDerivedFrom}, "status": {crosswalk.StatusConfirmed}}.Encode()
		}),
	"POST /crosswalk/links/{id}": at(func(f *fixture, _ bool) (string, string) { return fmt.Sprintf("/crosswalk/links/%d", f.linkID), "" }).
		needs(authz.CrosswalkWrite).sends(form(url.Values{"status": {crosswalk.StatusConfirmed}})),
	"POST /crosswalk/bulk":               twoCatalogs("/crosswalk/bulk?from=%d&to=%d&min=0.5").needs(authz.CrosswalkWrite),
	"GET /crosswalk/gaps":                withCatalog("/crosswalk/gaps?parent=%[1]d&child=%[1]d").needs(authz.CrosswalkRead),
	"GET /crosswalk/gaps.xlsx":           withCatalog("/crosswalk/gaps.xlsx?parent=%[1]d&child=%[1]d").needs(authz.CrosswalkRead),
	"GET /crosswalk/diff":                withCatalog("/crosswalk/diff?old=%[1]d&new=%[1]d").needs(authz.CrosswalkRead),
	"GET /api/v1/crosswalk/suggestions":  twoCatalogs("/api/v1/crosswalk/suggestions?from=%d&to=%d").needs(authz.CrosswalkRead),
	"POST /api/v1/crosswalk/suggestions": twoCatalogs("/api/v1/crosswalk/suggestions?from=%d&to=%d").needs(authz.CrosswalkWrite),
	"GET /api/v1/crosswalk/links":        withCatalog("/api/v1/crosswalk/links?from=%[1]d&to=%[1]d").needs(authz.CrosswalkRead),
	"POST /api/v1/crosswalk/links": fixed("/api/v1/crosswalk/links").needs(authz.CrosswalkWrite).
		sends(func(f *fixture, _ bool) string {
			return fmt.Sprintf(`{"from":"%d","to":"%d","from_ref":%[3]q,"to_ref":%[3]q}`, f.catalogID, f.catalog2, f.nodeRef)
		}),
	"PATCH /api/v1/crosswalk/links/{id}": at(func(f *fixture, _ bool) (string, string) {
		return fmt.Sprintf("/api/v1/crosswalk/links/%d", f.linkID), ""
	}).
		needs(authz.CrosswalkWrite).sends(jsonBody(`{"status":"confirmed"}`)),
	"GET /api/v1/crosswalk/gaps": withCatalog("/api/v1/crosswalk/gaps?parent=%[1]d&child=%[1]d").needs(authz.CrosswalkRead),
	"GET /api/v1/crosswalk/diff": withCatalog("/api/v1/crosswalk/diff?old=%[1]d&new=%[1]d").needs(authz.CrosswalkRead),
	"GET /search":                fixed("/search?q=%E4%BE%8B%E5%A4%96").needs(authz.CatalogRead),
	// Requests: personA1's own (every principal acts as personA1) and one
	// of unit B; who may act on one is the applicant, the assigned decider,
	// the unit's deciders or the reporters, as the rules below say.
	"GET /requests":           fixed("/requests").needs(authz.RequestFile),
	"GET /requests/new":       fixed("/requests/new?type=exception").needs(authz.RequestFile),
	"POST /requests":          fixed("/requests").needs(authz.RequestFile).sends(form(url.Values{"type": {"exception"}, "title": {"行列"}})),
	"GET /requests/{id}":      requestTarget("/requests/%d").needs(authz.RequestFile).wants(requestReader),
	"GET /requests/{id}/edit": draftTarget("/requests/%d/edit").needs(authz.RequestFile).wants(applicantOnly),
	"POST /requests/{id}": draftTarget("/requests/%d").needs(authz.RequestFile).wants(applicantOnly).
		sends(form(url.Values{"title": {"資料（修正）"}, "level": {"機密性3"}})),
	"POST /requests/{id}/submit":   submitTarget("/requests/%d/submit").needs(authz.RequestFile).wants(applicantOnly),
	"POST /requests/{id}/withdraw": requestTarget("/requests/%d/withdraw").needs(authz.RequestFile).wants(applicantOnly),
	"POST /requests/{id}/end": requestTarget("/requests/%d/end").needs(authz.RequestFile).wants(applicantOnly).
		sends(form(url.Values{"report": {"返却しました。"}})),
	// A return without a reason is refused after every access check, so
	// the request stays waiting for the next role.
	"POST /requests/{id}/decide": decideTarget("/requests/%d/decide").needs(authz.RequestDecide).wants(assignedDecider).
		sends(form(url.Values{"action": {approval.ActReturn}})),
	"GET /requests/ledger":         fixed("/requests/ledger").needs(authz.RequestFile).wants(ledgerReader),
	"GET /requests/ledger.xlsx":    fixed("/requests/ledger.xlsx").needs(authz.RequestFile).wants(ledgerReader),
	"GET /requests/overdue":        fixed("/requests/overdue").needs(authz.RequestFile).wants(ledgerReader),
	"GET /requests/report":         fixed("/requests/report").needs(authz.RequestReport),
	"GET /requests/report.xlsx":    fixed("/requests/report.xlsx").needs(authz.RequestReport),
	"GET /request-types":           fixed("/request-types").needs(authz.RequestAdmin),
	"POST /request-types/{key}":    fixed("/request-types/exception").needs(authz.RequestAdmin),
	"GET /api/v1/request-types":    fixed("/api/v1/request-types").needs(authz.RequestFile),
	"GET /api/v1/requests":         fixed("/api/v1/requests?view=ledger").needs(authz.RequestFile).wants(ledgerReader),
	"GET /api/v1/requests/overdue": fixed("/api/v1/requests/overdue").needs(authz.RequestFile).wants(ledgerReader),
	"GET /api/v1/requests/report":  fixed("/api/v1/requests/report").needs(authz.RequestReport),
	"POST /api/v1/requests": fixed("/api/v1/requests").needs(authz.RequestFile).
		sends(jsonBody(`{"type":"exception","values":{"title":"行列"}}`)),
	"GET /api/v1/requests/{id}":         requestTarget("/api/v1/requests/%d").needs(authz.RequestFile).wants(requestReader),
	"POST /api/v1/requests/{id}/submit": submitTarget("/api/v1/requests/%d/submit").needs(authz.RequestFile).wants(applicantOnly),
	"POST /api/v1/requests/{id}/withdraw": requestTarget("/api/v1/requests/%d/withdraw").needs(authz.RequestFile).wants(applicantOnly).
		sends(jsonBody(`{"text":"取り下げます"}`)),
	"POST /api/v1/requests/{id}/end": requestTarget("/api/v1/requests/%d/end").needs(authz.RequestFile).wants(applicantOnly).
		sends(jsonBody(`{"text":"返却しました。"}`)),
	"POST /api/v1/requests/{id}/decide": decideTarget("/api/v1/requests/%d/decide").needs(authz.RequestDecide).wants(assignedDecider).
		sends(jsonBody(`{"action":"return"}`)),
	"GET /api/v1/inbox":            fixed("/api/v1/inbox").needs(authz.RequestFile),
	"POST /api/v1/inbox/read":      fixed("/api/v1/inbox/read").needs(authz.RequestFile),
	"POST /api/v1/inbox/{id}/read": noticeTarget("/api/v1/inbox/%d/read").needs(authz.RequestFile).wants(inboxOwner),
	"GET /audit":                   fixed("/audit").needs(authz.AuditRead),
	"GET /audit.csv":               fixed("/audit.csv").needs(authz.AuditRead),
	"GET /org":                     fixed("/org").needs(authz.OrgRead),
	"POST /org/units":              fixed("/org/units").needs(authz.OrgWrite),
	"GET /org/units/{id}":          unitTarget("/org/units/%d").needs(authz.OrgRead),
	"POST /org/units/{id}":         unitTarget("/org/units/%d").needs(authz.OrgWrite),
	"POST /org/units/{id}/retire":  unitTarget("/org/units/%d/retire").needs(authz.OrgWrite),
	"GET /org/people":              fixed("/org/people").needs(authz.OrgRead),
	// A new person in the own or the foreign unit.
	"POST /org/people": at(func(f *fixture, own bool) (string, string) {
		if own {
			return "/org/people", f.unitA1.Path
		}
		return "/org/people", f.unitB.Path
	}).needs(authz.OrgWrite).sends(newPersonForm),
	"GET /org/people/{id}": personTarget("/org/people/%d").needs(authz.OrgRead),
	"POST /org/people/{id}": personTarget("/org/people/%d").needs(authz.OrgWrite).sends(func(f *fixture, own bool) string {
		p := f.personB
		if own {
			p = f.personA1
		}
		return url.Values{"name": {p.Name}, "email": {p.Email}, "unit": {fmt.Sprint(p.UnitID)}, "status": {"active"}, "joined_on": {p.JoinedOn}}.Encode()
	}),
	"POST /org/people/{id}/assignments": personTarget("/org/people/%d/assignments").needs(authz.OrgWrite).
		sends(unitForm(url.Values{"role": {authz.RoleAreaISO}, "starts_on": {"2024-04-01"}}, "unit")),
	"POST /org/assignments/{id}/end":  assignmentTarget("/org/assignments/%d/end").needs(authz.OrgWrite),
	"GET /org/roles":                  fixed("/org/roles").needs(authz.OrgRead),
	"POST /org/roles":                 fixed("/org/roles").needs(authz.OrgWrite),
	"POST /org/roles/{key}":           fixed("/org/roles/staff").needs(authz.OrgWrite),
	"GET /org/roles/{key}/contacts":   fixed("/org/roles/staff/contacts").needs(authz.OrgRead),
	"GET /org/import":                 fixed("/org/import").needs(authz.OrgWrite),
	"POST /org/import":                fixed("/org/import").needs(authz.OrgWrite),
	"GET /org/export.xlsx":            fixed("/org/export.xlsx").needs(authz.OrgRead).wants(orgWide(authz.OrgRead)),
	"GET /admin/users":                fixed("/admin/users").needs(authz.UserAdmin),
	"POST /admin/users":               fixed("/admin/users").needs(authz.UserAdmin),
	"GET /admin/users/{id}":           withUser("/admin/users/%d").needs(authz.UserAdmin),
	"POST /admin/users/{id}/{action}": withUser("/admin/users/%d/disable").needs(authz.UserAdmin),
	"POST /admin/sessions/{id}/revoke": at(func(f *fixture, _ bool) (string, string) {
		return fmt.Sprintf("/admin/sessions/%d/revoke", f.session()), ""
	}).needs(authz.UserAdmin),
	"GET /admin/policy":                   fixed("/admin/policy").needs(authz.UserAdmin),
	"POST /admin/policy":                  fixed("/admin/policy").needs(authz.UserAdmin),
	"GET /api/v1/catalogs":                fixed("/api/v1/catalogs").needs(authz.CatalogRead),
	"POST /api/v1/catalogs":               fixed("/api/v1/catalogs").needs(authz.CatalogWrite),
	"GET /api/v1/catalogs/{id}":           withCatalog("/api/v1/catalogs/%d").needs(authz.CatalogRead),
	"GET /api/v1/catalogs/{id}/editions":  withCatalog("/api/v1/catalogs/%d/editions").needs(authz.CatalogRead),
	"GET /api/v1/units":                   fixed("/api/v1/units").needs(authz.OrgRead),
	"POST /api/v1/units":                  fixed("/api/v1/units").needs(authz.OrgWrite),
	"GET /api/v1/units/{id}":              unitTarget("/api/v1/units/%d").needs(authz.OrgRead),
	"PUT /api/v1/units/{id}":              unitTarget("/api/v1/units/%d").needs(authz.OrgWrite),
	"GET /api/v1/people":                  fixed("/api/v1/people").needs(authz.OrgRead),
	"POST /api/v1/people":                 fixed("/api/v1/people").needs(authz.OrgWrite),
	"GET /api/v1/people/{id}":             personTarget("/api/v1/people/%d").needs(authz.OrgRead),
	"PUT /api/v1/people/{id}":             personTarget("/api/v1/people/%d").needs(authz.OrgWrite),
	"GET /api/v1/people/{id}/assignments": personTarget("/api/v1/people/%d/assignments").needs(authz.OrgRead),
	"POST /api/v1/assignments":            fixed("/api/v1/assignments").needs(authz.OrgWrite),
	"POST /api/v1/assignments/{id}/end":   assignmentTarget("/api/v1/assignments/%d/end").needs(authz.OrgWrite),
	"GET /api/v1/roles":                   fixed("/api/v1/roles").needs(authz.OrgRead),
	"GET /api/v1/search":                  fixed("/api/v1/search?q=%E4%BE%8B%E5%A4%96").needs(authz.CatalogRead),
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
	"POST /account/prefs":                authz.Authenticated,
	"GET /incident-report":               authz.Public,
	"POST /incident-report":              authz.Public,
}

// refusesHolders lists routes whose fixtures cannot let every holder of
// the permission through (none should be here: give the route a fixture or
// a want rule instead).
var refusesHolders = map[string]bool{}

// matrix is a server under test with its fixture and principals.
type matrix struct {
	h          http.Handler // the server, behind the principal-injecting middleware
	routes     map[string]authz.Permission
	targets    map[string]target
	f          *fixture
	principals map[string]*authz.Principal
}

// principalHeader carries the matrix case to the injecting middleware.
const principalHeader = "X-Matrix-Principal"

// newMatrix builds the app on db, the fixture, and the server; tamper,
// when set, changes the server's dependencies first (the negative checks
// use it to break one route).
func newMatrix(t *testing.T, db *store.DB, tamper func(*web.Deps)) *matrix {
	t.Helper()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	deps := a.WebDeps(app.WebOptions{})
	f := buildFixture(t, db, deps)
	m := &matrix{f: f, principals: map[string]*authz.Principal{}, targets: map[string]target{}}
	for _, r := range authz.Builtin {
		m.principals[r.Key] = principalFor(r, f)
	}
	for k, v := range targets {
		m.targets[k] = v
	}
	m.moduleTargets(t, a)
	if tamper != nil {
		tamper(&deps)
	}
	srv, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	m.routes = srv.Routes()
	inner := srv.Handler()
	m.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := m.principals[r.Header.Get(principalHeader)]; p != nil {
			r = r.WithContext(authz.WithPrincipal(r.Context(), p))
		}
		inner.ServeHTTP(w, r)
	})
	return m
}

// moduleTargets adds the targets of every capability module, after the
// module has built its records on the fixture.
func (m *matrix) moduleTargets(t *testing.T, a *app.App) {
	t.Helper()
	f := m.f
	mf := &capability.MatrixFixture{
		UnitA: capability.Unit{ID: f.unitA.ID, Path: f.unitA.Path}, UnitA1: capability.Unit{ID: f.unitA1.ID, Path: f.unitA1.Path},
		UnitB: capability.Unit{ID: f.unitB.ID, Path: f.unitB.Path}, PersonA1: f.personA1.ID, PersonB: f.personB.ID,
		PersonA: f.personA, CatalogID: f.catalogID, Principal: func(role string) *authz.Principal { return m.principals[role] },
	}
	for _, mod := range a.Modules() {
		if mod.Matrix == nil {
			continue
		}
		ts, err := mod.Matrix(context.Background(), mf)
		if err != nil {
			t.Fatalf("%s: matrix fixture: %v", mod.Name, err)
		}
		for pattern, tg := range ts {
			path, want, body := tg.Path, tg.Want, tg.Body
			mt := at(func(_ *fixture, own bool) (string, string) { return path(own) })
			if want != nil {
				mt.want = func(p *authz.Principal, _ *fixture, own bool) bool { return want(p, own) }
			}
			if body != nil {
				mt.body = func(_ *fixture, own bool) string { return body(own) }
			}
			m.targets[pattern] = mt
		}
	}
}

func (m *matrix) patterns() []string {
	out := make([]string, 0, len(m.routes))
	for p := range m.routes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// check runs the matrix over patterns and returns what is wrong, one line
// per problem, and how many route × role × unit cases it sent.
func (m *matrix) check(patterns []string) (problems []string, checked int) {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, pattern := range patterns {
		declared, ok := m.routes[pattern]
		if !ok {
			bad("%s: no such route", pattern)
			continue
		}
		if declared == authz.Public || declared == authz.Authenticated {
			if open[pattern] != declared {
				bad("route %q is open (%s) but not listed as such: give it a permission or list it in open", pattern, declared)
			}
			continue
		}
		tgt, ok := m.targets[pattern]
		if !ok {
			bad("route %q (%s) is not in the authorization matrix: add it to targets", pattern, declared)
			continue
		}
		perm := declared
		if tgt.perm != "" && tgt.perm != declared {
			bad("%s declares %s, the matrix expects %s: the route's permission changed", pattern, declared, tgt.perm)
			perm = tgt.perm
		}
		method, _, _ := strings.Cut(pattern, " ")
		// Anonymous requests are always refused.
		if allowed, status := m.send(method, tgt, true, ""); allowed {
			bad("%s: allowed without sign-in (status %d)", pattern, status)
		}
		for _, role := range authz.Builtin {
			p := m.principals[role.Key]
			for _, own := range []bool{true, false} {
				_, unitPath := tgt.at(m.f, own)
				want := p.Can(perm)
				if unitPath != "" {
					want = p.CanIn(perm, unitPath)
				}
				if tgt.want != nil {
					want = tgt.want(p, m.f, own)
				}
				allowed, status := m.send(method, tgt, own, role.Key)
				checked++
				if status >= 500 {
					bad("%s as %s (own=%v): server error %d", pattern, role.Key, own, status)
				}
				if allowed && !want {
					bad("%s as %s (own unit %v): allowed (status %d) but %s is not granted there", pattern, role.Key, own, status, perm)
				}
				if !allowed && want && !refusesHolders[pattern] {
					bad("%s as %s (own unit %v): refused (status %d) although %s is granted there", pattern, role.Key, own, status, perm)
				}
			}
		}
	}
	return problems, checked
}

// send makes one request and says whether it got past authorization:
// 401, 403, 404 and a redirect to the sign-in page count as refused.
func (m *matrix) send(method string, tgt target, own bool, role string) (bool, int) {
	path, _ := tgt.at(m.f, own)
	var body io.Reader
	ctype := ""
	switch {
	case tgt.body != nil:
		body = strings.NewReader(tgt.body(m.f, own))
		ctype = "application/x-www-form-urlencoded"
		if strings.HasPrefix(path, "/api/") {
			ctype = "application/json"
		}
	case method == "POST":
		body = strings.NewReader(url.Values{"matrix": {"1"}}.Encode())
		ctype = "application/x-www-form-urlencoded"
	}
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if role != "" {
		req.Header.Set(principalHeader, role)
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	switch rec.Code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return false, rec.Code
	}
	if rec.Code/100 == 3 && strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		return false, rec.Code
	}
	return true, rec.Code
}

func buildFixture(t *testing.T, db *store.DB, deps web.Deps) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	o := deps.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	mk := func(code, name string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "部", ParentID: parent})
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
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, Email: no + "@example.jp", UnitID: unit, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.personA1 = person("E1", f.unitA1.ID)
	f.personB = person("E2", f.unitB.ID)
	appoint := func(p org.Person, unit int64) org.Assignment {
		a, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: authz.RoleDivisionISO, UnitID: unit, StartsOn: "2024-04-01"})
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
	kids, err := deps.Catalogs.Children(ctx, res.Edition.ID, "")
	if err != nil || len(kids) == 0 {
		t.Fatalf("fixture catalog has no nodes (%v)", err)
	}
	f.nodeRef = kids[0].Ref
	if cw := deps.Crosswalk; cw != nil {
		res, err := deps.Catalogs.Import(ctx, catalog.ImportRequest{Name: "要領", SourceName: "y.txt",
			Data: []byte("第1部 総則\n1 目的\n(1) 目的\n(a) 例外措置の手続を定めること。\n")})
		if err != nil {
			t.Fatal(err)
		}
		f.catalog2 = res.Catalog.ID
		l, err := cw.Pick(ctx, crosswalk.EditionRef{Catalog: f.catalogID}, crosswalk.EditionRef{Catalog: f.catalog2},
			f.nodeRef, f.nodeRef, "", crosswalk.StatusConfirmed, "", 0.5)
		if err != nil {
			t.Fatal(err)
		}
		f.linkID = l.ID
	}
	u, _, err := deps.Auth.CreateUser(ctx, auth.NewUser{Login: "someone", PersonID: f.personB.ID, Name: "職員E2"})
	if err != nil {
		t.Fatal(err)
	}
	f.userID = u.ID
	// Sessions to revoke belong to an account no route disables.
	if _, pw, err := deps.Auth.CreateUser(ctx, auth.NewUser{Login: "sessions", PersonID: person("E6", f.unitB.ID).ID, Name: "職員E6"}); err != nil {
		t.Fatal(err)
	} else {
		f.session = func() int64 {
			res, err := deps.Auth.Login(ctx, "sessions", pw, "", auth.Meta{IP: "192.0.2.1"})
			if err != nil {
				t.Fatalf("matrix session: %v", err)
			}
			return res.Identity.Session.ID
		}
	}
	if a := deps.Approval; a != nil {
		if err := a.EnsureBuiltinTypes(ctx); err != nil {
			t.Fatal(err)
		}
		// A head of 部 A takes requests escalated from A1's officer.
		head := person("E3", f.unitA.ID)
		f.personA = head.ID
		if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: head.ID, RoleKey: authz.RoleISO, UnitID: f.unitA.ID, StartsOn: "2024-04-01"}); err != nil {
			t.Fatal(err)
		}
		filerB, filerA1 := person("E4", f.unitB.ID), person("E5", f.unitA1.ID)
		file := func(p org.Person, submit bool) int64 {
			path, grants, _, err := o.Grants(ctx, p.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			day := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
			r, err := a.File(ctx, &authz.Principal{PersonID: p.ID, UnitPath: path, Grants: grants}, approval.Input{TypeKey: approval.TypeTakeOut,
				Values: map[string]string{"title": "資料", "level": "機密性3", "information": "資料", "destination": "会場",
					"starts_on": day, "ends_on": day, "method": "暗号化"}}, submit)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		f.requestA1, f.draftA1, f.submitA1, f.requestB = file(f.personA1, true), file(f.personA1, false), file(f.personA1, false), file(filerB, true)
		f.toDecideA1 = file(filerA1, true)
		for _, n := range []struct {
			person int64
			id     *int64
		}{{f.personA1.ID, &f.noticeA1}, {f.personB.ID, &f.noticeB}} {
			ns, err := a.Inbox(ctx, n.person)
			if err != nil || len(ns) == 0 {
				t.Fatalf("no notice for person %d (%v)", n.person, err)
			}
			*n.id = ns[0].ID
		}
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

// TestAuthorizationMatrix runs the matrix on SQLite, and on PostgreSQL too
// when KITEI_TEST_POSTGRES is set.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		m := newMatrix(t, db, nil)
		problems, checked := m.check(m.patterns())
		for _, p := range problems {
			t.Error(p)
		}
		if checked < 100 {
			t.Fatalf("only %d cases checked", checked)
		}
		t.Logf("%d route × role × unit cases checked", checked)
	})
}
