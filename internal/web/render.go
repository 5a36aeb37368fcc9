package web

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/webui"
)

//go:embed templates/*.html templates/partials/*.html
var templateFiles embed.FS

// page is what every template receives (see webui.Page).
type page = webui.Page

// templates are the pages of the capabilities still served from this
// package (catalogs, search, crosswalk, organisation, registers,
// self-inspection, requests, accounts and the audit trail).
func templates() webui.Templates {
	funcs := template.FuncMap{
		"branch": func(p *page, n *treeNode) branchArgs { return branchArgs{Page: p, Node: n} },
		"nodeURLFor": func(catalogID int64, ref string) string {
			return "/catalogs/" + strconv.FormatInt(catalogID, 10) + "/nodes/" + url.PathEscape(ref)
		},
	}
	for k, v := range orgFuncs {
		funcs[k] = v
	}
	for k, v := range regFuncs {
		funcs[k] = v
	}
	return webui.Templates{FS: templateFiles, Pages: "templates/*.html", Partials: "templates/partials/*.html", Funcs: funcs}
}

// nav is the navigation of the capabilities served from this package.
func nav() []webui.NavEntry {
	return []webui.NavEntry{
		{Key: "catalogs", Href: "/catalogs", Label: "nav.catalogs", Order: 10, Perms: []authz.Permission{authz.CatalogRead}},
		{Key: "search", Href: "/search", Label: "nav.search", Order: 11, Perms: []authz.Permission{authz.CatalogRead}},
		{Key: "crosswalk", Href: "/crosswalk", Label: "nav.crosswalk", Order: 20, Perms: []authz.Permission{authz.CrosswalkRead}},
		{Key: "org", Href: "/org", Label: "nav.org", Order: 30, Perms: []authz.Permission{authz.OrgRead}},
		{Key: "register", Href: "/register/assets", Label: "nav.register", Order: 40, Perms: []authz.Permission{authz.RegisterRead}},
		{Key: "selfcheck", Href: "/selfcheck", Label: "nav.selfcheck", Order: 50, Perms: []authz.Permission{authz.SelfcheckAnswer}},
		{Key: "requests", Href: "/requests", Label: "nav.requests", Order: 60, Perms: []authz.Permission{authz.RequestFile, authz.RequestDecide}},
		{Key: "inbox", Href: "/inbox", Label: "nav.inbox", Order: 90},
		{Key: "audit", Href: "/audit", Label: "nav.audit", Order: 95, Perms: []authz.Permission{authz.AuditRead}},
	}
}

// branchArgs carries the page into the recursive tree template.
type branchArgs struct {
	Page *page
	Node *treeNode
}

func short(s string) string { return webui.Short(s) }

func (s *Server) newPage(r *http.Request, titleKey string, data any) *page {
	return s.Kit.Page(r, titleKey, data)
}

// render writes a page (see webui.Kit.Render).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	s.Kit.Render(w, r, status, name, p)
}

// fail renders the error page with a message key.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	s.Kit.FailKey(w, r, status, key)
}

// failErr maps an application error to a status and shows its message.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) { s.Kit.Fail(w, r, err) }

func statusOf(err error) int { return apperr.HTTPStatus(err) }
