// Package api serves kitei's REST API under /api/v1: JSON in and out,
// described by the OpenAPI 3.1 document at /api/v1/openapi.json. The web
// server mounts these routes behind the same guard as its pages, so every
// API route declares its permission too.
package api

import (
	"log/slog"
	"net/http"

	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/httpx"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/selfcheck"
)

// Deps are the capabilities the API exposes.
type Deps struct {
	Catalogs  *catalog.Service
	Org       *org.Service       // nil: no organisation routes
	Selfcheck *selfcheck.Service // nil: no self-inspection routes
	Crosswalk *crosswalk.Service // nil: no crosswalk routes
	Approval  *approval.Service  // nil: no request routes
	Register  *register.Registry // nil: no register routes
	Logger    *slog.Logger
	Version   string
	// Extra are the capability modules' API routes, documented with the rest.
	Extra []httpx.Route
}

// Route is one API endpoint with its permission and its documentation.
type Route = httpx.Route

// Param documents a query or path parameter.
type Param = httpx.Param

// API holds the handlers.
type API struct{ Deps }

// New returns the API over d.
func New(d Deps) *API {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &API{Deps: d}
}

// Routes lists every endpoint, the OpenAPI document included.
func (a *API) Routes() []Route {
	rs := a.catalogRoutes()
	rs = append(rs, a.catalogExportRoute())
	rs = append(rs, a.selfcheckRoutes()...)
	rs = append(rs, a.crosswalkRoutes()...)
	rs = append(rs, a.approvalRoutes()...)
	rs = append(rs, a.registerRoutes()...)
	rs = append(rs, a.orgRoutes()...)
	rs = append(rs, a.Extra...)
	rs = append(rs, Route{Method: "GET", Path: "/api/v1/openapi.json", Perm: authz.Public,
		Summary: "This OpenAPI 3.1 document", Handler: a.openapi})
	return rs
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }

// fail answers err in the one JSON error shape (see httpx.WriteError).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, err, a.Logger)
}

func pathID(r *http.Request, name string) (int64, error) { return httpx.PathID(r, name) }

func readJSON(r *http.Request, v any) error { return httpx.ReadJSON(r, v) }
