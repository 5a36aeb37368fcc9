// Package api serves kitei's REST API under /api/v1: JSON in and out,
// described by the OpenAPI 3.1 document at /api/v1/openapi.json. The web
// server mounts these routes behind the same guard as its pages, so every
// API route declares its permission too.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
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
}

// Route is one API endpoint with its permission and its documentation.
type Route struct {
	Method, Path string // Path in ServeMux syntax, e.g. /api/v1/catalogs/{id}
	Perm         authz.Permission
	Summary      string
	Handler      http.HandlerFunc
	// Query parameters and request/response shapes for the OpenAPI document.
	Params   []Param
	Body     string // name of the request body schema, "" for none
	BodyType string // media type of the body (default application/json)
	Response string // name of the 200 response schema
}

// Param documents a query or path parameter.
type Param struct {
	Name, In, Type, Description string
	Required                    bool
}

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
	rs = append(rs, Route{Method: "GET", Path: "/api/v1/openapi.json", Perm: authz.Public,
		Summary: "This OpenAPI 3.1 document", Handler: a.openapi})
	return rs
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error   string `json:"error"`   // code: invalid, not_found, forbidden …
	Message string `json:"message"` // for people
}

// WriteError maps err to a status and a JSON error body. It is exported so
// the guard can answer API requests the same way.
func WriteError(w http.ResponseWriter, err error, logger *slog.Logger) {
	code := apperr.CodeOf(err)
	status := apperr.HTTPStatus(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		if logger != nil {
			logger.Error("api request failed", "err", err)
		}
		msg = "internal error"
	}
	writeJSON(w, status, ErrorBody{Error: string(code), Message: msg})
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "%s must be a positive number", name)
	}
	return id, nil
}
