// Package web serves kitei's server-rendered pages. Handlers call the
// capability packages; they never touch SQL. Pages work without JavaScript;
// static/app.js only improves them.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/httpx"
	"kitei/internal/metrics"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/selfcheck"
	"kitei/internal/webui"
)

// Pinger reports whether the store answers (used by /healthz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the capabilities the web layer serves.
type Deps struct {
	Store    Pinger
	Catalogs *catalog.Service
	Org      *org.Service
	Audit    audit.Store
	// Selfcheck runs self-inspection campaigns (nil: no such pages).
	Selfcheck *selfcheck.Service
	// Approval runs requests (申請・届出), ledgers and the inbox (nil: no such pages).
	Approval *approval.Service
	// Crosswalk links catalogs (nil: no crosswalk pages).
	Crosswalk *crosswalk.Service
	// Register keeps the information assets, systems and services (nil: no register pages).
	Register *register.Registry
	// API is the REST API, mounted behind the same guard as the pages.
	API []httpx.Route
	// Modules are the capabilities built in the capability shape: their
	// pages, API routes, templates and navigation are mounted here.
	Modules []capability.Module
	// Kit renders every page; New sets it up with every capability's
	// templates and navigation (nil: a kit of its own).
	Kit *webui.Kit
	// Auth signs people in; without it nobody is signed in and only
	// public routes answer.
	Auth *auth.Service
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// (kitei behind a TLS-terminating proxy).
	SecureCookies bool
	Logger        *slog.Logger
	Version       string
	// StoreName is shown on the home page ("SQLite", "PostgreSQL").
	StoreName string
	// SignInButtons lead to the configured OpenID providers (internal/oidc).
	SignInButtons []SignInButton
}

// SignInButton is one "sign in with …" button of the sign-in page.
type SignInButton struct {
	Href  string
	Label string // shown as is (the provider's name as the organisation calls it)
}

// Server renders pages for Deps.
type Server struct {
	Deps
	mux    *http.ServeMux
	logins *loginLimiter
}

// route is one entry of the route table.
type route struct {
	pattern string
	perm    authz.Permission
	handler http.HandlerFunc
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Kit == nil {
		d.Kit = webui.NewKit(d.Logger, d.Version)
	}
	sets, entries := []webui.Templates{templates()}, nav()
	for _, m := range d.Modules {
		if m.Templates != nil {
			sets = append(sets, *m.Templates)
		}
		entries = append(entries, m.Nav...)
	}
	if err := d.Kit.Init(sets, entries); err != nil {
		return nil, err
	}
	s := &Server{Deps: d, mux: http.NewServeMux(), logins: newLoginLimiter()}
	d.Kit.Decorate = s.decoratePage
	for _, rt := range s.allRoutes() {
		s.mux.Handle(rt.pattern, s.guard(rt.perm, rt.handler))
	}
	return s, nil
}

// Routes returns the route table (pattern → permission) for the
// authorization matrix test.
func (s *Server) Routes() map[string]authz.Permission {
	out := map[string]authz.Permission{}
	for _, rt := range s.allRoutes() {
		out[rt.pattern] = rt.perm
	}
	return out
}

func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", authz.Public, s.health},
		{"GET /static/", authz.Public, s.static},
		{"GET /{$}", authz.Authenticated, s.home},
		{"GET /lang/{lang}", authz.Public, s.setLang},
		{"GET /catalogs", authz.CatalogRead, s.catalogList},
		{"POST /catalogs", authz.CatalogWrite, s.catalogImport},
		{"GET /catalogs/{id}", authz.CatalogRead, s.catalogTree},
		{"GET /catalogs/{id}/export", authz.CatalogRead, s.catalogExport},
		{"GET /catalogs/{id}/nodes/{ref...}", authz.CatalogRead, s.catalogNode},
		{"GET /search", authz.CatalogRead, s.search},
		{"GET /crosswalk", authz.CrosswalkRead, s.withCrosswalk(s.crosswalkIndex)},
		{"GET /crosswalk/review", authz.CrosswalkRead, s.withCrosswalk(s.crosswalkReview)},
		{"POST /crosswalk/links", authz.CrosswalkWrite, s.withCrosswalk(s.crosswalkLinkPost)},
		{"POST /crosswalk/links/{id}", authz.CrosswalkWrite, s.withCrosswalk(s.crosswalkLinkUpdate)},
		{"POST /crosswalk/bulk", authz.CrosswalkWrite, s.withCrosswalk(s.crosswalkBulk)},
		{"GET /crosswalk/gaps", authz.CrosswalkRead, s.withCrosswalk(s.crosswalkGaps)},
		{"GET /crosswalk/gaps.xlsx", authz.CrosswalkRead, s.withCrosswalk(s.crosswalkGapsXLSX)},
		{"GET /crosswalk/diff", authz.CrosswalkRead, s.withCrosswalk(s.crosswalkDiff)},
		{"GET /audit", authz.AuditRead, s.auditList},
		{"GET /audit.csv", authz.AuditRead, s.auditCSV},
		{"GET /login", authz.Public, s.loginPage},
		{"POST /login", authz.Public, s.loginSubmit},
		{"POST /logout", authz.Authenticated, s.logout},
		{"GET /account", authz.Authenticated, s.accountPage},
		{"GET /account/password", authz.Authenticated, s.passwordPage},
		{"POST /account/password", authz.Authenticated, s.passwordSubmit},
		{"GET /account/totp", authz.Authenticated, s.totpPage},
		{"POST /account/totp", authz.Authenticated, s.totpSubmit},
		{"POST /account/sessions/{id}/revoke", authz.Authenticated, s.accountRevokeSession},
		{"POST /account/tokens", authz.Authenticated, s.accountCreateToken},
		{"POST /account/tokens/{id}/revoke", authz.Authenticated, s.accountRevokeToken},
		{"GET /admin/users", authz.UserAdmin, s.adminUsers},
		{"POST /admin/users", authz.UserAdmin, s.adminCreateUser},
		{"GET /admin/users/{id}", authz.UserAdmin, s.adminUser},
		{"POST /admin/users/{id}/{action}", authz.UserAdmin, s.adminUserAction},
		{"POST /admin/sessions/{id}/revoke", authz.UserAdmin, s.adminRevokeSession},
		{"GET /admin/policy", authz.UserAdmin, s.policyPage},
		{"POST /admin/policy", authz.UserAdmin, s.policySubmit},
		{"GET /api/v1/me", authz.Authenticated, s.apiMe},
		{"GET /org", authz.OrgRead, s.withOrg(s.orgUnits)},
		{"POST /org/units", authz.OrgWrite, s.withOrg(s.orgUnitCreate)},
		{"GET /org/units/{id}", authz.OrgRead, s.withOrg(s.orgUnit)},
		{"POST /org/units/{id}", authz.OrgWrite, s.withOrg(s.orgUnitUpdate)},
		{"POST /org/units/{id}/retire", authz.OrgWrite, s.withOrg(s.orgUnitRetire)},
		{"GET /org/people", authz.OrgRead, s.withOrg(s.orgPeople)},
		{"POST /org/people", authz.OrgWrite, s.withOrg(s.orgPersonCreate)},
		{"GET /org/people/{id}", authz.OrgRead, s.withOrg(s.orgPerson)},
		{"POST /org/people/{id}", authz.OrgWrite, s.withOrg(s.orgPersonUpdate)},
		{"POST /org/people/{id}/assignments", authz.OrgWrite, s.withOrg(s.orgAppoint)},
		{"POST /org/assignments/{id}/end", authz.OrgWrite, s.withOrg(s.orgAssignmentEnd)},
		{"GET /org/roles", authz.OrgRead, s.withOrg(s.orgRoles)},
		{"POST /org/roles", authz.OrgWrite, s.withOrg(s.orgRoleCreate)},
		{"POST /org/roles/{key}", authz.OrgWrite, s.withOrg(s.orgRoleUpdate)},
		{"GET /org/roles/{key}/contacts", authz.OrgRead, s.withOrg(s.orgContacts)},
		{"GET /org/import", authz.OrgWrite, s.withOrg(s.orgImportPage)},
		{"POST /org/import", authz.OrgWrite, s.withOrg(s.orgImport)},
		{"GET /org/export.xlsx", authz.OrgRead, s.withOrg(s.orgExport)},
	}
}

// Handler returns the full handler chain: recovery, logging, security
// headers, cross-origin write protection, then the routes.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.withSession(h)
	h = metrics.Middleware(h, s.routePattern)
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	h = s.logRequests(h)
	h = s.recoverPanics(h)
	return h
}

// guard checks the route's permission before the handler runs (see
// requirePermission in session.go).
func (s *Server) guard(p authz.Permission, h http.HandlerFunc) http.Handler {
	return s.requirePermission(p, h)
}

// routePattern names the route r matches, for the metrics ("" if none).
func (s *Server) routePattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}
